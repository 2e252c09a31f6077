/**
 * Claim: a convolutional network beats linear classifiers on the raw pixels.
 *
 * Three models on the same seeded split of the MNIST digits (8,000 to train, 2,000 held out),
 * trained the same way (SGD with Nesterov momentum, cosine decay, batch 64):
 * - one-vs-rest logistic regression: ten sigmoid units on the 784 pixels, each trained as its own
 *   binary classifier ("is it a 3?") with the binary cross-entropy;
 * - softmax regression: the same linear scores trained with softmax cross-entropy;
 * - LeNet-5 (sn.zoo.lenet5, modern form) on the digits padded to 32×32.
 *
 *   npm run exp:logistic -- --seed 1 --runs 3 --epochs 10     (seeds 1, 2, 3)
 */
import * as sn from '../../src/index.ts';
import { loadDigits } from '../lib/digits.ts';
import { startExperiment } from '../lib/experiment.ts';
import { accuracy, fit } from '../lib/fit.ts';
import { count, duration, mean, percent, percentMeanStd } from '../lib/format.ts';
import { LinearClassifier, oneVsRestLoss } from '../lib/models.ts';
import { Table } from '../lib/table.ts';

const { args, report, finish } = await startExperiment('Logistic regression vs a CNN', {
  seed: 1, runs: 3, epochs: 10, train: 8000, batchSize: 64, linearLr: 0.01, cnnLr: 0.05,
});
if (!Number.isSafeInteger(args.runs) || args.runs < 1) throw new Error(`--runs must be a positive integer, got ${args.runs}`);
const seeds = Array.from({ length: args.runs }, (_, i) => args.seed + i);

interface Candidate {
  name: string;
  loss: string;
  /** Side of the square input: 28 (the raw digits) or 32 (padded, as LeNet-5 expects). */
  side: 28 | 32;
  build: (seed: number) => sn.nn.Module;
  lr: number;
  weightDecay: number;
  lossFn?: (scores: sn.Tensor, labels: sn.Tensor) => sn.Tensor;
}

const candidates: Candidate[] = [
  { name: 'logistic regression, one-vs-rest', loss: '10 × binary cross-entropy', side: 28,
    build: (seed) => new LinearClassifier(784, 10, seed), lr: args.linearLr, weightDecay: 0, lossFn: oneVsRestLoss },
  { name: 'softmax regression', loss: 'softmax cross-entropy', side: 28,
    build: (seed) => new LinearClassifier(784, 10, seed), lr: args.linearLr, weightDecay: 0 },
  { name: 'LeNet-5', loss: 'softmax cross-entropy', side: 32,
    build: (seed) => sn.zoo.lenet5({ seed }), lr: args.cnnLr, weightDecay: 5e-4 },
];

interface Outcome { parameters: number; train: number[]; heldOut: number[]; seconds: number[] }
const outcomes = candidates.map((): Outcome => ({ parameters: 0, train: [], heldOut: [], seconds: [] }));
let heldOutCount = 0, trainCount = 0;
for (const seed of seeds) {
  const data = { 28: loadDigits({ seed, train: args.train }), 32: loadDigits({ seed, train: args.train, pad: 2 }) };
  heldOutCount = data[28].test.count; trainCount = data[28].train.count;
  candidates.forEach((c, i) => {
    const model = c.build(seed);
    const run = fit(model, data[c.side].train, {
      epochs: args.epochs, seed, batchSize: args.batchSize, lr: c.lr, weightDecay: c.weightDecay, loss: c.lossFn, label: `${c.name} (seed ${seed})`,
    });
    const o = outcomes[i]!;
    o.parameters = model.numParameters();
    o.train.push(run.epochs.at(-1)!.accuracy);
    o.heldOut.push(accuracy(model, data[c.side].test));
    o.seconds.push(run.seconds);
    model.dispose();
  });
}

const text = (header: string) => ({ header, align: 'left' as const });
const table = new Table(`Accuracy on ${heldOutCount} held-out digits (trained on ${trainCount}, ${args.epochs} epochs; mean ± sd over seeds ${seeds.join(', ')})`,
  ['model', text('input'), text('loss'), 'parameters', 'train accuracy', 'held-out accuracy', 'held-out, per seed', 'training time per run']);
candidates.forEach((c, i) => {
  const o = outcomes[i]!;
  table.add(c.name, `${c.side}×${c.side}`, c.loss, count(o.parameters), percentMeanStd(o.train), percentMeanStd(o.heldOut),
    o.heldOut.map((a) => percent(a)).join(', '), duration(mean(o.seconds)));
});
report.table(table);
report.note('Train accuracy is the running mean over the last epoch; held-out accuracy is measured after training, in eval mode. ' +
  'Each seed draws its own split, initial weights and batch order.');
finish();
