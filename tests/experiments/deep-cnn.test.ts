/**
 * Plain and residual CNNs of a given depth: depth as the paper counts it, identical parameters for
 * both kinds, the option-A shortcut, and what a residual block does that a plain one cannot.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import { Block, blocksPerStage, DeepCnn } from '../../examples/lib/deep-cnn.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

const digits = (n: number) => sn.randn([n, 28, 28, 1], { seed: 5, requiresGrad: false });

describe('deep plain and residual CNNs', () => {
  it('accepts depths 6n + 2 only', () => {
    expect([8, 20, 32, 56].map(blocksPerStage)).toEqual([1, 3, 5, 9]);
    for (const bad of [7, 10, 2, 20.5]) expect(() => blocksPerStage(bad)).toThrowError(/depth must be 6n \+ 2 for n ≥ 1/);
  });

  it('has depth conv + linear layers, and the same parameters plain or residual', () => {
    for (const depth of [8, 20]) {
      const plain = new DeepCnn({ depth, residual: false }), residual = new DeepCnn({ depth, residual: true });
      expect(plain.weightedLayers()).toBe(depth);
      expect(residual.weightedLayers()).toBe(depth);
      expect(residual.numParameters()).toBe(plain.numParameters());
      const shapes = (m: DeepCnn) => Object.values(m.stateDict()).map((t) => t.shape);
      expect(shapes(residual)).toEqual(shapes(plain));
      plain.dispose(); residual.dispose();
    }
  });

  it('counts its parameters from the widths: stem, 3×3 convs with BatchNorm, and the classifier', () => {
    const [w1, w2, w3] = [8, 16, 32];
    const n = 1;
    const conv = (i: number, o: number) => 9 * i * o + 2 * o; // no bias; BatchNorm's weight and bias
    const expected = conv(1, w1)
      + n * (conv(w1, w1) + conv(w1, w1)) + (conv(w1, w2) + conv(w2, w2)) + (conv(w2, w3) + conv(w3, w3))
      + w3 * 10 + 10;
    const m = new DeepCnn({ depth: 8, residual: true, widths: [w1, w2, w3] });
    expect(m.numParameters()).toBe(expected);
    m.dispose();
  });

  it('maps 28×28 digits to 10 scores through 14×14, 7×7 and 4×4 stages', () => {
    const m = new DeepCnn({ depth: 8, residual: true });
    sn.tidy(() => {
      const x = digits(3);
      const stem = sn.relu(m.stemBn.forward(m.stem.forward(x)));
      expect(stem.shape).toEqual([3, 14, 14, 8]);
      const blocks = m.stages.layers();
      const s1 = blocks[0]!.forward(stem), s2 = blocks[1]!.forward(s1), s3 = blocks[2]!.forward(s2);
      expect([s1.shape, s2.shape, s3.shape]).toEqual([[3, 14, 14, 8], [3, 7, 7, 16], [3, 4, 4, 32]]);
      expect(m.forward(x).shape).toEqual([3, 10]);
    });
    m.dispose();
  });

  it('a widening block\'s shortcut takes every other pixel and pads the new channels with zeros', () => {
    const block = new Block(2, 4, true, new sn.Random(1));
    sn.tidy(() => {
      const x = sn.tensor(Array.from({ length: 3 * 3 * 2 }, (_, i) => i + 1), [1, 3, 3, 2]);
      const s = block.shortcut(x);
      expect(s.shape).toEqual([1, 2, 2, 4]);
      // Pixels (0,0), (0,2), (2,0), (2,2) of the input, then two zero channels each.
      expect([...s.dataSync()]).toEqual([1, 2, 0, 0, 5, 6, 0, 0, 13, 14, 0, 0, 17, 18, 0, 0]);
    });
    block.dispose();
  });

  it('a residual block whose last conv is zero passes ReLU(x) through; a plain one outputs zeros', () => {
    const residual = new Block(4, 4, true, new sn.Random(2)), plain = new Block(4, 4, false, new sn.Random(2));
    for (const b of [residual, plain]) b.loadStateDict({ 'conv2.weight': { shape: b.conv2.weight.shape, data: new Float32Array(b.conv2.weight.size) } }, { strict: false });
    sn.tidy(() => {
      const x = sn.randn([2, 5, 5, 4], { seed: 3 });
      expect([...residual.forward(x).dataSync()]).toEqual([...sn.relu(x).dataSync()]);
      expect([...plain.forward(x).dataSync()].every((v) => v === 0)).toBe(true);
    });
    residual.dispose(); plain.dispose();
  });

  it('the same seed builds the same network', () => {
    const a = new DeepCnn({ depth: 8, residual: false, seed: 4 }), b = new DeepCnn({ depth: 8, residual: false, seed: 4 });
    expect([...a.stages.layers()[1]!.stateDict()['conv1.weight']!.dataSync()]).toEqual([...b.stages.layers()[1]!.stateDict()['conv1.weight']!.dataSync()]);
    a.dispose(); b.dispose();
  });
});
