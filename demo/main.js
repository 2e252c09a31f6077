/**
 * The demo page: draw a digit, watch LeNet-5 classify it, see its filters and the feature maps of
 * the digit, and train it in a Worker with a live curve. Inference runs here on the main thread
 * (one forward pass is well under a millisecond); training runs in train-worker.js.
 */
import * as sn from '../dist/index.js';
import { rgbaToGrey, SIDE, toMnist } from './digit.js';
import { createModel, forwardLayers, inputTensor, WEIGHTS_URL } from './lenet.js';

const $ = (id) => document.getElementById(id);

function setStatus(text, warning = false) {
  $('status').textContent = text;
  $('status').classList.toggle('warning', warning);
}

const info = await sn.init();
const engine = `${info.backend} backend${info.simd ? ` (${info.simd === 'relaxed' ? 'relaxed SIMD, fused multiply-add' : 'SIMD'})` : ''}`;
const model = createModel(1);
model.eval();
let digit; // the drawn digit as 28×28 grey levels, or undefined while the pad is blank
/** Read by the browser test; also handy from the console. */
const state = {
  engine, weights: 'untrained', digit: undefined, predicted: undefined, probabilities: [],
  training: { steps: [], heldOut: [], done: false, error: undefined },
};
window.demo = state;

// ---- pictures --------------------------------------------------------------------------------

function drawRgba(canvas, image) {
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d').putImageData(new ImageData(image.data, image.width, image.height), 0, 0);
}

function drawGrey(canvas, grey, width, height) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < grey.length; i++) {
    data[4 * i] = data[4 * i + 1] = data[4 * i + 2] = Math.round(grey[i] * 255);
    data[4 * i + 3] = 255;
  }
  drawRgba(canvas, { width, height, data });
}

const probabilityRows = Array.from({ length: 10 }, (_, d) => {
  const li = document.createElement('li');
  li.innerHTML = `<b>${d}</b><span class="bar"><span style="width: 0%"></span></span><span class="value">–</span>`;
  $('probabilities').append(li);
  return li;
});

/** Feature-map figures, made once: each layer's picture is redrawn in place. */
const mapFigures = new Map();
function mapCanvas(layer) {
  if (!mapFigures.has(layer.name)) {
    const figure = document.createElement('figure');
    figure.className = layer.tensor.rank === 4 ? 'maps' : 'units';
    figure.innerHTML = `<canvas class="pixelated" data-layer="${layer.name}"></canvas><figcaption>${layer.name}: ${layer.caption}</figcaption>`;
    $('maps').append(figure);
    mapFigures.set(layer.name, figure.querySelector('canvas'));
  }
  return mapFigures.get(layer.name);
}

/** A layer's activation as a picture: one tile per channel, or the units of a linear layer in 6 rows. */
function layerImage(tensor) {
  if (tensor.rank === 4) return sn.viz.renderFeatureMaps(tensor, { scale: tensor.shape[1] >= 14 ? 2 : 4 });
  const values = tensor.dataSync();
  const rows = 6;
  return sn.viz.renderTiles(1, rows, values.length / rows, () => values, { scale: 4 });
}

function renderFilters() {
  drawRgba($('filters-c1'), sn.viz.renderFilters(model.conv1.weight, { scale: 8 }));
  drawRgba($('filters-c3'), sn.viz.renderFilters(model.conv2.weight, { scale: 3 }));
}

function renderPrediction() {
  if (!digit) {
    drawGrey($('input'), new Float32Array(SIDE * SIDE), SIDE, SIDE);
    $('predicted-digit').textContent = '–';
    $('confidence').textContent = 'draw a digit';
    for (const li of probabilityRows) {
      li.classList.remove('top');
      li.querySelector('.bar span').style.width = '0%';
      li.querySelector('.value').textContent = '–';
    }
    state.digit = undefined;
    state.predicted = undefined;
    state.probabilities = [];
    return;
  }
  drawGrey($('input'), digit, SIDE, SIDE);
  sn.noGrad(() => sn.tidy(() => {
    const { layers, probabilities } = forwardLayers(model, inputTensor(digit));
    const p = Array.from(probabilities.dataSync());
    const best = p.indexOf(Math.max(...p));
    $('predicted-digit').textContent = String(best);
    $('confidence').textContent = `${(100 * p[best]).toFixed(1)}% sure`;
    probabilityRows.forEach((li, d) => {
      li.classList.toggle('top', d === best);
      li.querySelector('.bar span').style.width = `${(100 * p[d]).toFixed(1)}%`;
      li.querySelector('.value').textContent = `${(100 * p[d]).toFixed(1)}%`;
    });
    for (const layer of layers) drawRgba(mapCanvas(layer), layerImage(layer.tensor));
    state.digit = Array.from(digit);
    state.predicted = best;
    state.probabilities = p;
  }));
}

