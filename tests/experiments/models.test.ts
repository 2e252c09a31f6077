/**
 * The experiments' model builders: shapes, parameter counts (from the layer sizes, not totals
 * typed in), the one-vs-rest loss against a direct computation, and LeNetLike = zoo LeNet-5.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import { LeNetLike, LinearClassifier, mlp, oneHot, oneVsRestLoss } from '../../examples/lib/models.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

const input = (n: number, side: number, seed = 3) => sn.randn([n, side, side, 1], { seed, requiresGrad: false });

describe('linear classifiers on the pixels', () => {
  it('LinearClassifier flattens NHWC images into one Linear: scores [N, 10], in·10 + 10 parameters', () => {
    const m = new LinearClassifier(28 * 28, 10, 1);
    expect(m.numParameters()).toBe(28 * 28 * 10 + 10);
    expect(Object.keys(m.stateDict())).toEqual(['linear.weight', 'linear.bias']);
    sn.tidy(() => {
      const x = input(3, 28);
      const y = m.forward(x);
      expect(y.shape).toEqual([3, 10]);
      // Score = W · (pixels in row-major order) + b, checked for one row and class directly.
      const w = m.linear.weight.dataSync(), b = m.linear.bias!.dataSync(), px = x.dataSync();
      let s = b[4]!;
      for (let i = 0; i < 784; i++) s += w[4 * 784 + i]! * px[784 + i]!;
      expect(y.dataSync()[10 + 4]).toBeCloseTo(s, 4);
    });
    m.dispose();
  });

  it('the same seed gives the same initial weights, another seed different ones', () => {
    const a = new LinearClassifier(20, 3, 7), b = new LinearClassifier(20, 3, 7), c = new LinearClassifier(20, 3, 8);
    expect([...a.linear.weight.dataSync()]).toEqual([...b.linear.weight.dataSync()]);
    expect([...a.linear.weight.dataSync()]).not.toEqual([...c.linear.weight.dataSync()]);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('oneHot turns labels into constant one-hot rows and refuses labels outside the classes', () => {
    sn.tidy(() => {
      const t = oneHot(sn.tensor([2, 0], [2], 'int32'), 3);
      expect(t.shape).toEqual([2, 3]);
      expect(t.requiresGrad).toBe(false);
      expect([...t.dataSync()]).toEqual([0, 0, 1, 1, 0, 0]);
      expect(() => oneHot(sn.tensor([3], [1], 'int32'), 3)).toThrowError(/labels\[0\] is 3, outside the 3 classes/);
      expect(() => oneHot(sn.zeros([2]), 3)).toThrowError(/int32 vector/);
    });
  });

  it('oneVsRestLoss is the sum over classes of each sigmoid unit\'s binary cross-entropy, averaged over the batch', () => {
    sn.tidy(() => {
      const z = [1.5, -0.5, 0.25, -2, 3, 0.5];
      const labels = [2, 0];
      const scores = sn.tensor(z, [2, 3]);
      const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
      let expected = 0;
      z.forEach((v, i) => {
        const target = labels[Math.floor(i / 3)] === i % 3 ? 1 : 0;
        expected -= target * Math.log(sigmoid(v)) + (1 - target) * Math.log(1 - sigmoid(v));
      });
      expected /= 2;
      const tape = new sn.GradientTape();
      const loss = tape.record(() => oneVsRestLoss(scores, sn.tensor(labels, [2], 'int32')));
      expect(loss.item()).toBeCloseTo(expected, 5);
      // Each unit's gradient is (σ(z) − target) / batch, as for ten separate logistic regressions.
      const [g] = tape.gradient(loss, [scores]);
      z.forEach((v, i) => {
        const target = labels[Math.floor(i / 3)] === i % 3 ? 1 : 0;
        expect(g!.dataSync()[i]).toBeCloseTo((sigmoid(v) - target) / 2, 6);
      });
    });
  });

  it('oneVsRestLoss stays finite for saturated units (logits of ±1000)', () => {
    sn.tidy(() => {
      const loss = oneVsRestLoss(sn.tensor([1000, -1000, 1000, -1000], [2, 2]), sn.tensor([0, 1], [2], 'int32'));
      // Row 0 is right with certainty (loss 0); row 1 is wrong twice by a margin of 1000 each.
      expect(loss.item()).toBeCloseTo((0 + 2 * 1000) / 2, 3);
    });
  });
});

describe('dense network', () => {
  it('mlp stacks Linear + ReLU per hidden width; parameters follow from the widths', () => {
    const m = mlp(40 * 40, [300, 100], 10, 1);
    const widths = [1600, 300, 100, 10];
    const expected = widths.slice(1).reduce((n, out, i) => n + widths[i]! * out + out, 0);
    expect(m.numParameters()).toBe(expected);
    expect(m.layers().map((l) => l.constructor.name)).toEqual(['Flatten', 'Linear', 'ReLU', 'Linear', 'ReLU', 'Linear']);
    sn.tidy(() => expect(m.forward(input(2, 40)).shape).toEqual([2, 10]));
    m.dispose();
  });
});

describe('LeNet-5 for any input size, with or without pooling', () => {
  it('at 32×32 with pooling it is sn.zoo.lenet5(): same keys and shapes, and the same outputs from the same weights', () => {
    const ours = new LeNetLike({ inputSize: 32, pooling: true, seed: 1 });
    const zoo = sn.zoo.lenet5({ seed: 9 });
    const shapes = (m: sn.nn.Module) => Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape]);
    expect(shapes(ours)).toEqual(shapes(zoo));
    ours.loadStateDict(zoo.stateDict());
    sn.tidy(() => {
      const x = input(2, 32);
      expect([...ours.forward(x).dataSync()]).toEqual([...zoo.forward(x).dataSync()]);
    });
    ours.dispose(); zoo.dispose();
  });

  it('the first dense layer reads 16 maps of the size the conv and pool arithmetic gives', () => {
    // 40 → conv 5 → 36 → pool → 18 → conv 5 → 14 → pool → 7; without pooling 40 → 36 → 32.
    const pooled = new LeNetLike({ inputSize: 40, pooling: true });
    const full = new LeNetLike({ inputSize: 40, pooling: false });
    expect(pooled.flatFeatures).toBe(16 * 7 * 7);
    expect(full.flatFeatures).toBe(16 * 32 * 32);
    expect(full.fc1.weight.shape).toEqual([120, 16 * 32 * 32]);
    // Removing pooling changes only the first dense layer's width.
    expect(full.numParameters() - pooled.numParameters()).toBe(120 * 16 * (32 * 32 - 7 * 7));
    sn.tidy(() => {
      expect(pooled.forward(input(2, 40)).shape).toEqual([2, 10]);
      expect(full.forward(input(2, 40)).shape).toEqual([2, 10]);
    });
    pooled.dispose(); full.dispose();
  });

  it('refuses an input too small for the two 5×5 convolutions', () => {
    expect(() => new LeNetLike({ inputSize: 12, pooling: true })).toThrowError(/smaller than the 5×5 kernel/);
  });
});
