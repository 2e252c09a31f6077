import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import { expectClose } from '../helpers/compare.ts';
import { run, values } from './nets.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

/** Three Gaussian blobs in `dims` dimensions around far-apart centres, as a codes dataset. */
function blobs(perClass: number, dims: number, seed: number): sn.data.ImageDataset {
  const r = new sn.Random(seed);
  const centres = [0, 1, 2].map((c) => Array.from({ length: dims }, (_, j) => (j % 3 === c ? 4 : 0) + 10));
  const count = 3 * perClass;
  const images = new Float32Array(count * dims);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    labels[n] = n % 3;
    for (let j = 0; j < dims; j++) images[n * dims + j] = centres[n % 3]![j]! + r.normal();
  }
  return { images, labels, count, height: 1, width: 1, channels: dims };
}

describe('hingeLoss (the multiclass SVM loss) against a hand computation', () => {
  // CS231n's worked example: three images (cat, car, frog) scored on three classes, margin 1.
  const scores = [[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]];
  const labels = [0, 1, 2];
  // Row 0 (cat): max(0, 5.1 − 3.2 + 1) + max(0, −1.7 − 3.2 + 1) = 2.9 + 0.
  // Row 1 (car): max(0, 1.3 − 4.9 + 1) + max(0, 2.0 − 4.9 + 1) = 0 + 0.
  // Row 2 (frog): max(0, 2.2 + 3.1 + 1) + max(0, 2.5 + 3.1 + 1) = 6.3 + 6.6.
  const byHand = [5.1 - 3.2 + 1, 0, 2.2 + 3.1 + 1 + (2.5 + 3.1 + 1)];

  it('gives the per-example losses and their mean', () => {
    const { none, mean } = sn.tidy(() => {
      const s = sn.tensor(scores, undefined, { requiresGrad: false });
      const y = sn.tensor(labels, [3], 'int32');
      return { none: [...sn.hingeLoss(s, y, { reduction: 'none' }).dataSync()], mean: sn.hingeLoss(s, y).item() };
    });
    expectClose(none, byHand, 1e-6, 1e-6, 'per-example hinge');
    expect(mean).toBeCloseTo((2.9 + 0 + 12.9) / 3, 5);
  });

  it('gives the subgradient: +1 for each class inside the margin, minus their count for the true class', () => {
    const grad = sn.tidy(() => {
      const s = sn.tensor(scores);
      const y = sn.tensor(labels, [3], 'int32');
      const tape = new sn.GradientTape();
      const loss = tape.record(() => sn.hingeLoss(s, y));
      return [...tape.gradient(loss, [s])[0]!.dataSync()];
    });
    // Row 0: only the car score violates the margin; row 1: nothing; row 2: both others do. Mean over 3 rows.
    expectClose(grad, [-1, 1, 0, 0, 0, 0, 1, 1, -2].map((v) => v / 3), 1e-6, 1e-7, 'd loss / d scores');
  });

  it('uses the margin it is given', () => {
    const loss = sn.tidy(() => sn.hingeLoss(sn.tensor([[1, 0.5, 0.9]], undefined, { requiresGrad: false }), sn.tensor([0], [1], 'int32'), { margin: 0.2 }).item());
    // max(0, 0.5 − 1 + 0.2) + max(0, 0.9 − 1 + 0.2) = 0 + 0.1
    expect(loss).toBeCloseTo(0.1, 6);
  });
});

describe('extractCodes', () => {
  it('runs the extractor over every image in eval mode and keeps order, labels and the training flag', () => {
    const m = sn.zoo.lenet5({ variant: 'modern', seed: 2 });
    const count = 7;
    const data: sn.data.ImageDataset = {
      images: values(count * 32 * 32, 3), labels: Int32Array.from({ length: count }, (_, i) => i % 5), count, height: 32, width: 32, channels: 1,
    };
    const extractor = sn.transfer.featureExtractor(m);
    m.train();
    const liveBefore = sn.memory().liveTensors;
    const codes = sn.transfer.extractCodes(extractor, data, { batchSize: 3 });
    expect(sn.memory().liveTensors).toBe(liveBefore);
    expect(m.training).toBe(true);
    expect([codes.count, codes.height, codes.width, codes.channels]).toEqual([7, 1, 1, 84]);
    expect([...codes.labels]).toEqual([...data.labels]);
    const direct = run(() => extractor.forward(sn.tensor(data.images, [7, 32, 32, 1], { requiresGrad: false })));
    expectClose(codes.images, direct.data, 1e-6, 1e-7, 'codes');
    m.dispose();
  });

  it('rejects a non-Module and a malformed or empty dataset', () => {
    const m = sn.zoo.lenet5({ seed: 1 });
    const empty: sn.data.ImageDataset = { images: new Float32Array(0), labels: new Int32Array(0), count: 0, height: 32, width: 32, channels: 1 };
    expect(() => sn.transfer.extractCodes(m, empty)).toThrowError(/extractCodes: the dataset is empty/);
    expect(() => sn.transfer.extractCodes(m, { ...empty, count: 1, labels: new Int32Array(1) })).toThrowError(/do not match count 1 × 32×32×1/);
    expect(() => sn.transfer.extractCodes({} as sn.nn.Module, empty)).toThrowError(/the extractor must be a Module/);
    m.dispose();
  });
});

