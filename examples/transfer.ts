/**
 * Transfer learning as the classic guidance (CS231n, "Transfer Learning") lays it out, on the
 * bundled MNIST digits, small enough to run in a couple of minutes on two cores.
 *
 * The "pretrained" network is LeNet-5 (modern), trained here on digits 0–4 (with small random
 * shifts and rotations, which make its features more general). The new task is to tell digits 5–9
 * apart — classes it never saw — in four scenarios:
 *
 *   new dataset  small: 10 images per class (50)       large: the whole pool (about 3,900)
 *   domain       similar: the digits as they are        different: the digits rotated by 90°
 *
 * "Different" keeps strokes (so low-level features still apply) but changes every shape the upper
 * layers learnt; `--different permute` (a fixed pixel permutation: no spatial structure left for
 * any pretrained filter) and `--different invert` (inverted contrast) are the alternatives.
 * "Small" is 10 per class because MNIST is easy: at 50 per class (`--perClass 50`) a LeNet-5
 * trained from scratch already matches every transfer strategy.
 *
 * In each scenario, the strategies the guidance weighs against each other:
 *
 *   linear on top codes (softmax, SVM)  freeze the net; a linear classifier on the 84-d codes after F6+ReLU
 *   linear on conv codes (pool2)        the same on an earlier layer: pool2, 400-d
 *   fine-tune all                       new head; the whole net trained, the backbone at 1/10 of the head's lr
 *   fine-tune fc layers                 the same with conv1…pool2 frozen
 *   train from scratch                  a fresh LeNet-5 with the fine-tuning's budget of steps
 *
 * The guidance: small & similar → a linear classifier on the top codes; large & similar →
 * fine-tune; small & different → a linear classifier on earlier activations; large & different →
 * train from scratch, or fine-tune from the pretrained weights, which often still helps. Note one
 * way this miniature differs from ImageNet: a network pretrained on 5 classes squeezes its top
 * codes into a 5-way decision, so its top codes carry less about new classes than an earlier
 * layer's — the guidance's reason to prefer earlier layers for a different dataset, here already
 * true for a similar one.
 *
 * Accuracy is measured on 1,000 held-out digits 5–9 (transformed like the scenario's training set).
 * Small-data results are mean ± sd over --repeats draws of the training images, each with its own
 * seed; the verdict row says whether the guidance's choice wins, ties (within two standard errors of
 * the difference) or loses. The whole run is seeded and repeatable.
 *
 *   npx tsx examples/transfer.ts [--seed 1] [--repeats 5] [--perClass 10] [--different rotate|invert|permute]
 */
import * as sn from '../src/index.ts';
import { filterLabels, loadMnist, mapPixels, padImages, permutePixels, randomPermutation, randomShiftRotate, rotateImage, split, subset } from '../src/data/index.ts';
import type { ImageDataset } from '../src/data/index.ts';
import { parseArgs } from './lib/cli.ts';

const args = parseArgs({
  seed: 1, repeats: 5, perClass: 10, different: 'rotate', pretrainEpochs: 10, epochs: 6, smallSteps: 300, lr: 0.05, backboneDiv: 10, augment: true, backend: 'wasm',
});
if (!['rotate', 'invert', 'permute'].includes(args.different)) throw new Error(`--different must be rotate, invert or permute, got ${args.different}`);
if (!(Number.isInteger(args.repeats) && args.repeats >= 1)) throw new Error(`--repeats must be a positive integer, got ${args.repeats}`);

const info = await sn.init({ backend: args.backend as 'wasm' | 'js' });
sn.seed(args.seed);
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
console.log(`simdnet ${info.backend}: transfer learning with LeNet-5 on MNIST, seed ${args.seed}`);

// ---- data ------------------------------------------------------------------------------------

const MEAN = 0.1307, STD = 0.3081;
const normalize = (d: ImageDataset) => mapPixels(d, (v) => (v - MEAN) / STD);
const digits = padImages(loadMnist(), 2); // 32×32, ink 1 on background 0

const [sourceTest, sourceTrain] = split(normalize(filterLabels(digits, (l) => l < 5)), 500, args.seed);
const newDigits = filterLabels(digits, (l) => l >= 5);
const relabelled = { ...newDigits, labels: newDigits.labels.map((l) => l - 5) }; // 5–9 → classes 0–4
const [targetTest, targetPool] = split(relabelled, 1000, args.seed + 1);

