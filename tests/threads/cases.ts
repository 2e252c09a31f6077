/**
 * Op-level cases for the thread tests: each runs an op forward and backward on seeded inputs and
 * returns every result as float32 bits, plus the kernels it expects to run split over threads.
 * The shapes are chosen so that each way of splitting (parallel-conv.ts, parallel-pool.ts,
 * parallel.ts) is taken by at least one case for every thread count from 2 to 4.
 */
import * as sn from '../../src/index.ts';
import '../../src/threads.node.ts';
import type { Kernels } from '../../src/backend/kernels.ts';

export interface Case {
  name: string;
  run(): Record<string, Uint32Array>;
  /** Kernels that must have run split (with 2, 3 and 4 threads). */
  splits: (keyof Kernels)[];
  /** Kernels that must not have run split (a guard declines to split them). */
  whole?: (keyof Kernels)[];
}

export const bits = (t: sn.Tensor): Uint32Array => new Uint32Array(Float32Array.from(t.dataSync() as Float32Array).buffer);

/** y = op(inputs), and the gradient of Σ y ⊙ u (u seeded) with respect to every input. */
function forwardBackward(op: (...t: sn.Tensor[]) => sn.Tensor, inputs: { name: string; tensor: () => sn.Tensor }[]) {
  return () => sn.tidy(() => {
    const xs = inputs.map((i) => i.tensor());
    const tape = new sn.GradientTape();
    const y = tape.record(() => op(...xs));
    const u = sn.randn(y.shape, { seed: 99 });
    const loss = tape.record(() => sn.sum(sn.mul(y, u)));
    const grads = tape.gradient(loss, xs);
    const out: Record<string, Uint32Array> = { y: bits(y) };
    grads.forEach((g, i) => { out[`d${inputs[i]!.name}`] = bits(g); });
    return out;
  });
}

const input = (name: string, shape: number[], seed: number, positive = false) => ({
  name,
  tensor: () => (positive ? sn.rand(shape, { seed, low: 0.1, high: 1, requiresGrad: true }) : sn.randn(shape, { seed, requiresGrad: true })),
});

interface ConvCase {
  name: string; x: [number, number, number, number]; oc: number; k: [number, number];
  options?: sn.Conv2dOptions; bias?: boolean; splits?: (keyof Kernels)[]; whole?: (keyof Kernels)[];
}

const ALL_CONV: (keyof Kernels)[] = ['conv2dForward', 'conv2dBackwardInput', 'conv2dBackwardFilter'];

function convCase(c: ConvCase): Case {
  const cinG = c.x[3] / (c.options?.groups ?? 1);
  const inputs = [input('x', c.x, 1), input('w', [c.oc, c.k[0], c.k[1], cinG], 2)];
  if (c.bias !== false) inputs.push(input('b', [c.oc], 3));
  return {
    name: `conv2d ${c.name}`,
    run: forwardBackward((x, w, b) => sn.conv2d(x!, w!, b ?? null, c.options), inputs),
    splits: c.splits ?? ALL_CONV,
    whole: c.whole,
  };
}

