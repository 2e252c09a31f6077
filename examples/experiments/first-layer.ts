/**
 * Claim: the first layer of a trained CNN learns local detectors of oriented edges and strokes.
 *
 * Trains LeNet-5 (sn.zoo.lenet5, modern form) on the MNIST digits, then writes PNG images (with
 * sn.viz and sn.io.encodePng, the same code the demo page uses) of its six 5×5 first-layer
 * filters before and after training, of one held-out digit, and of that digit's feature maps after
 * the first and second convolutions. A table describes each trained filter by numbers: its mean
 * against its size (a zero-sum filter responds to contrast, not to ink), the orientation of the
 * edges it matches and how strongly it prefers that orientation.
 *
 *   npm run exp:filters -- --seed 1 --out docs/images
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sn from '../../src/index.ts';
import { subset } from '../../src/data/index.ts';
import { loadDigits } from '../lib/digits.ts';
import { startExperiment } from '../lib/experiment.ts';
import { accuracy, fit } from '../lib/fit.ts';
import { percent } from '../lib/format.ts';
import { filterShape, orientationName } from '../lib/filter-shape.ts';
import { Table } from '../lib/table.ts';

const { args, report, finish } = await startExperiment('What the first layer learns', {
  seed: 1, epochs: 10, train: 8000, batchSize: 64, lr: 0.05, digit: 4, out: 'docs/images',
});
if (!Number.isInteger(args.digit) || args.digit < 0 || args.digit > 9) throw new Error(`--digit must be 0–9, got ${args.digit}`);

const digits = loadDigits({ seed: args.seed, train: args.train, pad: 2 });
const model = sn.zoo.lenet5({ seed: args.seed });
if (!(model instanceof sn.zoo.LeNet5Modern)) throw new Error('expected the modern LeNet-5');
mkdirSync(args.out, { recursive: true });

const written = new Table(`Images written to ${args.out}`, ['file', { header: 'shows', align: 'left' }, 'pixels', 'bytes']);
function save(name: string, image: sn.viz.RgbaImage, shows: string): void {
  const png = sn.io.encodePng(image.width, image.height, image.data);
  writeFileSync(join(args.out, name), png);
  written.add(name, shows, `${image.width}×${image.height}`, png.length.toLocaleString('en-US'));
}

const FILTER_SCALE = 10;
save('lenet5-conv1-filters-initial.png', sn.viz.renderFilters(model.conv1.weight, { scale: FILTER_SCALE }), 'the six 5×5 conv1 filters before training (random)');
const initial = Float32Array.from(model.conv1.weight.dataSync());
const run = fit(model, digits.train, { epochs: args.epochs, seed: args.seed, batchSize: args.batchSize, lr: args.lr, weightDecay: 5e-4, label: 'LeNet-5' });
const heldOut = accuracy(model, digits.test);
save('lenet5-conv1-filters-trained.png', sn.viz.renderFilters(model.conv1.weight, { scale: FILTER_SCALE }), 'the same filters after training');
// What training added: the random start hides it in the trained filters, the difference shows it alone.
const trained = model.conv1.weight.dataSync();
const change = trained.map((v, i) => v - initial[i]!);
sn.tidy(() => save('lenet5-conv1-filters-change.png', sn.viz.renderFilters(sn.tensor(change, model.conv1.weight.shape), { scale: FILTER_SCALE }),
  'trained minus initial: what training added to each filter'));

// The first held-out example of the chosen class, and what the first two conv layers make of it.
const index = digits.test.labels.indexOf(args.digit);
if (index < 0) throw new Error(`no held-out digit ${args.digit}`);
const one = subset(digits.test, [index]);
sn.noGrad(() => sn.tidy(() => {
  model.eval();
  const x = sn.tensor(one.images, [1, one.height, one.width, 1], { requiresGrad: false });
  const c1 = model.conv1.forward(x);
  const c2 = sn.relu(model.conv2.forward(model.pool1.forward(sn.relu(c1))));
  save('lenet5-digit.png', sn.viz.renderFeatureMaps(x, { scale: 4 }), `held-out digit ${args.digit} (#${index}), 32×32`);
  save('lenet5-conv1-maps.png', sn.viz.renderFeatureMaps(c1, { scale: 2, columns: 6 }), 'its six conv1 responses, 28×28 (before ReLU: dark negative, light positive)');
  save('lenet5-conv2-maps.png', sn.viz.renderFeatureMaps(c2, { scale: 4, columns: 8 }), 'its sixteen conv2 feature maps after ReLU, 10×10');
}));

const shapes = new Table(`The conv1 filters after training, and what training added (LeNet-5, ${args.epochs} epochs, held-out accuracy ${percent(heldOut)})`,
  ['filter', 'initial: coherence', 'trained: mean / rms', 'trained: edge', 'trained: coherence', 'added: mean / rms', 'added: edge', { header: 'added: nearest', align: 'left' }, 'added: coherence']);
for (let f = 0; f < 6; f++) {
  const t = filterShape(trained.subarray(f * 25, (f + 1) * 25), 5, 5);
  const a = filterShape(change.subarray(f * 25, (f + 1) * 25), 5, 5);
  const i = filterShape(initial.subarray(f * 25, (f + 1) * 25), 5, 5);
  shapes.add(f + 1, i.coherence.toFixed(2), t.meanRatio.toFixed(2), `${t.edgeDegrees.toFixed(0)}°`, t.coherence.toFixed(2),
    a.meanRatio.toFixed(2), `${a.edgeDegrees.toFixed(0)}°`, orientationName(a.edgeDegrees), a.coherence.toFixed(2));
}
report.table(shapes);
report.table(written);
report.note('Filters are numbered left to right as in the image. mean / rms near 0: the weights sum to about zero (a contrast or edge detector); ' +
  'near ±1: all weights of one sign (an ink or background detector). Edge orientation: 0° horizontal, 90° vertical, 45° rising to the right; ' +
  'coherence 1 for a perfectly straight edge or bar, 0 for no preferred direction. Each tile of an image is scaled from its own minimum (black) to its maximum (white).');
report.note(`Training took ${run.seconds.toFixed(1)} s.`);
model.dispose();
finish();