/** The "different" domain, applied to [0, 1] pixels before normalisation. */
function makeDifferent(d: ImageDataset): ImageDataset {
  if (args.different === 'invert') return mapPixels(d, (v) => 1 - v);
  if (args.different === 'permute') return permutePixels(d, randomPermutation(d.height * d.width, 1234));
  const images = d.images.slice();
  const size = d.height * d.width * d.channels;
  for (let n = 0; n < d.count; n++) rotateImage(images.subarray(n * size, (n + 1) * size), d, 90);
  return { ...d, images };
}

/** `perClass` examples of every class, drawn with a seed. */
function perClassSubset(d: ImageDataset, perClass: number, seed: number): ImageDataset {
  const order = Int32Array.from({ length: d.count }, (_, i) => i);
  new sn.Random(seed).shuffle(order);
  const taken = new Map<number, number>();
  const chosen: number[] = [];
  for (const i of order) {
    const label = d.labels[i]!;
    if ((taken.get(label) ?? 0) < perClass) { chosen.push(i); taken.set(label, (taken.get(label) ?? 0) + 1); }
  }
  return subset(d, chosen);
}

// ---- the pretrained network --------------------------------------------------------------------

type LeNet = sn.zoo.LeNet5Modern;
const lenet = (classes: number, seed: number) => sn.zoo.lenet5({ variant: 'modern', numClasses: classes, seed }) as LeNet;

/** Minibatch SGD with Nesterov momentum and cosine decay, as the main example trains LeNet-5. */
function train(model: sn.nn.Module, data: ImageDataset, epochs: number, batchSize: number, seed: number,
  params: sn.Tensor[] | sn.transfer.LrGroup[] = model.parameters(), transform?: (image: Float32Array) => void): void {
  const optimizer = new sn.optim.SGD(params, { lr: args.lr, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const schedule = new sn.optim.CosineAnnealingLR(optimizer, epochs);
  const random = new sn.Random(seed);
  for (let e = 0; e < epochs; e++) {
    sn.trainEpoch(model, data, { batchSize, optimizer, random, transform });
    schedule.step();
  }
}

const pretrained = lenet(5, args.seed);
const augment = args.augment ? randomShiftRotate(sourceTrain, { maxShift: 2, maxRotation: 10, fill: -MEAN / STD, random: new sn.Random(args.seed) }) : undefined;
train(pretrained, sourceTrain, args.pretrainEpochs, 64, args.seed, pretrained.parameters(), augment);
const sourceAccuracy = sn.evaluate(pretrained, sourceTest).accuracy;
console.log(`pretrained on digits 0–4 (${sourceTrain.count} images, ${args.pretrainEpochs} epochs): ` +
  `${pct(sourceAccuracy)} on ${sourceTest.count} held-out 0–4 digits  [${elapsed()}]`);
pretrained.eval();
// Every strategy starts from these exact weights.
const pretrainedWeights = Object.fromEntries(Object.entries(pretrained.stateDict()).map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() }]));

// ---- strategies ----------------------------------------------------------------------------------

interface Task { train: ImageDataset; test: ImageDataset; small: boolean; seed: number }
type StrategyKey = 'top' | 'svm' | 'pool2' | 'fineTune' | 'fineTuneFc' | 'scratch';
type Strategy = { key: StrategyKey; name: string; run: (task: Task) => number };

/** Codes of the pretrained net, computed once per image set and layer. */
const codeCache = new Map<ImageDataset, Map<string, ImageDataset>>();
function codesOf(data: ImageDataset, layer: 'top' | 'pool2'): ImageDataset {
  if (!codeCache.has(data)) codeCache.set(data, new Map());
  const byLayer = codeCache.get(data)!;
  if (!byLayer.has(layer)) {
    const extractor = layer === 'top' ? sn.transfer.featureExtractor(pretrained) : sn.transfer.featureExtractor(pretrained, { upTo: 'pool2' });
    byLayer.set(layer, sn.transfer.extractCodes(extractor, data));
  }
  return byLayer.get(layer)!;
}