export const convCases: Case[] = [
  convCase({ name: 'over whole images', x: [8, 10, 10, 8], oc: 16, k: [3, 3], options: { padding: 1 } }),
  convCase({ name: 'over row bands of one image', x: [1, 33, 29, 32], oc: 24, k: [3, 3], options: { padding: 1 } }),
  convCase({
    name: 'strided, dilated, asymmetric padding',
    x: [2, 31, 23, 12], oc: 20, k: [5, 3], options: { stride: [2, 1], dilation: [2, 1], padding: [3, 1, 2, 0] },
  }),
  convCase({ name: 'few pixels, many channels: forward over output channels, fused ReLU', x: [1, 4, 4, 32], oc: 64, k: [3, 3], options: { padding: 1, activation: 'relu' } }),
  convCase({ name: 'few pixels, output channels past the last whole panel (44 = 5·8 + 4)', x: [1, 3, 3, 16], oc: 44, k: [3, 3], options: { padding: 1 } }),
  convCase({
    // The bands of this image would fit the planar kernels, the whole does not: the packed filter
    // keeps every band on the GEMM path of the whole (tests/kernels/conv.test.ts).
    name: 'a 3-channel image too large for the planar kernels', x: [1, 608, 608, 3], oc: 8, k: [3, 3], options: { padding: 1 },
    splits: ['conv2dForward'],
  }),
  convCase({ name: 'a short image: input gradient over input channels, 44 = 5·8 + 4 of them', x: [1, 6, 6, 44], oc: 24, k: [3, 3], options: { padding: 1 } }),
  convCase({ name: 'grouped (2 groups)', x: [1, 20, 20, 32], oc: 32, k: [3, 3], options: { padding: 1, groups: 2 } }),
  convCase({
    name: 'depthwise', x: [1, 40, 40, 24], oc: 24, k: [3, 3], options: { padding: 1, groups: 24 },
    splits: ['conv2dForward', 'conv2dBackwardInput'], whole: ['conv2dBackwardFilter'],
  }),
  convCase({ name: '1×1 pointwise: filter gradient over output channels', x: [1, 24, 24, 40], oc: 48, k: [1, 1], bias: false }),
  convCase({ name: '1×1 stride 2 (a ResNet shortcut)', x: [1, 25, 25, 32], oc: 40, k: [1, 1], options: { stride: 2 } }),
  convCase({ name: 'dilated 3×3 stride 2', x: [1, 17, 16, 32], oc: 16, k: [3, 3], options: { stride: 2, dilation: 2, padding: 2 } }),
  convCase({ name: '5×5 over few channels', x: [2, 20, 20, 8], oc: 16, k: [5, 5], options: { padding: 2 } }),
  convCase({ name: 'deep K (3×3×520): filter gradient over output channels', x: [1, 18, 18, 520], oc: 32, k: [3, 3], options: { padding: 1 } }),
  convCase({
    name: '1×1 with vertical padding only: input gradient stays whole', x: [1, 12, 10, 16], oc: 16, k: [1, 1],
    options: { padding: [1, 1, 0, 0] }, splits: ['conv2dForward', 'conv2dBackwardFilter'], whole: ['conv2dBackwardInput'],
  }),
  convCase({
    // Four images: the filter gradient's parts of whole images run as tasks.
    name: 'LeNet C1 (planar kernels)', x: [4, 32, 32, 1], oc: 6, k: [5, 5],
  }),
  convCase({ name: 'LeNet C3 at batch 16: the filter gradient in four parts of four images', x: [16, 14, 14, 6], oc: 16, k: [5, 5] }),
  convCase({ name: 'one 48² image: the filter gradient in four bands of output rows', x: [1, 48, 48, 8], oc: 12, k: [3, 3], options: { padding: 1 } }),
  convCase({
    // Two images too small for two parts: the filter gradient sums in one run, split by kernel rows.
    name: 'two small images: the filter gradient in one run', x: [2, 9, 9, 40], oc: 16, k: [3, 3], options: { padding: 1 },
  }),
];

function poolCase(name: string, shape: number[], op: (x: sn.Tensor) => sn.Tensor, splits: (keyof Kernels)[], positive = false): Case {
  return { name, run: forwardBackward(op, [input('x', shape, 5, positive)]), splits };
}

export const poolCases: Case[] = [
  poolCase('maxPool2d 3×3/2 pad 1, one image: forward over row bands', [1, 21, 19, 20],
    (x) => sn.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), ['maxPool2dForward']),
  poolCase('maxPool2d 3×3/2 pad 1 ceilMode, overlapping windows', [5, 15, 17, 12],
    (x) => sn.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }), ['maxPool2dForward', 'maxPool2dBackward']),
  poolCase('maxPool2d 2×2/2, windows tiling the image', [3, 16, 16, 12],
    (x) => sn.maxPool2d(x, { kernelSize: 2 }), ['maxPool2dForward', 'maxPool2dBackward']),
  poolCase('avgPool2d 3×3/2 pad 1 ceilMode, padding not counted', [3, 14, 13, 9],
    (x) => sn.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    ['avgPool2dForward', 'avgPool2dBackward']),
  poolCase('avgPool2d 2×2, one image', [1, 12, 12, 20], (x) => sn.avgPool2d(x, { kernelSize: 2 }), ['avgPool2dForward']),
  poolCase('lpPool2d p = 2, 3×3/2 ceilMode', [3, 15, 15, 8],
    (x) => sn.lpPool2d(x, { normType: 2, kernelSize: 3, stride: 2, ceilMode: true }), ['lpPool2dForward', 'lpPool2dBackward']),
  poolCase('lpPool2d p = 3, 2×2', [2, 10, 10, 6],
    (x) => sn.lpPool2d(x, { normType: 3, kernelSize: 2 }), ['lpPool2dForward', 'lpPool2dBackward'], true),
  poolCase('adaptiveAvgPool2d to 3×4 (overlapping windows)', [3, 10, 11, 8],
    (x) => sn.adaptiveAvgPool2d(x, [3, 4]), ['adaptiveAvgPool2dForward', 'adaptiveAvgPool2dBackward']),
  poolCase('globalAvgPool2d', [4, 7, 7, 32], (x) => sn.globalAvgPool2d(x), ['adaptiveAvgPool2dForward', 'adaptiveAvgPool2dBackward']),
];

