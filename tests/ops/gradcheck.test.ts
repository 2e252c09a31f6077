/**
 * Finite-difference checks of every differentiable op, in float64 on the JS twins: the tape's
 * gradient of L = Σ f(inputs) ⊙ u (u random) against central differences (L(x+h) − L(x−h)) / 2h.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import { randomValues } from '../helpers/compare.ts';

beforeAll(async () => {
  await sn.init({ backend: 'js' });
});

type Op = (...inputs: sn.Tensor[]) => sn.Tensor;

function gradcheck(op: Op, shapes: number[][], options: { seed?: number; positive?: boolean; h?: number; spread?: boolean } = {}): number {
  const { seed = 1, positive = false, h = 1e-6 } = options;
  return sn.tidy(() => {
    const inputs = shapes.map((s, i) => {
      const n = s.reduce((a, b) => a * b, 1);
      let v = randomValues(n, seed * 31 + i);
      // Spread values apart so max / relu kinks are far from every probe.
      if (options.spread) v = v.map((x, j) => x + 0.01 * ((j * 7919) % n));
      if (positive) v = v.map((x) => Math.abs(x) + 0.5);
      return sn.tensor(v, s, 'float64');
    });
    const probe = op(...inputs);
    const u = sn.tensor(randomValues(probe.size, seed + 99), probe.shape, 'float64');
    const lossOf = () => sn.noGrad(() => sn.tidy(() => sn.sum(sn.mul(op(...inputs), u)).item()));
    const tape = new sn.GradientTape();
    const loss = tape.record(() => sn.sum(sn.mul(op(...inputs), u)));
    const grads = tape.gradient(loss, inputs);
    let worst = 0;
    inputs.forEach((x, k) => {
      const analytic = grads[k]!.dataSync();
      const heap = sn.backend().heap.f64;
      const base = x.ptr >> 3;
      for (let i = 0; i < x.size; i++) {
        const saved = heap[base + i]!;
        heap[base + i] = saved + h;
        const up = lossOf();
        heap[base + i] = saved - h;
        const down = lossOf();
        heap[base + i] = saved;
        const numeric = (up - down) / (2 * h);
        worst = Math.max(worst, Math.abs(numeric - analytic[i]!) / Math.max(1, Math.abs(numeric)));
      }
    });
    return worst;
  });
}

const TOLERANCE = 1e-6;
const labels = () => sn.tensor([2, 0, 1], [3], 'int32');

const cases: [string, Op, number[][], Parameters<typeof gradcheck>[2]?][] = [
  ['add with broadcasting', (a, b) => sn.add(a, b), [[2, 3, 4], [3, 1]]],
  ['sub with broadcasting', (a, b) => sn.sub(a, b), [[2, 1, 4], [3, 4]]],
  ['mul with broadcasting', (a, b) => sn.mul(a, b), [[2, 3, 4], [4]]],
  ['div with broadcasting', (a, b) => sn.div(a, b), [[2, 3], [3]], { positive: true }],
  ['affine', (x) => sn.affine(x, -1.5, 0.25), [[5]]],
  ['relu', (x) => sn.relu(x), [[4, 5]], { spread: true }],
  ['sigmoid', (x) => sn.sigmoid(x), [[4, 5]]],
  ['tanh', (x) => sn.tanh(x), [[4, 5]]],
  ['scaledTanh', (x) => sn.scaledTanh(x), [[4, 5]]],
  ['exp', (x) => sn.exp(x), [[7]]],
  ['neg', (x) => sn.neg(x), [[7]]],
  ['square', (x) => sn.square(x), [[7]]],
  ['sum over all', (x) => sn.sum(x), [[2, 3, 4]]],
  ['sum over axes with keepDims', (x) => sn.sum(x, { axis: [0, 2], keepDims: true }), [[2, 3, 4]]],
  ['mean over an axis', (x) => sn.mean(x, { axis: 1 }), [[2, 3, 4]]],
  ['softmax along axis 1', (x) => sn.softmax(x, { axis: 1 }), [[2, 3, 4]]],
  ['logSoftmax along the last axis', (x) => sn.logSoftmax(x), [[3, 5]]],
  ['nllLoss', (x) => sn.nllLoss(sn.logSoftmax(x), labels()), [[3, 4]]],
  ['crossEntropy (sum)', (x) => sn.crossEntropy(x, labels(), { reduction: 'sum' }), [[3, 4]]],
  ['mseLoss', (a, b) => sn.mseLoss(a, b), [[3, 4], [3, 4]]],
  ['hingeLoss', (x) => sn.hingeLoss(x, labels()), [[3, 4]], { spread: true }],
  ['binaryCrossEntropyWithLogits (both arguments)', (z, t) => sn.binaryCrossEntropyWithLogits(sn.scale(z, 3), sn.sigmoid(t), { reduction: 'none' }), [[3, 4], [3, 4]]],
  ['binaryCrossEntropyWithLogits (mean)', (z, t) => sn.binaryCrossEntropyWithLogits(z, sn.sigmoid(t)), [[2, 5], [2, 5]]],
  ['binaryCrossEntropy (both arguments)', (p, t) => sn.binaryCrossEntropy(sn.sigmoid(p), sn.sigmoid(t), { reduction: 'sum' }), [[3, 4], [3, 4]]],
  ['conv2d stride 2, asymmetric padding', (x, w, b) => sn.conv2d(x, w, b, { stride: 2, padding: [1, 0, 2, 1] }), [[2, 5, 6, 3], [4, 3, 3, 3], [4]]],
  ['conv2d dilation 2, groups 2', (x, w, b) => sn.conv2d(x, w, b, { dilation: 2, groups: 2, padding: 2 }), [[1, 6, 5, 4], [6, 3, 3, 2], [6]]],
  ['conv2d depthwise', (x, w) => sn.conv2d(x, w, null, { groups: 3, padding: 1 }), [[2, 4, 4, 3], [3, 3, 3, 1]]],
  ['conv2d with fused ReLU', (x, w, b) => sn.conv2d(x, w, b, { activation: 'relu', padding: 'same' }), [[1, 4, 4, 2], [3, 2, 2, 2], [3]], { spread: true }],
  ['maxPool2d overlapping with padding', (x) => sn.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), [[2, 5, 5, 3]], { spread: true }],
  ['maxPool2d ceilMode', (x) => sn.maxPool2d(x, { kernelSize: 2, ceilMode: true }), [[1, 5, 5, 2]], { spread: true }],
  ['avgPool2d excluding padding', (x) => sn.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }), [[2, 5, 4, 3]]],
  ['lpPool2d p = 2', (x) => sn.lpPool2d(x, { normType: 2, kernelSize: 2 }), [[1, 4, 4, 3]]],
  ['adaptiveAvgPool2d 5×7 → 3×2', (x) => sn.adaptiveAvgPool2d(x, [3, 2]), [[2, 5, 7, 2]]],
  ['batchNorm2d training', (x, g, b) => sn.batchNorm2d(x, null, null, g, b, { training: true }), [[2, 3, 3, 4], [4], [4]]],
  ['batchNorm2d inference (running statistics are constants)', (x, g, b) => sn.batchNorm2d(x,
    sn.tensor([0.1, -0.2, 0.3, 0], [4], { dtype: 'float64', requiresGrad: false }),
    sn.tensor([0.5, 1, 2, 0.25], [4], { dtype: 'float64', requiresGrad: false }), g, b), [[2, 3, 3, 4], [4], [4]]],
  ['localResponseNorm', (x) => sn.localResponseNorm(x, { size: 3, alpha: 0.5, beta: 0.75, k: 1 }), [[2, 2, 2, 5]]],
  ['linear', (x, w, b) => sn.linear(x, w, b), [[3, 5], [4, 5], [4]]],
  ['matmul', (a, b) => sn.matmul(a, b), [[3, 5], [5, 2]]],
  ['reshape and flatten', (x) => sn.flatten(sn.reshape(x, [3, 2, 4])), [[2, 12]]],
  ['concat along channels', (a, b) => sn.concat([a, b], 3), [[1, 2, 2, 3], [1, 2, 2, 1]]],
  ['split', (x) => sn.split(x, [1, 3], 1)[1]!, [[2, 4, 3]]],
  ['dropout with a fixed seed', (x) => sn.dropout(x, { p: 0.4, seed: 5 }), [[6, 7]]],
  ['gather (LeNet-5 C3)', (x) => sn.gather(x, sn.tensor([3, -1, 0, 0, 2], [5], 'int32'), [5]), [[4]]],
];

describe('finite-difference gradient checks (float64, JS twins)', () => {
  for (const [name, op, shapes, options] of cases) {
    it(`${name}: the tape's gradient matches central differences`, () => {
      expect(gradcheck(op, shapes, options)).toBeLessThan(TOLERANCE);
    });
  }
});
