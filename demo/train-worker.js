/**
 * Trains LeNet-5 in a module Worker, so the page stays responsive. Messages out:
 *   { type: 'ready', backend, simd, train, test }          digits loaded
 *   { type: 'step', step, steps, epoch, loss, accuracy, imagesPerSecond }
 *   { type: 'weights', weights }                            every few steps and after each epoch
 *   { type: 'epoch', epoch, heldOut: { loss, accuracy } }
 *   { type: 'done', seconds } | { type: 'error', message }
 * The page stops training by terminating the Worker.
 */
import * as sn from '../dist/index.js';
import { createModel, DIGITS_URL, exportWeights, parseDigits, prepareDigits } from './lenet.js';

const WEIGHTS_EVERY = 20;

self.onmessage = async ({ data }) => {
  try {
    if (data.type === 'train') await train(data);
  } catch (error) {
    self.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
};

/** Keeps the Worker's event loop turning, so progress messages leave while the loop runs. */
const breathe = () => new Promise((resolve) => setTimeout(resolve, 0));

async function train({ epochs = 3, lr = 0.05, batchSize = 32, seed = 1, heldOut = 500 }) {
  const info = await sn.init();
  const response = await fetch(DIGITS_URL);
  if (!response.ok) throw new Error(`could not load ${DIGITS_URL.pathname} (HTTP ${response.status}): run \`npm run build\``);
  const digits = prepareDigits(parseDigits(await response.arrayBuffer()));
  const [trainSet, testSet] = sn.data.split(digits, digits.count - heldOut, seed);
  self.postMessage({ type: 'ready', backend: info.backend, simd: info.simd, train: trainSet.count, test: testSet.count });

  sn.seed(seed);
  const model = createModel(seed);
  const optimizer = new sn.optim.SGD(model.parameters(), { lr, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const schedule = new sn.optim.CosineAnnealingLR(optimizer, epochs);
  const random = new sn.Random(seed);
  const stepsPerEpoch = Math.ceil(trainSet.count / batchSize);
  const started = performance.now();
  let step = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    for (const indices of sn.data.batchIndices(trainSet.count, batchSize, { random })) {
      const { loss, correct } = sn.tidy(() => {
        const { x, y } = sn.data.makeBatch(trainSet, indices);
        return sn.trainStep(model, x, y, optimizer);
      });
      step++;
      self.postMessage({
        type: 'step', step, steps: epochs * stepsPerEpoch, epoch, loss, accuracy: correct / indices.length,
        imagesPerSecond: (step * batchSize) / ((performance.now() - started) / 1000),
      });
      if (step % WEIGHTS_EVERY === 0) {
        self.postMessage({ type: 'weights', weights: exportWeights(model) });
        await breathe();
      }
    }
    schedule.step();
    const evaluation = sn.evaluate(model, testSet);
    self.postMessage({ type: 'weights', weights: exportWeights(model) });
    self.postMessage({ type: 'epoch', epoch, heldOut: { loss: evaluation.loss, accuracy: evaluation.accuracy } });
    await breathe();
  }
  self.postMessage({ type: 'done', seconds: (performance.now() - started) / 1000, memory: sn.memory().liveTensors });
  model.dispose();
}
