/**
 * What the peer benchmark computes: each problem with its seeded data in simdnet's layouts (NHWC
 * activations, OHWI filters, [out, in] weights), the work of one run, and the result every
 * contender must return in those same layouts so results can be cross-checked.
 */
import { randomValues } from '../tests/helpers/compare.ts';

export function seededFloats(n: number, seed: number, scale = 1): Float32Array {
  const v = randomValues(n, seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = v[i]! * scale;
  return out;
}

// ---- GEMM --------------------------------------------------------------------------------------

export interface GemmProblem {
  m: number; n: number; k: number;
  /** A [m, k] and B [k, n], row-major; the result is C = A·B [m, n]. */
  a: Float32Array; b: Float32Array;
}

export function gemmProblem(m: number, n: number, k: number): GemmProblem {
  return { m, n, k, a: seededFloats(m * k, 11), b: seededFloats(k * n, 12) };
}

// ---- convolution -------------------------------------------------------------------------------

export type ConvKind = 'forward' | 'backwardInput' | 'backwardFilter';

export interface ConvShape {
  n: number; h: number; w: number; c: number; oc: number; k: number; stride: number; pad: number;
}

export interface ConvProblem extends ConvShape {
  kind: ConvKind;
  oh: number; ow: number;
  /** x [n, h, w, c]; filter [oc, k, k, c] (OHWI); dy [n, oh, ow, oc]. No bias. The result is
   *  y [n, oh, ow, oc], dx [n, h, w, c] or dw [oc, k, k, c] as `kind` says. */
  x: Float32Array; filter: Float32Array; dy: Float32Array;
}

export function convProblem(s: ConvShape, kind: ConvKind): ConvProblem {
  const oh = Math.floor((s.h + 2 * s.pad - s.k) / s.stride) + 1;
  const ow = Math.floor((s.w + 2 * s.pad - s.k) / s.stride) + 1;
  const fanIn = s.k * s.k * s.c;
  return {
    ...s, kind, oh, ow,
    x: seededFloats(s.n * s.h * s.w * s.c, 21),
    filter: seededFloats(s.oc * fanIn, 22, Math.sqrt(3 / fanIn)),
    dy: seededFloats(s.n * oh * ow * s.oc, 23),
  };
}

export const convFlops = (p: ConvProblem) => 2 * p.n * p.oh * p.ow * p.oc * p.k * p.k * p.c;

// ---- max pooling ---------------------------------------------------------------------------------

export interface PoolProblem {
  kind: 'forward' | 'backward';
  n: number; h: number; w: number; c: number;
  /** Square window and stride, no padding. */
  k: number; stride: number;
  oh: number; ow: number;
  /** x [n, h, w, c]; dy [n, oh, ow, c]. The result is y [n, oh, ow, c] or dx [n, h, w, c]. */
  x: Float32Array; dy: Float32Array;
}

export function poolProblem(n: number, hw: number, c: number, k: number, stride: number, kind: PoolProblem['kind']): PoolProblem {
  const o = Math.floor((hw - k) / stride) + 1;
  return {
    kind, n, h: hw, w: hw, c, k, stride, oh: o, ow: o,
    x: seededFloats(n * hw * hw * c, 31), dy: seededFloats(n * o * o * c, 32),
  };
}

/** Bytes a pooling pass must move at least: its input and output (plus dy for the backward). */
export function poolBytes(p: PoolProblem): number {
  const input = p.n * p.h * p.w * p.c, output = p.n * p.oh * p.ow * p.c;
  return 4 * (p.kind === 'forward' ? input + output : input + 2 * output);
}

// ---- LeNet-5 training ------------------------------------------------------------------------------

/** The modern LeNet-5 (simdnet's zoo variant): conv 5×5 1→6, ReLU, max 2×2, conv 5×5 6→16, ReLU,
 *  max 2×2, flatten (HWC order), fc 400→120, ReLU, fc 120→84, ReLU, fc 84→10; softmax cross-entropy
 *  averaged over the batch; SGD with momentum. */
export interface LeNetProblem {
  batch: number;
  /** [batch, 32, 32, 1] and labels in 0..9. */
  images: Float32Array; labels: Int32Array;
  /** Initial weights by simdnet / PyTorch key, in simdnet's layouts (conv OHWI, fc [out, in]). */
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  lr: number; momentum: number;
}

export const LENET_LAYERS: { key: string; shape: number[]; fanIn: number }[] = [
  { key: 'conv1', shape: [6, 5, 5, 1], fanIn: 25 },
  { key: 'conv2', shape: [16, 5, 5, 6], fanIn: 150 },
  { key: 'fc1', shape: [120, 400], fanIn: 400 },
  { key: 'fc2', shape: [84, 120], fanIn: 120 },
  { key: 'fc3', shape: [10, 84], fanIn: 84 },
];

export function lenetProblem(batch: number): LeNetProblem {
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  LENET_LAYERS.forEach(({ key, shape, fanIn }, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(fanIn); // PyTorch's default U(±1/√fanIn)
    weights.set(`${key}.weight`, { shape, data: seededFloats(size, 41 + i, bound) });
    weights.set(`${key}.bias`, { shape: [shape[0]!], data: seededFloats(shape[0]!, 51 + i, bound) });
  });
  const labels = new Int32Array(batch);
  const r = randomValues(batch, 62);
  for (let i = 0; i < batch; i++) labels[i] = Math.min(9, Math.floor((r[i]! + 1) * 5));
  return { batch, images: seededFloats(batch * 32 * 32, 61), labels, weights, lr: 0.01, momentum: 0.9 };
}

/** The LeNet result checked across libraries: every parameter after one step, in LENET_LAYERS
 *  order (weight then bias), simdnet's layouts. */
export function lenetParameterOrder(): string[] {
  return LENET_LAYERS.flatMap(({ key }) => [`${key}.weight`, `${key}.bias`]);
}

// ---- layout helpers ------------------------------------------------------------------------------

/** [a, b, c, d] → the axes permuted by `perm` (out axis i is in axis perm[i]). */
export function permute4(src: Float32Array, dims: number[], perm: number[]): Float32Array {
  const [, d1, d2, d3] = dims as [number, number, number, number];
  const strides = [d1 * d2 * d3, d2 * d3, d3, 1];
  const outDims = perm.map((p) => dims[p]!);
  const s = perm.map((p) => strides[p]!) as [number, number, number, number];
  const out = new Float32Array(src.length);
  let o = 0;
  for (let i = 0; i < outDims[0]!; i++) {
    for (let j = 0; j < outDims[1]!; j++) {
      for (let k = 0; k < outDims[2]!; k++) {
        const base = i * s[0] + j * s[1] + k * s[2];
        for (let l = 0; l < outDims[3]!; l++) out[o++] = src[base + l * s[3]]!;
      }
    }
  }
  return out;
}

/** [rows, cols] → [cols, rows]. */
export function transpose2(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c]!;
  return out;
}

export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];
/** OHWI → HWIO (TensorFlow's filter layout) and back. */
export const OHWI_TO_HWIO = [1, 2, 3, 0];
export const HWIO_TO_OHWI = [3, 0, 1, 2];
/** OHWI → OIHW (ONNX / PyTorch) and back. */
export const OHWI_TO_OIHW = [0, 3, 1, 2];
export const OIHW_TO_OHWI = [0, 2, 3, 1];