let renderQueued = false;
/** Renders at most once per frame, however many strokes or weight updates arrive. */
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderFilters();
    renderPrediction();
    drawCurve();
  });
}

// ---- drawing ---------------------------------------------------------------------------------

const pad = $('pad');
const ink = pad.getContext('2d', { willReadFrequently: true });

function clearPad() {
  ink.fillStyle = '#000';
  ink.fillRect(0, 0, pad.width, pad.height);
  digit = undefined;
  scheduleRender();
}

function readPad() {
  const pixels = ink.getImageData(0, 0, pad.width, pad.height).data;
  digit = toMnist(rgbaToGrey(pixels), pad.width, pad.height);
  scheduleRender();
}

function padPoint(event) {
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * (pad.width / box.width), (event.clientY - box.top) * (pad.height / box.height)];
}

let last;
pad.addEventListener('pointerdown', (event) => {
  pad.setPointerCapture(event.pointerId);
  last = padPoint(event);
  ink.fillStyle = '#fff';
  ink.beginPath();
  ink.arc(last[0], last[1], 9, 0, 2 * Math.PI);
  ink.fill();
  readPad();
});
pad.addEventListener('pointermove', (event) => {
  if (!last) return;
  const point = padPoint(event);
  ink.strokeStyle = '#fff';
  ink.lineWidth = 18;
  ink.lineCap = 'round';
  ink.lineJoin = 'round';
  ink.beginPath();
  ink.moveTo(last[0], last[1]);
  ink.lineTo(point[0], point[1]);
  ink.stroke();
  last = point;
  readPad();
});
for (const type of ['pointerup', 'pointercancel']) pad.addEventListener(type, () => { last = undefined; });
$('clear').addEventListener('click', clearPad);

// ---- weights ---------------------------------------------------------------------------------