function linearOnCodes(task: Task, layer: 'top' | 'pool2', loss: 'softmax' | 'svm'): number {
  const classifier = sn.transfer.trainLinearClassifier(codesOf(task.train, layer), {
    loss, classes: 5, seed: task.seed, epochs: task.small ? 100 : 30, batchSize: task.small ? 25 : 64, lr: loss === 'svm' ? 0.01 : 0.05,
    weightDecay: task.small ? 1e-3 : 1e-4,
  });
  const accuracy = sn.evaluate(classifier, codesOf(task.test, layer)).accuracy;
  classifier.dispose();
  return accuracy;
}

/**
 * Fine-tuning from the pretrained weights with a new 5-way head: the whole network with the
 * backbone at a smaller learning rate, or only the fully connected layers (conv1…pool2 frozen).
 */
function fineTune(task: Task, part: 'all' | 'fc'): number {
  const m = lenet(5, task.seed);
  m.loadStateDict(pretrainedWeights);
  sn.transfer.replaceHead(m, 5, { random: new sn.Random(task.seed) }).dispose();
  if (part === 'fc') sn.transfer.freeze(m, { upTo: 'pool2' });
  const { epochs, batchSize } = budget(task);
  train(m, task.train, epochs, batchSize, task.seed, sn.transfer.parameterGroups(m, { backboneLr: args.lr / args.backboneDiv, headLr: args.lr }));
  const accuracy = sn.evaluate(m, task.test).accuracy;
  m.dispose();
  return accuracy;
}

/** The fine-tuning and from-scratch budget: the same number of steps in every scenario of a size. */
const budget = (task: Task) => {
  if (!task.small) return { epochs: args.epochs, batchSize: 64 };
  const batchSize = Math.min(25, task.train.count);
  return { epochs: Math.ceil(args.smallSteps / Math.ceil(task.train.count / batchSize)), batchSize };
};

const strategies: Strategy[] = [
  { key: 'top', name: 'linear (softmax) on top codes', run: (t) => linearOnCodes(t, 'top', 'softmax') },
  { key: 'svm', name: 'linear SVM on top codes', run: (t) => linearOnCodes(t, 'top', 'svm') },
  { key: 'pool2', name: 'linear on conv codes (pool2)', run: (t) => linearOnCodes(t, 'pool2', 'softmax') },
  { key: 'fineTune', name: `fine-tune all (backbone lr ÷${args.backboneDiv})`, run: (t) => fineTune(t, 'all') },
  { key: 'fineTuneFc', name: 'fine-tune fc layers, convs frozen', run: (t) => fineTune(t, 'fc') },
  {
    key: 'scratch',
    name: 'train from scratch',
    run: (t) => {
      const m = lenet(5, t.seed + 7919);
      const { epochs, batchSize } = budget(t);
      train(m, t.train, epochs, batchSize, t.seed);
      const accuracy = sn.evaluate(m, t.test).accuracy;
      m.dispose();
      return accuracy;
    },
  },
];

// ---- scenarios -------------------------------------------------------------------------------------

const tests = { similar: normalize(targetTest), different: normalize(makeDifferent(targetTest)) };
const pools = { similar: normalize(targetPool), different: normalize(makeDifferent(targetPool)) };

interface Scenario { title: string; small: boolean; domain: 'similar' | 'different'; recommended: StrategyKey[] }
const scenarios: Scenario[] = [
  { title: 'small, similar', small: true, domain: 'similar', recommended: ['top', 'svm'] },
  { title: 'large, similar', small: false, domain: 'similar', recommended: ['fineTune'] },
  { title: 'small, different', small: true, domain: 'different', recommended: ['pool2'] },
  { title: 'large, different', small: false, domain: 'different', recommended: ['scratch', 'fineTune'] },
];

/** accuracy[scenario][strategy] = one accuracy per draw. */
const results: number[][][] = scenarios.map(() => strategies.map(() => []));
for (const [s, scenario] of scenarios.entries()) {
  const draws = scenario.small ? args.repeats : 1;
  for (let draw = 0; draw < draws; draw++) {
    const seed = args.seed * 1000 + draw;
    const pool = pools[scenario.domain];
    const task: Task = { train: scenario.small ? perClassSubset(pool, args.perClass, seed) : pool, test: tests[scenario.domain], small: scenario.small, seed };
    for (const [k, strategy] of strategies.entries()) results[s]![k]!.push(strategy.run(task));
  }
  const sizes = scenario.small ? `${args.perClass * 5} images × ${draws} draws` : `${pools[scenario.domain].count} images`;
  console.log(`${scenario.title.padEnd(16)} (${sizes}): ${strategies.map((st, k) => `${st.name} ${pct(mean(results[s]![k]!))}`).join(', ')}  [${elapsed()}]`);
}