export const gemmCases: Case[] = [
  { name: 'matmul taller than wide: rows of C', run: forwardBackward((a, b) => sn.matmul(a!, b!), [input('a', [50, 37], 7), input('b', [37, 23], 8)]), splits: ['gemm'] },
  { name: 'matmul wider than tall: columns of C', run: forwardBackward((a, b) => sn.matmul(a!, b!), [input('a', [7, 30], 7), input('b', [30, 90], 8)]), splits: ['gemm'] },
  { name: 'matmul with k = 600 (several k slices)', run: forwardBackward((a, b) => sn.matmul(a!, b!), [input('a', [40, 600], 7), input('b', [600, 30], 8)]), splits: ['gemm'] },
  {
    name: 'linear with bias',
    run: forwardBackward((x, w, b) => sn.linear(x!, w!, b!), [input('x', [33, 45], 7), input('w', [70, 45], 8), input('b', [70], 9)]),
    splits: ['gemm'],
  },
  {
    name: 'linear at batch 1 (the few-rows path, split by columns)',
    run: forwardBackward((x, w, b) => sn.linear(x!, w!, b!), [input('x', [1, 300], 7), input('w', [90, 300], 8), input('b', [90], 9)]),
    splits: ['gemm'],
  },
  {
    // Bands of six rows would leave one row to the few-rows path: the forward runs whole.
    name: 'linear at batch 7 onto 5 outputs (taller than wide)',
    run: forwardBackward((x, w) => sn.linear(x!, w!, null), [input('x', [7, 300], 7), input('w', [5, 300], 8)]),
    splits: ['gemm'],
  },
];

const N = 10007; // not a multiple of any vector width
export const elementwiseCases: Case[] = [
  ...(['relu', 'sigmoid', 'tanh', 'scaledTanh', 'exp'] as const).map((f): Case => ({
    name: `${f} over ${N} elements`, run: forwardBackward((x) => sn[f](x!), [input('x', [N], 11)]), splits: ['unary', 'unaryBackward'],
  })),
  { name: `add, mul over ${N} elements`, run: forwardBackward((a, b) => sn.add(sn.mul(a!, b!), a!), [input('a', [N], 12), input('b', [N], 13)]), splits: ['binary'] },
  { name: `affine over ${N} elements`, run: forwardBackward((x) => sn.affine(x!, 1.7, -0.3), [input('x', [N], 14)]), splits: ['affine'] },
  {
    name: 'batch norm in eval mode over 2,601 rows of 7 channels (bands of rows)',
    run: forwardBackward((x, g, b) => sn.batchNorm2d(x!, sn.tensor([0.1, -0.2, 0, 0.3, 0.5, -1, 2], [7], { requiresGrad: false }),
      sn.tensor([1, 2, 0.5, 1.5, 1, 3, 0.25], [7], { requiresGrad: false }), g!, b!), [input('x', [1, 51, 51, 7], 15), input('g', [7], 16), input('b', [7], 17)]),
    splits: ['batchNormForward'],
  },
  {
    name: 'linear bias over 300 rows (bands of rows)',
    run: forwardBackward((x, w, b) => sn.linear(x!, w!, b!), [input('x', [300, 40], 18), input('w', [37, 40], 19), input('b', [37], 20)]),
    splits: ['addRowVector'],
  },
];

export const allCases: Case[] = [...convCases, ...poolCases, ...gemmCases, ...elementwiseCases];
