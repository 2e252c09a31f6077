/** 2-D convolution (cross-correlation, as in PyTorch) on NHWC activations with OHWI filters. */
import { recordOp } from '../autograd/tape.ts';
import {
  CONV_C, CONV_DH, CONV_DW, CONV_FLAG_PACKED, CONV_FLAG_RELU, CONV_FLAGS, CONV_GROUPS, CONV_H, CONV_KH, CONV_KW, CONV_N,
  CONV_OC, CONV_OH, CONV_OW, CONV_PAD_L, CONV_PAD_T, CONV_SH, CONV_SW, CONV_W, CONV_WORDS,
} from '../backend/geometry.ts';
import { UNARY_RELU } from '../backend/kernels.ts';
import { conv2dScratchBytes } from '../backend/scratch.ts';
import { backend } from '../runtime.ts';
import { formatShape, Tensor, type FloatDtype } from '../tensor.ts';
import { checkFloat, checkOptions, describe, fail, nonNegativeInt, pair, positiveInt, sameDtype } from './validate.ts';
import { kernels, output, scratchTensor } from './util.ts';
import { packedFilter } from './packed-filter.ts';

/** A number (all sides), [height, width] (symmetric), [top, bottom, left, right], 'same' or 'valid'. */
export type Padding = number | [number, number] | [number, number, number, number] | 'same' | 'valid';

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: Padding;
  dilation?: number | [number, number];
  groups?: number;
  /** Fuse a ReLU into the convolution's store (the output is relu(conv(x))). */
  activation?: 'relu' | 'none';
}

export interface ResolvedPadding { top: number; bottom: number; left: number; right: number }

/**
 * Explicit padding from any accepted form. 'same' keeps ceil(H / stride) outputs, with the odd pixel
 * at the bottom / right (PyTorch for stride 1, TensorFlow for any stride).
 */