// ---- the table ---------------------------------------------------------------------------------------

const means = scenarios.map((_, s) => strategies.map((_, k) => mean(results[s]![k]!)));
const winners = means.map((m) => m.indexOf(Math.max(...m)));
/** Standard error of a cell: over the draws, or (one run) the binomial error of 1,000 test digits. */
const stderr = (s: number, k: number) => {
  const r = results[s]![k]!;
  return r.length > 1 ? sd(r) / Math.sqrt(r.length) : Math.sqrt(r[0]! * (1 - r[0]!) / tests.similar.count);
};
const cell = (s: number, k: number) => {
  const r = results[s]![k]!;
  const text = (r.length > 1 ? `${pct(means[s]![k]!)} ± ${(100 * sd(r)).toFixed(1)}` : pct(r[0]!)) +
    (scenarios[s]!.recommended.includes(strategies[k]!.key) ? ' †' : '');
  return winners[s] === k ? `**${text}**` : text;
};
/** Does the guidance's choice win, tie within twice the standard error of the difference, or lose? */
const verdictOf = (s: number) => {
  const best = winners[s]!;
  const recommended = strategies.map((_, k) => k).filter((k) => scenarios[s]!.recommended.includes(strategies[k]!.key));
  if (recommended.includes(best)) return 'guidance wins';
  const r = recommended.reduce((a, b) => (means[s]![b]! > means[s]![a]! ? b : a));
  const gap = means[s]![best]! - means[s]![r]!;
  const noise = Math.hypot(stderr(s, best), stderr(s, r));
  return `${gap < 2 * noise ? 'guidance ties' : 'guidance loses'} (${(100 * gap).toFixed(1)} pts behind)`;
};
const header = ['strategy', ...scenarios.map((sc) => sc.title)];
const rows = strategies.map((st, k) => [st.name, ...scenarios.map((_, s) => cell(s, k))]);
const verdict = ['verdict', ...scenarios.map((_, s) => verdictOf(s))];

console.log(`\nAccuracy on 1,000 held-out digits 5–9 ('different': ${describeDifferent()}); * marks the best in each column, † what the guidance recommends:\n`);
printPlain([header, ...rows, verdict]);
console.log(`\ntotal ${elapsed()}; recommended by the guidance: ${scenarios.map((s) => `${s.title} → ${s.recommended.map(nameOf).join(' or ')}`).join('; ')}`);

console.log('\n```markdown');
console.log(`Transfer from LeNet-5 pretrained on digits 0–4 (${pct(sourceAccuracy)} on held-out 0–4) to digits 5–9; ` +
  `small = ${args.perClass}/class (mean ± sd of ${args.repeats} draws), large = ${pools.similar.count} images; ` +
  `different = ${describeDifferent()}; accuracy on 1,000 held-out digits, best in bold, † = recommended by the guidance; ` +
  '"ties" = within two standard errors of the best.\n');
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
for (const row of [...rows, verdict]) console.log(`| ${row.join(' | ')} |`);
console.log('```');

// ---- helpers -------------------------------------------------------------------------------------------

function nameOf(key: StrategyKey): string {
  return strategies.find((st) => st.key === key)!.name;
}

function describeDifferent(): string {
  return { rotate: 'the digits rotated by 90°', invert: 'the digits with inverted contrast', permute: 'the digits with a fixed random pixel permutation' }[args.different]!;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function sd(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
}

function printPlain(table: string[][]): void {
  const plain = table.map((row) => row.map((c) => c.replace(/^\*\*(.*)\*\*$/, '$1 *')));
  const widths = plain[0]!.map((_, i) => Math.max(...plain.map((r) => r[i]!.length)));
  for (const [r, row] of plain.entries()) {
    console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
    if (r === 0) console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  }
}