async function loadSavedWeights() {
  let response;
  try {
    response = await fetch(WEIGHTS_URL, { cache: 'no-store' });
  } catch {
    response = undefined;
  }
  if (!response?.ok) {
    setStatus(`${engine}. No saved weights at weights/lenet5-modern.safetensors: run \`npm start\` (trains LeNet-5 on 8,000 MNIST digits ` +
      'and saves them there), then reload this page, or press Train below. Until then the network is untrained.', true);
    return false;
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const { metadata } = sn.io.readSafetensors(bytes);
  model.loadStateDict(sn.io.loadSafetensors(bytes));
  const details = [
    metadata.epochs && `${metadata.epochs} epochs`,
    metadata.accuracy && `held-out accuracy ${(100 * Number(metadata.accuracy)).toFixed(2)}%`,
  ].filter(Boolean).join(', ');
  state.weights = 'saved';
  setStatus(`${engine}. Weights from weights/lenet5-modern.safetensors, saved by \`npm start\`${details ? ` (${details})` : ''}.`);
  scheduleRender();
  return true;
}

$('load').addEventListener('click', loadSavedWeights);
$('save').addEventListener('click', () => {
  const bytes = sn.io.writeSafetensors(model.stateDict(), { model: 'lenet5-modern', source: 'simdnet demo page' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  link.download = 'lenet5-modern.safetensors';
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
});

// ---- training --------------------------------------------------------------------------------

let worker;
const curve = { total: 1, steps: [], heldOut: [] };

function stopTraining(message) {
  worker?.terminate();
  worker = undefined;
  $('train').disabled = false;
  $('stop').disabled = true;
  if (message) $('train-status').textContent = message;
}

$('stop').addEventListener('click', () => stopTraining(`Stopped after ${curve.steps.length} steps.`));
$('train').addEventListener('click', () => {
  stopTraining();
  const epochs = Math.max(1, Math.min(50, Math.round(Number($('epochs').value) || 1)));
  const lr = Number($('lr').value) > 0 ? Number($('lr').value) : 0.05;
  curve.steps = [];
  curve.heldOut = [];
  curve.total = 1;
  state.training = { steps: curve.steps, heldOut: curve.heldOut, done: false, error: undefined };
  $('train').disabled = true;
  $('stop').disabled = false;
  $('train-status').textContent = 'Loading the digits…';
  worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
  worker.onerror = (event) => {
    state.training.error = event.message || 'the training Worker failed to start';
    stopTraining(`Training failed: ${state.training.error}`);
  };
  worker.onmessage = ({ data }) => {
    switch (data.type) {
      case 'ready':
        $('train-status').textContent = `Training on ${data.train} digits, ${data.test} held out (${data.backend} backend in the Worker)…`;
        break;
      case 'step': {
        const smooth = (key) => (curve.steps.length ? 0.9 * curve.steps[curve.steps.length - 1][key] + 0.1 * data[key] : data[key]);
        curve.total = data.steps;
        curve.steps.push({ step: data.step, loss: smooth('loss'), accuracy: smooth('accuracy') });
        $('train-status').textContent = `epoch ${data.epoch}, step ${data.step}/${data.steps}: loss ${data.loss.toFixed(3)}, ` +
          `${data.imagesPerSecond.toFixed(0)} images/s`;
        scheduleRender();
        break;
      }
      case 'weights':
        model.loadStateDict(new Map(Object.entries(data.weights)));
        state.weights = 'trained here';
        setStatus(`${engine}. Weights trained in this page.`);
        scheduleRender();
        break;
      case 'epoch':
        curve.heldOut.push({ step: curve.steps.length, epoch: data.epoch, accuracy: data.heldOut.accuracy });
        scheduleRender();
        break;
      case 'done':
        state.training.done = true;
        stopTraining(`Done: ${curve.steps.length} steps in ${data.seconds.toFixed(1)} s; held-out accuracy ` +
          `${(100 * curve.heldOut[curve.heldOut.length - 1].accuracy).toFixed(1)}%.`);
        break;
      case 'error':
        state.training.error = data.message;
        stopTraining(`Training failed: ${data.message}`);
        break;
    }
  };
  worker.postMessage({ type: 'train', epochs, lr });
});

/** Loss (left axis) and accuracy (right axis, 0–1) against steps; held-out accuracy as dots. */
function drawCurve() {
  const canvas = $('curve');
  const g = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height, left = 44, right = 44, top = 12, bottom = 26;
  g.clearRect(0, 0, W, H);
  g.font = '11px system-ui, sans-serif';
  g.strokeStyle = '#333a44';
  g.fillStyle = '#9aa0a6';
  g.strokeRect(left, top, W - left - right, H - top - bottom);
  const maxLoss = Math.max(2.5, ...curve.steps.slice(0, 5).map((s) => s.loss));
  const x = (step) => left + (W - left - right) * (step / Math.max(1, curve.total));
  const yLoss = (loss) => top + (H - top - bottom) * (1 - Math.min(loss, maxLoss) / maxLoss);
  const yAcc = (a) => top + (H - top - bottom) * (1 - a);
  g.textAlign = 'right';
  g.fillText(maxLoss.toFixed(1), left - 6, top + 8);
  g.fillText('0', left - 6, H - bottom);
  g.textAlign = 'left';
  g.fillText('100%', W - right + 6, top + 8);
  g.fillText('0%', W - right + 6, H - bottom);
  g.textAlign = 'right';
  g.fillText(curve.steps.length ? `step (of ${curve.total})` : 'press Train to see the loss and accuracy', W - right, H - 8);
  const line = (key, y, color) => {
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    curve.steps.forEach((s, i) => (i ? g.lineTo(x(s.step), y(s[key])) : g.moveTo(x(s.step), y(s[key]))));
    g.stroke();
  };
  line('loss', yLoss, '#4fc3f7');
  line('accuracy', yAcc, '#81c784');
  g.fillStyle = '#ffb74d';
  for (const point of curve.heldOut) {
    g.beginPath();
    g.arc(x(point.step), yAcc(point.accuracy), 4, 0, 2 * Math.PI);
    g.fill();
    g.fillText(`${(100 * point.accuracy).toFixed(1)}%`, x(point.step), yAcc(point.accuracy) - 8);
  }
  g.textAlign = 'left';
  [['loss', '#4fc3f7'], ['training accuracy', '#81c784'], ['held-out accuracy', '#ffb74d']].forEach(([label, color], i) => {
    g.fillStyle = color;
    g.fillText(`■ ${label}`, left + i * 130, H - 8);
  });
}

clearPad();
setStatus(`${engine}. Loading weights…`);
await loadSavedWeights();
scheduleRender();