export function resolvePadding(op: string, padding: Padding, inputHW: [number, number], kernelHW: [number, number],
  stride: [number, number], dilation: [number, number]): ResolvedPadding {
  if (padding === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
  if (padding === 'same') {
    const total = (i: 0 | 1) => {
      const out = Math.ceil(inputHW[i] / stride[i]);
      return Math.max((out - 1) * stride[i] + (kernelHW[i] - 1) * dilation[i] + 1 - inputHW[i], 0);
    };
    const th = total(0), tw = total(1);
    return { top: th >> 1, bottom: th - (th >> 1), left: tw >> 1, right: tw - (tw >> 1) };
  }
  if (typeof padding === 'number') {
    const p = nonNegativeInt(op, 'padding', padding);
    return { top: p, bottom: p, left: p, right: p };
  }
  if (Array.isArray(padding) && padding.length === 2) {
    const [h, w] = pair(op, 'padding', padding, nonNegativeInt);
    return { top: h, bottom: h, left: w, right: w };
  }
  if (Array.isArray(padding) && padding.length === 4) {
    const [top, bottom, left, right] = padding.map((p, i) => nonNegativeInt(op, `padding[${i}]`, p)) as [number, number, number, number];
    return { top, bottom, left, right };
  }
  return fail(op, `padding must be a number, [h, w], [top, bottom, left, right], 'same' or 'valid', got ${describe(padding)}`);
}

/** PyTorch's output size: floor((in + padding − dilation·(k − 1) − 1) / stride) + 1. */
export function convOutputSize(input: number, kernel: number, stride: number, padBefore: number, padAfter: number, dilation: number): number {
  return Math.floor((input + padBefore + padAfter - dilation * (kernel - 1) - 1) / stride) + 1;
}

export interface ConvGeometry {
  words: Int32Array;
  outShape: [number, number, number, number];
}

/** Validates a convolution's arguments and computes its geometry block. */
export function convGeometry(op: string, x: Tensor, w: Tensor, b: Tensor | null | undefined, options: Conv2dOptions): ConvGeometry {
  checkOptions(op, options, ['stride', 'padding', 'dilation', 'groups', 'activation']);
  checkFloat(op, 'x', x, 4);
  checkFloat(op, 'w', w, 4);
  if (b !== null && b !== undefined) checkFloat(op, 'b', b, 1);
  sameDtype(op, { x, w, b });
  const [n, h, wd, c] = x.shape as [number, number, number, number];
  const [oc, kh, kw, cinG] = w.shape as [number, number, number, number];
  const groups = positiveInt(op, 'groups', options.groups ?? 1);
  const stride = pair(op, 'stride', options.stride ?? 1);
  const dilation = pair(op, 'dilation', options.dilation ?? 1);
  if (options.activation !== undefined && options.activation !== 'relu' && options.activation !== 'none') {
    fail(op, `activation must be 'relu' or 'none', got ${describe(options.activation)}`);
  }
  if (c % groups !== 0) fail(op, `the input's ${c} channels are not divisible by groups = ${groups}`);
  if (oc % groups !== 0) fail(op, `the filter's ${oc} output channels are not divisible by groups = ${groups}`);
  if (cinG !== c / groups) {
    fail(op, `w must have shape [outChannels, kh, kw, ${c / groups}] (OHWI; input channels ${c} / groups ${groups}), got ${formatShape(w.shape)}`);
  }
  if (b && b.size !== oc) fail(op, `b must have shape [${oc}] (one per output channel), got ${formatShape(b.shape)}`);
  if (kh < 1 || kw < 1) fail(op, `the kernel must be at least 1×1, got ${kh}×${kw}`);
  const pad = resolvePadding(op, options.padding ?? 0, [h, wd], [kh, kw], stride, dilation);
  const oh = convOutputSize(h, kh, stride[0], pad.top, pad.bottom, dilation[0]);
  const ow = convOutputSize(wd, kw, stride[1], pad.left, pad.right, dilation[1]);
  if (oh < 1 || ow < 1) {
    fail(op, `the input ${h}×${wd} with padding ${pad.top},${pad.bottom},${pad.left},${pad.right} is smaller than the ${kh}×${kw} kernel (dilation ${dilation.join('×')}): the output would be ${oh}×${ow}`);
  }
  const words = new Int32Array(CONV_WORDS);
  words[CONV_N] = n; words[CONV_H] = h; words[CONV_W] = wd; words[CONV_C] = c; words[CONV_OC] = oc;
  words[CONV_KH] = kh; words[CONV_KW] = kw; words[CONV_SH] = stride[0]; words[CONV_SW] = stride[1];
  words[CONV_PAD_T] = pad.top; words[CONV_PAD_L] = pad.left; words[CONV_DH] = dilation[0]; words[CONV_DW] = dilation[1];
  words[CONV_GROUPS] = groups; words[CONV_OH] = oh; words[CONV_OW] = ow;
  words[CONV_FLAGS] = options.activation === 'relu' ? CONV_FLAG_RELU : 0;
  return { words, outShape: [n, oh, ow, oc] };
}

/**
 * y = conv2d(x, w) + b. x: [N, H, W, C]; w: [outC, kh, kw, C / groups] (OHWI); b: [outC] or null.
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const { words, outShape } = convGeometry('conv2d', x, w, b, options);
  const dtype = x.dtype as FloatDtype;
  const k = kernels(dtype);
  const be = backend();
  const y = output(outShape, dtype, [x, w, b]);
  const packed = packedFilter(k, w, be.params(words), words[CONV_GROUPS]!);
  const forwardWords = words.slice();
  if (packed) forwardWords[CONV_FLAGS] = words[CONV_FLAGS]! | CONV_FLAG_PACKED;
  const scratch = be.scratch(conv2dScratchBytes('forward', forwardWords));
  k.conv2dForward(be.params(forwardWords), x.ptr, packed || w.ptr, b ? b.ptr : 0, y.ptr, scratch);
  const fusedRelu = options.activation === 'relu';
  const inputs = b ? [x, w, b] : [x, w];
  recordOp('conv2d', inputs, [y], ([dyIn], needs) => {
    let dy = dyIn!;
    if (fusedRelu) {
      const masked = scratchTensor(outShape, dtype);
      k.unaryBackward(UNARY_RELU, y.ptr, dy.ptr, masked.ptr, masked.size);
      dy = masked;
    }
    /** A gradient of `shape` if input i needs one, written by `run(gradientPtr)`. */
    const gradient = (i: number, shape: readonly number[], run: (ptr: number) => void): Tensor | undefined => {
      if (!needs[i]) return undefined;
      const g = scratchTensor(shape, dtype);
      run(g.ptr);
      return g;
    };
    const grads = [
      gradient(0, x.shape, (dx) => k.conv2dBackwardInput(be.params(words), dy.ptr, w.ptr, dx,
        be.scratch(conv2dScratchBytes('backwardInput', words)))),
      gradient(1, w.shape, (dw) => k.conv2dBackwardFilter(be.params(words), x.ptr, dy.ptr, dw,
        be.scratch(conv2dScratchBytes('backwardFilter', words)))),
      ...(b ? [gradient(2, b.shape, (db) => k.reduceSum(dy.ptr, db, 1, outShape[0] * outShape[1] * outShape[2], outShape[3]))] : []),
    ];
    if (dy !== dyIn) dy.dispose();
    return grads;
  });
  return y;
}
