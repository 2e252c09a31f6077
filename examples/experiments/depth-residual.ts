/**
 * Claim: stacking more layers makes a plain network harder to train (its training loss gets
 * worse, not better: "degradation"), and residual connections remove the problem (He et al.
 * 2016).
 *
 * Plain and residual CNNs of growing depth (examples/lib/deep-cnn.ts: 3×3 convolutions with
 * BatchNorm, a stride-2 stem so the stages run at 14×14, 7×7 and 4×4, widths 8-16-32) are trained
 * on the MNIST digits with the same step budget and the same recipe. A plain and a residual net
 * of the same depth have exactly the same parameters; only the shortcut differs.
 *
 *   npm run exp:depth -- --seed 1 --depths 8,20,32 --epochs 3
 */
import { DeepCnn } from '../lib/deep-cnn.ts';
import { loadDigits } from '../lib/digits.ts';
import { integerList, startExperiment } from '../lib/experiment.ts';
import { accuracy, fit } from '../lib/fit.ts';
import { count, duration, percent } from '../lib/format.ts';
import { Table } from '../lib/table.ts';

const { args, report, finish } = await startExperiment('Depth and residual connections', {
  seed: 1, depths: '8,20,32', epochs: 3, train: 8000, batchSize: 64, lr: 0.05, weightDecay: 1e-4, widths: '8,16,32',
});
const depths = integerList('depths', args.depths);
const widths = integerList('widths', args.widths);
if (widths.length !== 3 || widths.some((w) => w < 1)) throw new Error(`--widths must be three positive channel counts, got ${args.widths}`);

const digits = loadDigits({ seed: args.seed, train: args.train });
const steps = args.epochs * Math.ceil(digits.train.count / args.batchSize);

interface Run { depth: number; residual: boolean; parameters: number; losses: number[]; heldOut: number; seconds: number }
const runs: Run[] = [];
for (const depth of depths) {
  for (const residual of [false, true]) {
    const model = new DeepCnn({ depth, residual, widths: widths as [number, number, number], seed: args.seed });
    const name = `${residual ? 'residual' : 'plain'}-${depth}`;
    const r = fit(model, digits.train, { epochs: args.epochs, seed: args.seed, batchSize: args.batchSize, lr: args.lr, weightDecay: args.weightDecay, label: name });
    runs.push({ depth, residual, parameters: model.numParameters(), losses: r.epochs.map((e) => e.loss), heldOut: accuracy(model, digits.test), seconds: r.seconds });
    model.dispose();
  }
}

const find = (depth: number, residual: boolean) => runs.find((r) => r.depth === depth && r.residual === residual)!;
const summary = new Table(`Training loss after ${steps} steps (${args.epochs} epochs of ${digits.train.count} digits, batch ${args.batchSize}) and held-out accuracy`,
  ['depth', 'parameters', 'plain: training loss', 'residual: training loss', 'plain: held-out', 'residual: held-out', 'time plain / residual']);
for (const depth of depths) {
  const p = find(depth, false), r = find(depth, true);
  summary.add(depth, count(p.parameters), p.losses.at(-1)!.toFixed(4), r.losses.at(-1)!.toFixed(4), percent(p.heldOut), percent(r.heldOut),
    `${duration(p.seconds)} / ${duration(r.seconds)}`);
}
report.table(summary);

const curves = new Table('Training loss per epoch (running mean over the epoch)', ['network', ...runs[0]!.losses.map((_, e) => `epoch ${e + 1}`)]);
for (const r of runs) curves.add(`${r.residual ? 'residual' : 'plain'}-${r.depth}`, ...r.losses.map((l) => l.toFixed(4)));
report.table(curves);
report.note(`Recipe for every network: SGD with Nesterov momentum 0.9, learning rate ${args.lr} with cosine decay to 0, weight decay ${args.weightDecay}, ` +
  `He-normal initialisation, the same seed and batch order. Depth counts the conv and linear layers (6n + 2); widths ${widths.join('-')}. ` +
  'Training loss is the running mean of the softmax cross-entropy over the last epoch (training mode, as He et al. plot it).');
finish();
