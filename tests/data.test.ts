import { describe, expect, it } from 'vitest';
import { Random } from '../src/random.ts';
import { filterLabels, loadMnist, padImages, permutePixels, randomPermutation, randomShiftRotate, rotateImage, shiftDataset, shiftImage, split, subset } from '../src/data/index.ts';

const g = { height: 3, width: 4, channels: 1 };
const ramp = () => Float32Array.from({ length: 12 }, (_, i) => i + 1);

describe('data transforms', () => {
  it('shiftImage moves content down and right, filling what it uncovers', () => {
    const image = ramp();
    shiftImage(image, g, 1, 2, -1);
    expect([...image]).toEqual([-1, -1, -1, -1, -1, -1, 1, 2, -1, -1, 5, 6]);
  });

  it('shiftImage by a negative amount moves up and left, and by zero changes nothing', () => {
    const image = ramp();
    shiftImage(image, g, -1, -1, 0);
    expect([...image]).toEqual([6, 7, 8, 0, 10, 11, 12, 0, 0, 0, 0, 0]);
    const same = ramp();
    shiftImage(same, g, 0, 0);
    expect([...same]).toEqual([...ramp()]);
  });

  it('rotateImage by 90° turns a square image a quarter, and by 0° is the identity', () => {
    const sq = { height: 3, width: 3, channels: 1 };
    const image = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    rotateImage(image, sq, 90);
    expect([...image].map((v) => Math.round(v * 1e4) / 1e4)).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
    const same = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    rotateImage(same, sq, 0);
    expect([...same]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('random augmentation is repeatable with the same seed and keeps the total ink of centred digits roughly', () => {
    const digits = padImages(loadMnist(), 2);
    const size = 32 * 32;
    const image = () => digits.images.slice(0, size);
    const a = image(), b = image();
    randomShiftRotate(digits, { maxShift: 2, maxRotation: 10, random: new Random(4) })(a);
    randomShiftRotate(digits, { maxShift: 2, maxRotation: 10, random: new Random(4) })(b);
    expect([...a]).toEqual([...b]);
    const ink = (x: Float32Array) => x.reduce((s, v) => s + v, 0);
    expect(Math.abs(ink(a) - ink(image())) / ink(image())).toBeLessThan(0.05);
  });

  it('permutePixels applies one fixed permutation to every image and rejects non-permutations', () => {
    const d = { images: Float32Array.from([...ramp(), ...ramp().map((v) => -v)]), labels: new Int32Array(2), count: 2, ...g };
    const perm = randomPermutation(12, 3);
    const p = permutePixels(d, perm);
    for (let i = 0; i < 12; i++) {
      expect(p.images[i]).toBe(d.images[perm[i]!]);
      expect(p.images[12 + i]).toBe(d.images[12 + perm[i]!]);
    }
    expect([...p.images.slice(0, 12)].sort((x, y) => x - y)).toEqual([...ramp()]);
    expect(() => permutePixels(d, new Int32Array(12))).toThrowError(/not a permutation/);
  });

  it('shiftDataset shifts every image and leaves the original alone', () => {
    const d = { images: Float32Array.from([...ramp(), ...ramp()]), labels: new Int32Array(2), count: 2, ...g };
    const s = shiftDataset(d, 0, 1);
    expect([...s.images.slice(12, 16)]).toEqual([0, 1, 2, 3]);
    expect([...d.images.slice(0, 4)]).toEqual([1, 2, 3, 4]);
  });

  it('shiftDataset fills what it uncovers with the given background (e.g. a standardised 0)', () => {
    const d = { images: Float32Array.from([...ramp(), ...ramp()]), labels: new Int32Array(2), count: 2, ...g };
    const s = shiftDataset(d, -2, 0, -0.5);
    expect([...s.images.slice(12, 24)]).toEqual([9, 10, 11, 12, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5]);
  });

  it('randomShiftRotate with shifts only moves each image by a whole-pixel shift within ±maxShift, filling with its fill value', () => {
    const sq = { height: 9, width: 9, channels: 1 };
    const dot = () => { const im = new Float32Array(81).fill(-1); im[4 * 9 + 4] = 5; return im; };
    const augment = randomShiftRotate(sq, { maxShift: 2, fill: -1, random: new Random(11) });
    const seen = new Set<string>();
    for (let t = 0; t < 200; t++) {
      const im = dot();
      augment(im);
      const at = im.indexOf(5);
      expect(at).toBeGreaterThanOrEqual(0);
      const dy = Math.floor(at / 9) - 4, dx = (at % 9) - 4;
      expect(Math.max(Math.abs(dy), Math.abs(dx))).toBeLessThanOrEqual(2);
      expect(im.filter((v) => v === -1).length).toBe(80);
      seen.add(`${dy},${dx}`);
    }
    // Every one of the 25 shifts turns up in 200 draws.
    expect(seen.size).toBe(25);
  });

  it('padImages puts each image in the middle of a canvas of the given value', () => {
    const d = { images: Float32Array.from([...ramp(), ...ramp().map((v) => -v)]), labels: new Int32Array(2), count: 2, ...g };
    const p = padImages(d, 1, 9);
    expect([p.height, p.width]).toEqual([5, 6]);
    const second = [...p.images.slice(30, 60)];
    expect(second.slice(0, 6)).toEqual([9, 9, 9, 9, 9, 9]);
    expect(second.slice(6, 12)).toEqual([9, -1, -2, -3, -4, 9]);
    expect(second.slice(24, 30)).toEqual([9, 9, 9, 9, 9, 9]);
  });

  it('filterLabels keeps the chosen classes in order; subset and split refuse indices and sizes out of range', () => {
    const d = { images: Float32Array.from({ length: 4 * 12 }, (_, i) => i), labels: Int32Array.from([3, 1, 3, 0]), count: 4, ...g };
    const threes = filterLabels(d, (l) => l === 3);
    expect([...threes.labels]).toEqual([3, 3]);
    expect(threes.images[12]).toBe(24);
    expect(() => subset(d, [0, 4])).toThrowError(/index 4 is outside the 4 examples/);
    expect(() => split(d, 5, 1)).toThrowError(/first must be in \[0, 4\], got 5/);
  });

  it('loadMnist gives 10,000 labelled 28×28 digits, about a thousand per class, and split is seeded', () => {
    const d = loadMnist();
    expect(d.count).toBe(10_000);
    expect(d.images.length).toBe(10_000 * 784);
    const counts = new Array(10).fill(0);
    for (const l of d.labels) counts[l]++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
    const [a1] = split(d, 8000, 7), [a2] = split(d, 8000, 7);
    expect([...a1.labels.slice(0, 50)]).toEqual([...a2.labels.slice(0, 50)]);
  });
});
