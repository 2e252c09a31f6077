/**
 * The experiments' data preparation (standardised, padded, permuted MNIST, split by seed) and
 * training helper (seeded, so a run repeats exactly).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import { randomPermutation, subset } from '../../src/data/index.ts';
import { BACKGROUND, loadDigits, MNIST_MEAN, MNIST_STD, standardise } from '../../examples/lib/digits.ts';
import { accuracy, fit } from '../../examples/lib/fit.ts';
import { LinearClassifier } from '../../examples/lib/models.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

describe('loadDigits', () => {
  it('standardises pixels with MNIST\'s mean and deviation and splits 8,000 / 2,000 by seed', () => {
    const d = loadDigits({ seed: 3 });
    expect([d.train.count, d.test.count]).toEqual([8000, 2000]);
    expect([d.train.height, d.train.width, d.train.channels]).toEqual([28, 28, 1]);
    expect(standardise(1)).toBeCloseTo((1 - MNIST_MEAN) / MNIST_STD, 12);
    expect(BACKGROUND).toBeCloseTo(-MNIST_MEAN / MNIST_STD, 12);
    const min = d.train.images.reduce((m, v) => Math.min(m, v), Infinity);
    expect(min).toBeCloseTo(BACKGROUND, 5);
    const again = loadDigits({ seed: 3 }), other = loadDigits({ seed: 4 });
    expect([...again.test.labels]).toEqual([...d.test.labels]);
    expect([...other.test.labels]).not.toEqual([...d.test.labels]);
  });

  it('pads onto a larger canvas of background and permutes the 784 digit pixels before padding', () => {
    const plain = loadDigits({ seed: 1 });
    const padded = loadDigits({ seed: 1, pad: 6 });
    expect([padded.test.height, padded.test.width]).toEqual([40, 40]);
    // The same split: digit i of the padded set is digit i of the plain one, moved by 6 pixels.
    const side = 40, first = padded.test.images.subarray(0, side * side);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) expect(first[(y + 6) * side + x + 6]).toBe(plain.test.images[y * 28 + x]);
    expect(first.subarray(0, side).every((v) => v === Math.fround(BACKGROUND))).toBe(true);

    const permutation = randomPermutation(784, 5);
    const permuted = loadDigits({ seed: 1, pad: 2, permutation });
    const img = permuted.test.images.subarray(0, 32 * 32);
    for (let i = 0; i < 784; i++) {
      const y = Math.floor(i / 28), x = i % 28;
      expect(img[(y + 2) * 32 + x + 2]).toBe(plain.test.images[permutation[i]!]);
    }
    expect([...permuted.test.labels]).toEqual([...plain.test.labels]);
  });
});

describe('fit', () => {
  it('trains with a seeded order: the same seed repeats the run exactly, and the loss falls', () => {
    const d = loadDigits({ seed: 2 });
    const small = subset(d.train, Int32Array.from({ length: 640 }, (_, i) => i));
    const run = (seed: number) => {
      const m = new LinearClassifier(784, 10, 1);
      const r = fit(m, small, { epochs: 3, seed, lr: 0.01, label: 'test' });
      const w = [...m.linear.weight.dataSync()];
      const acc = accuracy(m, small);
      m.dispose();
      return { losses: r.epochs.map((e) => e.loss), w, acc };
    };
    const a = run(1), b = run(1), c = run(2);
    expect(b.losses).toEqual(a.losses);
    expect(b.w).toEqual(a.w);
    expect(c.w).not.toEqual(a.w);
    expect(a.losses[2]!).toBeLessThan(a.losses[0]!);
    expect(a.acc).toBeGreaterThan(0.8);
  });

  it('runs the given number of steps per epoch and refuses a bad epoch count', () => {
    const d = loadDigits({ seed: 2 });
    const m = new LinearClassifier(784, 10, 1);
    const r = fit(m, d.train, { epochs: 2, seed: 1, lr: 0.01, stepsPerEpoch: 3, batchSize: 16 });
    expect(r.epochs.map((e) => e.images)).toEqual([48, 48]);
    expect(() => fit(m, d.train, { epochs: 0, seed: 1, lr: 0.01 })).toThrowError(/epochs must be a positive integer, got 0/);
    m.dispose();
  });
});
