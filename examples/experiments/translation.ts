/**
 * Claim: convolution and pooling make a network tolerant to where the digit is; a linear or dense
 * model has to learn every position separately.
 *
 * The 28×28 digits sit in the middle of a 40×40 canvas, so a shift of up to 6 pixels never cuts
 * them. Four models are trained on centred digits, then tested on the held-out digits shifted by
 * 0–6 pixels (left, right, up and down; the table gives the mean of the four directions):
 * softmax regression, a dense network (LeCun et al.'s 300-100 hidden units), LeNet-5 with its
 * 2×2 max pooling, and LeNet-5 without pooling (the same stride-1 convolutions, then the dense
 * layers on full-size maps). Then the same four are trained again on digits randomly shifted by
 * up to 6 pixels and rotated by up to 10°, and tested the same way.
 *
 *   npm run exp:translation -- --seed 1
 */
import * as sn from '../../src/index.ts';
import { randomShiftRotate, shiftDataset, subset, type ImageDataset } from '../../src/data/index.ts';
import { BACKGROUND, loadDigits } from '../lib/digits.ts';
import { startExperiment } from '../lib/experiment.ts';
import { fit } from '../lib/fit.ts';
import { count, duration, percent } from '../lib/format.ts';
import { LeNetLike, LinearClassifier, mlp } from '../lib/models.ts';
import { Table } from '../lib/table.ts';

const { args, report, finish } = await startExperiment('Translation: accuracy against a shift of the test digits', {
  seed: 1, epochs: 4, train: 8000, test: 1000, maxShift: 6, maxRotation: 10, batchSize: 64, linearLr: 0.01, denseLr: 0.02, cnnLr: 0.05,
});
const MARGIN = 6;
if (!Number.isSafeInteger(args.maxShift) || args.maxShift < 0 || args.maxShift > MARGIN) throw new Error(`--max-shift must be an integer in [0, ${MARGIN}], got ${args.maxShift}`);

const side = 28 + 2 * MARGIN;
const digits = loadDigits({ seed: args.seed, train: args.train, pad: MARGIN });
const test = subset(digits.test, Int32Array.from({ length: Math.min(args.test, digits.test.count) }, (_, i) => i));

interface Candidate { name: string; build: () => sn.nn.Module; lr: number; weightDecay: number }
const candidates: Candidate[] = [
  { name: 'softmax regression', build: () => new LinearClassifier(side * side, 10, args.seed), lr: args.linearLr, weightDecay: 0 },
  { name: 'dense network 300-100', build: () => mlp(side * side, [300, 100], 10, args.seed), lr: args.denseLr, weightDecay: 5e-4 },
  { name: 'LeNet-5 with pooling', build: () => new LeNetLike({ inputSize: side, pooling: true, seed: args.seed }), lr: args.cnnLr, weightDecay: 5e-4 },
  { name: 'LeNet-5 without pooling', build: () => new LeNetLike({ inputSize: side, pooling: false, seed: args.seed }), lr: args.cnnLr, weightDecay: 5e-4 },
];

const shifts = Array.from({ length: args.maxShift + 1 }, (_, k) => k);
/** The four axis directions of a shift by k pixels, as (dy, dx). */
const directions = (k: number): [number, number][] => (k === 0 ? [[0, 0]] : [[0, k], [0, -k], [k, 0], [-k, 0]]);

/** Accuracy per shift distance (mean over the directions) of every model, each shifted test set made once. */
function accuracyByShift(models: sn.nn.Module[], data: ImageDataset): number[][] {
  const byModel = models.map(() => shifts.map(() => 0));
  for (const k of shifts) {
    for (const [dy, dx] of directions(k)) {
      const shifted = shiftDataset(data, dy, dx, BACKGROUND);
      models.forEach((m, i) => { byModel[i]![k]! += sn.evaluate(m, shifted).accuracy / directions(k).length; });
    }
  }
  return byModel;
}

// Each model gets a fresh augmentation stream from the same seed: all four see the same shifted and rotated batches.
const regimes = [
  { name: 'trained on centred digits', transform: () => undefined },
  {
    name: `trained with random shifts (up to ${args.maxShift} px) and rotations (up to ${args.maxRotation}°)`,
    transform: () => randomShiftRotate(digits.train, { maxShift: args.maxShift, maxRotation: args.maxRotation, fill: BACKGROUND, random: new sn.Random(args.seed + 1) }),
  },
];

const curves: number[][][] = [];
for (const regime of regimes) {
  const models = candidates.map((c) => {
    const model = c.build();
    const run = fit(model, digits.train, {
      epochs: args.epochs, seed: args.seed, batchSize: args.batchSize, lr: c.lr, weightDecay: c.weightDecay, transform: regime.transform(),
      label: `${c.name}, ${regime.name.split(' (')[0]}`,
    });
    console.log(`  ${c.name}: ${duration(run.seconds)} to train`);
    return model;
  });
  const acc = accuracyByShift(models, test);
  curves.push(acc);
  const table = new Table(`Held-out accuracy by shift, ${regime.name} (${test.count} digits × 4 directions, ${side}×${side} canvas)`,
    ['model', 'parameters', ...shifts.map((k) => `${k} px`)]);
  candidates.forEach((c, i) => table.add(c.name, count(models[i]!.numParameters()), ...acc[i]!.map((a) => percent(a, 1))));
  report.table(table);
  models.forEach((m) => m.dispose());
}

const last = args.maxShift;
const change = new Table(`What augmentation changes: accuracy on centred digits and at a ${last}-pixel shift`,
  ['model', 'centred, plain training', 'centred, augmented training', `${last} px, plain training`, `${last} px, augmented training`]);
candidates.forEach((c, i) => change.add(c.name, percent(curves[0]![i]![0]!, 1), percent(curves[1]![i]![0]!, 1), percent(curves[0]![i]![last]!, 1), percent(curves[1]![i]![last]!, 1)));
report.table(change);
report.note(`Every model trains ${args.epochs} epochs on the same ${digits.train.count} digits with the same seed; a shift moves the whole digit by k pixels along one axis ` +
  '(uncovered pixels take the background value).');
finish();