describe('linear classifiers on codes', () => {
  for (const loss of ['softmax', 'svm'] as const) {
    it(`${loss}: separates well-separated classes and scores held-out codes`, () => {
      const train = blobs(60, 9, 1), test = blobs(40, 9, 2);
      const classifier = sn.transfer.trainLinearClassifier(train, { loss, epochs: 15, seed: 3 });
      expect(classifier.classes).toBe(3);
      expect(sn.evaluate(classifier, train).accuracy).toBeGreaterThan(0.97);
      expect(sn.evaluate(classifier, test).accuracy).toBeGreaterThan(0.95);
      classifier.dispose();
    });
  }

  it('is repeatable with a seed, and the seed matters', () => {
    const train = blobs(20, 6, 4);
    const a = sn.transfer.trainLinearClassifier(train, { epochs: 3, seed: 5 });
    const b = sn.transfer.trainLinearClassifier(train, { epochs: 3, seed: 5 });
    const c = sn.transfer.trainLinearClassifier(train, { epochs: 3, seed: 6 });
    expect([...a.fc.weight.dataSync()]).toEqual([...b.fc.weight.dataSync()]);
    expect([...a.fc.weight.dataSync()]).not.toEqual([...c.fc.weight.dataSync()]);
    a.dispose(); b.dispose(); c.dispose();
  });

  it('stores the standardisation with the weights and gives a constant (dead) feature weight zero', () => {
    const d = blobs(10, 4, 7);
    for (let n = 0; n < d.count; n++) d.images[n * 4 + 2] = 0;
    const classifier = new sn.transfer.LinearClassifier(4, 3);
    classifier.standardizeFrom(d);
    expect(Object.keys(classifier.stateDict())).toEqual(['mean', 'invStd', 'fc.weight', 'fc.bias']);
    const invStd = classifier.invStd.dataSync();
    expect(invStd[2]).toBe(0);
    // Standardised training codes have mean 0 and variance 1 in every live feature.
    const standardized = run(() => sn.mul(sn.sub(sn.tensor(d.images, [d.count, 4], { requiresGrad: false }), classifier.mean), classifier.invStd));
    for (const j of [0, 1, 3]) {
      const column = Array.from({ length: d.count }, (_, n) => standardized.data[n * 4 + j]!);
      const mean = column.reduce((s, v) => s + v, 0) / d.count;
      const variance = column.reduce((s, v) => s + (v - mean) ** 2, 0) / d.count;
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(variance).toBeCloseTo(1, 4);
    }
    expect(() => classifier.standardizeFrom(blobs(2, 5, 1))).toThrowError(/codes have 5 features, the classifier 4/);
    expect(() => run(() => classifier.forward(sn.zeros([2, 5])))).toThrowError(/expected 4 features per row, got input \[2, 5\]/);
    classifier.dispose();
  });

  it('rejects an unknown loss, too few classes and a bad epoch count', () => {
    const d = blobs(3, 2, 1);
    expect(() => sn.transfer.trainLinearClassifier(d, { loss: 'hinge' as 'svm' })).toThrowError(/loss must be 'softmax' or 'svm', got "hinge"/);
    expect(() => sn.transfer.trainLinearClassifier(d, { classes: 2 })).toThrowError(/classes must be an integer ≥ 2 covering every label \(the largest is 2\), got 2/);
    expect(() => sn.transfer.trainLinearClassifier(d, { epochs: 0 })).toThrowError(/epochs must be a positive integer, got 0/);
  });
});
