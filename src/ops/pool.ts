/** Pooling on NHWC activations: max, average, LP (power-average), adaptive average. */
import { isRecording, recordOp } from '../autograd/tape.ts';
import {
  POOL_C, POOL_FLAG_COUNT_INCLUDE_PAD, POOL_FLAGS, POOL_H, POOL_KH, POOL_KW, POOL_N, POOL_OH, POOL_OW,
  POOL_PAD_B, POOL_PAD_L, POOL_PAD_R, POOL_PAD_T, POOL_SH, POOL_SW, POOL_W, POOL_WORDS,
} from '../backend/geometry.ts';
import { backend } from '../runtime.ts';
import { Tensor, type FloatDtype } from '../tensor.ts';
import { checkFloat, checkOptions, describe, fail, finiteNumber, nonNegativeInt, pair } from './validate.ts';
import { kernels, output, scratchTensor } from './util.ts';

export interface PoolOptions {
  kernelSize: number | [number, number];
  /** Defaults to kernelSize (non-overlapping windows). */
  stride?: number | [number, number];
  padding?: number | [number, number];
  /** Keep a last partial window (PyTorch's ceil_mode). */
  ceilMode?: boolean;
}

export interface AvgPoolOptions extends PoolOptions {
  /** Count padding taps in the divisor (PyTorch's default: true). */
  countIncludePad?: boolean;
}

export interface LpPoolOptions {
  /** The p of the p-norm (2 gives L2 pooling). */
  normType: number;
  kernelSize: number | [number, number];
  stride?: number | [number, number];
  ceilMode?: boolean;
}

/** PyTorch's pooling_output_shape: with ceilMode the last window must start inside the input or left padding. */
export function poolOutputSize(input: number, kernel: number, stride: number, pad: number, ceilMode: boolean): number {
  let out = Math.floor((input + 2 * pad - kernel + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= input + pad) out--;
  return out;
}

function poolGeometry(op: string, x: Tensor, options: PoolOptions, allowed: string[], flags = 0): Int32Array {
  if (options === null || typeof options !== 'object') throw new TypeError(`simdnet: ${op}: options with kernelSize are required, got ${describe(options)}`);
  checkOptions(op, options, allowed);
  checkFloat(op, 'x', x, 4);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw] = pair(op, 'kernelSize', options.kernelSize);
  const [sh, sw] = pair(op, 'stride', options.stride ?? [kh, kw]);
  const [ph, pw] = pair(op, 'padding', options.padding ?? 0, nonNegativeInt);
  const ceilMode = options.ceilMode ?? false;
  if (typeof ceilMode !== 'boolean') fail(op, `ceilMode must be a boolean, got ${describe(ceilMode)}`);
  if (ph > kh / 2 || pw > kw / 2) fail(op, `padding ${ph}×${pw} must be at most half the kernel ${kh}×${kw}`);
  const oh = poolOutputSize(h, kh, sh, ph, ceilMode);
  const ow = poolOutputSize(w, kw, sw, pw, ceilMode);
  if (oh < 1 || ow < 1) fail(op, `the input ${h}×${w} (padding ${ph}×${pw}) is smaller than the ${kh}×${kw} window: the output would be ${oh}×${ow}`);
  const g = new Int32Array(POOL_WORDS);
  g[POOL_N] = n; g[POOL_H] = h; g[POOL_W] = w; g[POOL_C] = c; g[POOL_KH] = kh; g[POOL_KW] = kw;
  g[POOL_SH] = sh; g[POOL_SW] = sw; g[POOL_PAD_T] = ph; g[POOL_PAD_L] = pw; g[POOL_PAD_B] = ph; g[POOL_PAD_R] = pw;
  g[POOL_OH] = oh; g[POOL_OW] = ow; g[POOL_FLAGS] = flags;
  return g;
}

const outShapeOf = (g: Int32Array): number[] => [g[POOL_N]!, g[POOL_OH]!, g[POOL_OW]!, g[POOL_C]!];

