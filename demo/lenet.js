/**
 * What the page and the training Worker share: the model, its input, the demo digits and moving
 * weights between them. Everything here matches `npm start` (examples/train-lenet.ts), so the
 * weights it saves load here and the page's weights would load there.
 */
import * as sn from '../dist/index.js';
import { SIDE } from './digit.js';

export const WEIGHTS_URL = new URL('../weights/lenet5-modern.safetensors', import.meta.url);
export const DIGITS_URL = new URL('../build/demo-digits.bin', import.meta.url);
const MEAN = 0.1307, STD = 0.3081;
/** The normalised value of a blank pixel. */
export const BACKGROUND = (0 - MEAN) / STD;

export function createModel(seed = 1) {
  return sn.zoo.lenet5({ variant: 'modern', seed });
}

/** A 28×28 digit (grey levels 0–1) as LeNet-5's input: padded to 32×32 and normalised, [1, 32, 32, 1]. */
export function inputTensor(pixels) {
  const input = new Float32Array(32 * 32).fill(BACKGROUND);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) input[(y + 2) * 32 + x + 2] = (pixels[y * SIDE + x] - MEAN) / STD;
  }
  return sn.tensor(input, [1, 32, 32, 1]);
}

/**
 * The forward pass of LeNet5Modern layer by layer, keeping every activation for the pictures.
 * Call inside tidy(); the last entry's `probabilities` are the softmax of the scores.
 */
export function forwardLayers(model, x) {
  const c1 = model.relu1.forward(model.conv1.forward(x));
  const s2 = model.pool1.forward(c1);
  const c3 = model.relu2.forward(model.conv2.forward(s2));
  const s4 = model.pool2.forward(c3);
  const f5 = model.relu3.forward(model.fc1.forward(model.flatten.forward(s4)));
  const f6 = model.relu4.forward(model.fc2.forward(f5));
  const scores = model.fc3.forward(f6);
  return {
    layers: [
      { name: 'C1', caption: 'conv 5×5 + ReLU: 6 maps 28×28', tensor: c1 },
      { name: 'S2', caption: 'max-pool 2×2: 6 maps 14×14', tensor: s2 },
      { name: 'C3', caption: 'conv 5×5 + ReLU: 16 maps 10×10', tensor: c3 },
      { name: 'S4', caption: 'max-pool 2×2: 16 maps 5×5', tensor: s4 },
      { name: 'F5', caption: 'linear + ReLU: 120 units', tensor: f5 },
      { name: 'F6', caption: 'linear + ReLU: 84 units', tensor: f6 },
    ],
    probabilities: sn.softmax(scores),
  };
}

/** The demo digits (scripts/build-demo-data.mjs) as a dataset of 28×28×1 images in [0, 1]. */
export function parseDigits(buffer) {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== 'SNDIGITS') throw new Error('not a demo digits file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(8, true), height = view.getUint16(12, true), width = view.getUint16(14, true);
  if (bytes.length !== 16 + count * (1 + height * width)) throw new Error(`the demo digits file has ${bytes.length} bytes, not the ${16 + count * (1 + height * width)} its header says`);
  const labels = Int32Array.from(bytes.subarray(16, 16 + count));
  const images = Float32Array.from(bytes.subarray(16 + count), (v) => v / 255);
  return { images, labels, count, height, width, channels: 1 };
}

/** LeNet-5's training input: as `npm start` prepares it (pad 2, normalise). */
export function prepareDigits(dataset) {
  return sn.data.mapPixels(sn.data.padImages(dataset, 2), (v) => (v - MEAN) / STD);
}

/** The state dict as plain { shape, data } copies: they cross postMessage, and loadStateDict takes them. */
export function exportWeights(model) {
  const out = {};
  for (const [key, t] of Object.entries(model.stateDict())) out[key] = { shape: [...t.shape], data: Float32Array.from(t.dataSync()) };
  return out;
}