/** Max over each window; the gradient goes to the window's (first) maximum. */
export function maxPool2d(x: Tensor, options: PoolOptions): Tensor {
  const g = poolGeometry('maxPool2d', x, options, ['kernelSize', 'stride', 'padding', 'ceilMode']);
  const dtype = x.dtype as FloatDtype;
  const k = kernels(dtype);
  const be = backend();
  const y = output(outShapeOf(g), dtype, [x]);
  const recording = y.requiresGrad && isRecording(); // indices only when a backward may need them
  const argmax = recording ? scratchTensor(y.shape, 'int32') : undefined;
  k.maxPool2dForward(be.params(g), x.ptr, y.ptr, argmax ? argmax.ptr : 0);
  if (argmax) {
    recordOp('maxPool2d', [x, argmax], [y], ([dy]) => {
      const dx = scratchTensor(x.shape, dtype);
      k.maxPool2dBackward(be.params(g), dy!.ptr, argmax.ptr, dx.ptr);
      return [dx, undefined];
    });
    argmax.dispose(); // the tape holds it as long as it needs it
  }
  return y;
}

/** Average over each window with PyTorch's divisor rules. */
export function avgPool2d(x: Tensor, options: AvgPoolOptions): Tensor {
  const include = options?.countIncludePad ?? true;
  if (typeof include !== 'boolean') fail('avgPool2d', `countIncludePad must be a boolean, got ${describe(include)}`);
  const g = poolGeometry('avgPool2d', x, options, ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad'],
    include ? POOL_FLAG_COUNT_INCLUDE_PAD : 0);
  const dtype = x.dtype as FloatDtype;
  const k = kernels(dtype);
  const be = backend();
  const y = output(outShapeOf(g), dtype, [x]);
  k.avgPool2dForward(be.params(g), x.ptr, y.ptr);
  recordOp('avgPool2d', [x], [y], ([dy]) => {
    const dx = scratchTensor(x.shape, dtype);
    k.avgPool2dBackward(be.params(g), dy!.ptr, dx.ptr);
    return [dx];
  });
  return y;
}

/** Power-average pooling (PyTorch's LPPool2d): (Σ_window x^p)^(1/p); p = 2 is L2 pooling. */
export function lpPool2d(x: Tensor, options: LpPoolOptions): Tensor {
  if (options === null || typeof options !== 'object') throw new TypeError(`simdnet: lpPool2d: options with normType and kernelSize are required, got ${describe(options)}`);
  const p = finiteNumber('lpPool2d', 'normType', options.normType);
  if (p <= 0) fail('lpPool2d', `normType must be positive, got ${p}`);
  const g = poolGeometry('lpPool2d', x, options, ['normType', 'kernelSize', 'stride', 'ceilMode']);
  const dtype = x.dtype as FloatDtype;
  const k = kernels(dtype);
  const be = backend();
  const y = output(outShapeOf(g), dtype, [x]);
  k.lpPool2dForward(be.params(g), p, x.ptr, y.ptr);
  recordOp('lpPool2d', [x], [y], ([dy]) => {
    const dx = scratchTensor(x.shape, dtype);
    k.lpPool2dBackward(be.params(g), p, x.ptr, y.ptr, dy!.ptr, dx.ptr);
    return [dx];
  });
  return y;
}

/** Average pooling to a fixed output size (window i spans [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉)). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | [number, number] | { outputSize: number | [number, number] }): Tensor {
  const size = typeof outputSize === 'object' && !Array.isArray(outputSize) && outputSize !== null ? outputSize.outputSize : outputSize;
  checkFloat('adaptiveAvgPool2d', 'x', x, 4);
  const [oh, ow] = pair('adaptiveAvgPool2d', 'outputSize', size);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (h < 1 || w < 1) fail('adaptiveAvgPool2d', `the input must have at least one pixel, got ${h}×${w}`);
  const g = new Int32Array(POOL_WORDS);
  g[POOL_N] = n; g[POOL_H] = h; g[POOL_W] = w; g[POOL_C] = c; g[POOL_OH] = oh; g[POOL_OW] = ow;
  const dtype = x.dtype as FloatDtype;
  const k = kernels(dtype);
  const be = backend();
  const y = output([n, oh, ow, c], dtype, [x]);
  k.adaptiveAvgPool2dForward(be.params(g), x.ptr, y.ptr);
  recordOp('adaptiveAvgPool2d', [x], [y], ([dy]) => {
    const dx = scratchTensor(x.shape, dtype);
    k.adaptiveAvgPool2dBackward(be.params(g), dy!.ptr, dx.ptr);
    return [dx];
  });
  return y;
}

/** Global average pooling: [N, H, W, C] → [N, 1, 1, C]. */
export function globalAvgPool2d(x: Tensor): Tensor {
  return adaptiveAvgPool2d(x, 1);
}

