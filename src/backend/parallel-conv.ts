/**
 * Splitting the three convolution kernels over threads by rewriting geometry blocks and pointers
 * (the kernels themselves are unchanged). Each split gives a task a part of the output that the
 * one-thread kernel computes with the same operations in the same order:
 *
 * - forward, by output rows: the rows [o0, o1) of image n are the same kernel on a sub-geometry
 *   N = 1, OH = o1 − o0, whose input starts at the first input row those windows read (H and the
 *   top padding adjusted). Every output pixel's sum runs over its taps in the same order, whether
 *   its window is read in place or im2col'd. Many images: ranges of whole images.
 *   A filter the ops keep packed (CONV_FLAG_PACKED) is shared by every task; one packed per call
 *   is packed by every task. Few pixels and many channels (late ResNet layers): ranges of output
 *   channels instead, each into a private block copied into place, so that each task streams its
 *   part of the filter only (the packed filter's panels of channels [o0, o1) start at o0·K floats,
 *   where the OHWI rows do).
 * - input gradient, by input rows: a task runs the output rows whose windows touch its input rows
 *   [h0, h1) on a sub-image of just those rows; taps that fall outside it are dropped (the kernel
 *   treats them as padding), the others are added in the same pixel order as in the whole kernel.
 *   Many images: ranges of whole images. Short images (late layers at batch 1): ranges of input
 *   channels (inputGradientByChannels below).
 * - filter gradient, when large, by the kernel's own parts (of whole images, or of one image's
 *   output rows: it sums each part separately and adds the parts in a fixed order, so splitting
 *   there keeps the bits);
 *   otherwise by kernel rows and output channels (convBackwardFilter below): dW[o, kh, :, :]
 *   depends only on output channel o and kernel row kh. Splitting the pixels of one sum would
 *   change the order of the sums.
 * Depthwise filter gradients stay on one thread (every tap re-reads the whole of dy and x).
 */
import {
  CONV_C, CONV_DH, CONV_DW, CONV_FLAG_ONE_PART, CONV_FLAG_PACKED, CONV_FLAGS, CONV_GROUPS, CONV_H, CONV_KH, CONV_KW, CONV_N, CONV_OC, CONV_OH, CONV_OW,
  CONV_PAD_L, CONV_PAD_T, CONV_SH, CONV_SW, CONV_W, CONV_WORDS,
} from './geometry.ts';
import { OutOfMemoryError } from './allocator.ts';
import { BINARY_ADD } from './kernels.ts';
import { conv2dScratchBytes, filterGradientPart, filterGradientParts, filterGradientRows, planarScratchFloats } from './scratch.ts';
import type { KernelCall } from './threads.ts';
import { bands, partCount, readWords, runJob, type Job, type SplitContext } from './parallel-job.ts';

/** Output channels go in multiples of the register tile's width. */
const NR = 8;
/** Pixels a row task should keep at least, so that a filter packed per task stays a small cost. */
const PIXELS_PER_TASK = 256;
/** Below this depth (taps × channels) a GEMM over one kernel row is too narrow to pay. */
const MIN_TAP_DEPTH = 32;

interface Conv {
  g: Int32Array;
  N: number; H: number; W: number; C: number; OC: number; KH: number; KW: number; SH: number;
  PT: number; PL: number; DH: number; DW: number; G: number; OH: number; OW: number;
  cinG: number; coutG: number;
  /** Taps per group: KH·KW·cinG. */
  K: number;
  /** Output pixels N·OH·OW. */
  M: number;
}

function conv(ctx: SplitContext, geom: number): Conv {
  const g = readWords(ctx, geom, CONV_WORDS);
  const C = g[CONV_C]!, OC = g[CONV_OC]!, G = g[CONV_GROUPS]!, KH = g[CONV_KH]!, KW = g[CONV_KW]!;
  const N = g[CONV_N]!, OH = g[CONV_OH]!, OW = g[CONV_OW]!;
  return {
    g, N, H: g[CONV_H]!, W: g[CONV_W]!, C, OC, KH, KW, SH: g[CONV_SH]!, PT: g[CONV_PAD_T]!, PL: g[CONV_PAD_L]!,
    DH: g[CONV_DH]!, DW: g[CONV_DW]!, G, OH, OW, cinG: C / G, coutG: OC / G, K: KH * KW * (C / G), M: N * OH * OW,
  };
}

const isDepthwise = (q: Conv) => q.C === q.G && q.OC === q.G;

/** Mirrors assembly/kernels/conv.ts: a 1×1 stride-1 unpadded conv whose output grid is its input's. */
function isPointwise(g: Int32Array): boolean {
  return g[CONV_KH] === 1 && g[CONV_KW] === 1 && g[CONV_SH] === 1 && g[CONV_SW] === 1 && g[CONV_PAD_T] === 0 &&
    g[CONV_PAD_L] === 0 && g[CONV_OH] === g[CONV_H] && g[CONV_OW] === g[CONV_W];
}

function withWords(g: Int32Array, changes: Record<number, number>): Int32Array {
  const sub = g.slice();
  for (const [word, value] of Object.entries(changes)) sub[Number(word)] = value;
  return sub;
}

/** Multiply-adds of the convolution (the same for all three kernels). */
const work = (q: Conv) => q.M * q.OC * q.K;

export function convForward(ctx: SplitContext, geom: number, x: number, w: number, bias: number, y: number, scratch: number): boolean {
  const q = conv(ctx, geom);
  if (work(q) < ctx.pool.minWork) return false;
  const threads = ctx.pool.threads;
  return runJob(ctx, (job) => {
    if (q.G === 1 && q.M < q.OC && q.OC >= 2 * NR) {
      // Output channels: the filter rows [o0, o1) are contiguous (OHWI), the outputs are not.
      const parts = partCount(threads, Math.floor(q.OC / NR), 8);
      for (const [o0, o1] of bands(q.OC, parts, NR)) {
        const width = o1 - o0, block = job.temp(q.M * width * 4);
        const sub = withWords(q.g, { [CONV_OC]: width });
        job.add([
          { kernel: 'conv2dForward', args: [0, x, w + o0 * q.K * 4, bias ? bias + o0 * 4 : 0, block, 0], geomArg: 0, scratchArg: 5 },
          { kernel: 'copy2d', args: [block, width, 0, y, q.OC, o0, q.M, width] },
        ], sub, conv2dScratchBytes('forward', sub));
      }
      return true;
    }
    const parts = partCount(threads, q.N * q.OH, Math.ceil(PIXELS_PER_TASK / q.OW));
    const inImage = q.H * q.W * q.C, outImage = q.OH * q.OW * q.OC;
    if (q.N >= parts) {
      for (const [n0, n1] of bands(q.N, parts)) {
        const sub = withWords(q.g, { [CONV_N]: n1 - n0 });
        addForward(job, sub, x + n0 * inImage * 4, w, bias, y + n0 * outImage * 4);
      }
      return true;
    }
    const perImage = Math.ceil(parts / q.N);
    const mayTurnPlanar = (q.g[CONV_FLAGS]! & CONV_FLAG_PACKED) === 0 && planarScratchFloats('forward', q.g) === undefined;
    for (let n = 0; n < q.N; n++) {
      for (const [o0, o1] of bands(q.OH, perImage)) {
        // Input rows the windows of output rows [o0, o1) read, clipped to the image.
        const top = Math.max(0, o0 * q.SH - q.PT);
        const bottom = Math.max(top, Math.min(q.H, (o1 - 1) * q.SH - q.PT + (q.KH - 1) * q.DH + 1));
        const sub = withWords(q.g, {
          [CONV_N]: 1, [CONV_H]: bottom - top, [CONV_PAD_T]: q.PT + top - o0 * q.SH, [CONV_OH]: o1 - o0,
        });
        // A band of an image too big for the planar kernels may fit them, and they sum in
        // another order: such a band runs whole instead (a packed filter never goes planar).
        if (mayTurnPlanar && planarScratchFloats('forward', sub) !== undefined) return false;
        addForward(job, sub, x + (n * inImage + top * q.W * q.C) * 4, w, bias, y + (n * outImage + o0 * q.OW * q.OC) * 4);
      }
    }
    return true;
  }, scratch, conv2dScratchBytes('forward', q.g));
}

function addForward(job: Job, sub: Int32Array, x: number, w: number, bias: number, y: number): void {
  job.add([{ kernel: 'conv2dForward', args: [0, x, w, bias, y, 0], geomArg: 0, scratchArg: 5 }], sub,
    conv2dScratchBytes('forward', sub));
}

export function convBackwardInput(ctx: SplitContext, geom: number, dy: number, w: number, dx: number, scratch: number): boolean {
  const q = conv(ctx, geom);
  if (work(q) < ctx.pool.minWork) return false;
  const threads = ctx.pool.threads;
  if (q.N < threads && q.G === 1 && q.C >= 2 * NR && threads * (q.KH - 1) * q.DH * 8 > q.H) {
    return inputGradientByChannels(ctx, q, dy, w, dx, scratch);
  }
  // A band of input rows recomputes the output rows that straddle its edges ((KH − 1)·DH input
  // rows' worth): bands of at least 16 times that keep the repeat under 1/16.
  const bandRows = Math.max(Math.ceil(PIXELS_PER_TASK / q.W), 16 * (q.KH - 1) * q.DH);
  const parts = partCount(threads, q.N * q.H, bandRows);
  const inImage = q.H * q.W * q.C, outImage = q.OH * q.OW * q.OC;
  const pointwise = isPointwise(q.g);
  return runJob(ctx, (job) => {
    const add = (sub: Int32Array, dyAt: number, dxAt: number) => job.add(
      [{ kernel: 'conv2dBackwardInput', args: [0, dyAt, w, dxAt, 0], geomArg: 0, scratchArg: 4 }], sub,
      conv2dScratchBytes('backwardInput', sub));
    if (q.N >= parts) {
      for (const [n0, n1] of bands(q.N, parts)) {
        add(withWords(q.g, { [CONV_N]: n1 - n0 }), dy + n0 * outImage * 4, dx + n0 * inImage * 4);
      }
      return true;
    }
    const perImage = Math.ceil(parts / q.N);
    for (let n = 0; n < q.N; n++) {
      for (const [h0, h1] of bands(q.H, perImage)) {
        // All output rows whose windows reach an input row in [h0, h1), starting no later than
        // the first window that begins at or above h0 (so the top padding stays ≥ 0).
        const firstReaching = Math.ceil((h0 + q.PT - (q.KH - 1) * q.DH) / q.SH);
        const o0 = Math.min(q.OH, Math.max(0, Math.min(firstReaching, Math.floor((h0 + q.PT) / q.SH))));
        const o1 = Math.max(o0, Math.min(q.OH, Math.floor((h1 - 1 + q.PT) / q.SH) + 1));
        const sub = withWords(q.g, {
          [CONV_N]: 1, [CONV_H]: h1 - h0, [CONV_PAD_T]: q.PT + h0 - o0 * q.SH, [CONV_OH]: o1 - o0,
        });
        // The kernel takes another path (no zeroing, a direct store) for pointwise geometries:
        // a band must not turn into one when the whole is not, or a −0 could become +0.
        if (isPointwise(sub) !== pointwise) return false;
        add(sub, dy + (n * outImage + o0 * q.OW * q.OC) * 4, dx + (n * inImage + h0 * q.W * q.C) * 4);
      }
    }
    return true;
  }, scratch, conv2dScratchBytes('backwardInput', q.g));
}

/**
 * The input gradient by ranges of input channels, for images too short for bands of rows (each
 * band would recompute a large share of the output rows that straddle its edges: a 7×7 image with
 * a 3×3 kernel, two bands, 9 of 7 rows). dx[..., c] depends on the filter's taps for channel c
 * alone: a task copies those taps out (the OHWI filter holds them C apart), runs the kernel on a
 * sub-geometry of `width` channels into a private block, and copies it into place. Every element
 * sums over the same output channels and output pixels in the same order as the whole.
 */
function inputGradientByChannels(ctx: SplitContext, q: Conv, dy: number, w: number, dx: number, scratch: number): boolean {
  return runJob(ctx, (job) => {
    const parts = partCount(ctx.pool.threads, Math.floor(q.C / NR), 1);
    const taps = q.OC * q.KH * q.KW, pixels = q.N * q.H * q.W;
    for (const [c0, c1] of bands(q.C, parts, NR)) {
      const width = c1 - c0;
      const sub = withWords(q.g, { [CONV_C]: width });
      const wPart = job.temp(taps * width * 4), dxPart = job.temp(pixels * width * 4);
      job.add([
        { kernel: 'copy2d', args: [w, q.C, c0, wPart, width, 0, taps, width] },
        { kernel: 'conv2dBackwardInput', args: [0, dy, wPart, dxPart, 0], geomArg: 0, scratchArg: 4 },
        { kernel: 'copy2d', args: [dxPart, width, 0, dx, q.C, c0, pixels, width] },
      ], sub, conv2dScratchBytes('backwardInput', sub));
    }
    return true;
  }, scratch, conv2dScratchBytes('backwardInput', q.g));
}

/**
 * The filter gradient by kernel rows: dW[:, kh, :, :] is the gradient of a 1×KW convolution with
 * the top padding shifted by kh·DH (negative below the top: the window starts inside the image),
 * computed into a private block and copied into place. Whole rows go to tasks as long as every
 * thread gets as many; the rows left over are split by output channels as well, so that two
 * threads on a 3×3 kernel each get one and a half rows. (Single taps would balance too, but every
 * tap task repacks its block of dy and runs a narrow GEMM: 40% more work on one thread here,
 * against 15% for rows and 34% for output channels alone.)
 * The pixel sums run in the kernel's blocks of filterGradientRows(K) pixels: rows are taken only
 * where that block is the same for a row's depth as for the whole filter.
 */
function rowsApply(q: Conv): boolean {
  const depth = q.KW * q.cinG;
  return q.KH >= 2 && depth >= MIN_TAP_DEPTH && filterGradientRows(depth) === filterGradientRows(q.K);
}

export function convBackwardFilter(ctx: SplitContext, geom: number, x: number, dy: number, dw: number, scratch: number): boolean {
  const q = conv(ctx, geom);
  if (work(q) < ctx.pool.minWork || isDepthwise(q) || q.M === 0) return false;
  const parts = filterGradientParts(q.g);
  if (parts > 1) return filterGradientByParts(ctx, q, parts, x, dy, dw, scratch);
  const threads = ctx.pool.threads;
  const channelParts = q.G === 1 ? Math.min(threads, Math.floor(q.OC / NR)) : 1;
  if (!rowsApply(q) && channelParts < 2) return false;
  return runJob(ctx, (job) => {
    if (!rowsApply(q)) {
      for (const [o0, o1] of bands(q.OC, channelParts, NR)) addFilterPart(job, q, x, dy, dw, 0, q.KH, o0, o1);
      return true;
    }
    const leftover = channelParts >= 2 ? q.KH % threads : 0;
    const whole = q.KH - leftover;
    for (let kh = 0; kh < whole; kh++) addFilterPart(job, q, x, dy, dw, kh, kh + 1, 0, q.OC);
    for (let kh = whole; kh < q.KH; kh++) {
      for (const [o0, o1] of bands(q.OC, channelParts, NR)) addFilterPart(job, q, x, dy, dw, kh, kh + 1, o0, o1);
    }
    return true;
  }, scratch, conv2dScratchBytes('backwardFilter', q.g));
}

/**
 * A large filter gradient the kernel sums in parts (of whole images, or of one image's output
 * rows) and adds in order (filterGradientParts, assembly/kernels/conv.ts): the parts run here as
 * tasks, each the kernel on its part with CONV_FLAG_ONE_PART into a partial block, and the calling
 * thread adds the blocks as the kernel does.
 */
function filterGradientByParts(ctx: SplitContext, q: Conv, parts: number, x: number, dy: number, dw: number,
  scratch: number): boolean {
  const size = q.OC * q.K;
  let partials: number;
  try {
    partials = ctx.allocator.alloc(parts * size * 4);
  } catch (error) {
    if (error instanceof OutOfMemoryError) return false;
    throw error;
  }
  try {
    const ran = runJob(ctx, (job) => {
      for (let i = 0; i < parts; i++) {
        const part = filterGradientPart(q.g, i, parts);
        job.add([{
          kernel: 'conv2dBackwardFilter', args: [0, x + part.x * 4, dy + part.dy * 4, partials + i * size * 4, 0],
          geomArg: 0, scratchArg: 4,
        }], part.words, conv2dScratchBytes('backwardFilter', part.words));
      }
      return true;
    }, scratch, conv2dScratchBytes('backwardFilter', q.g));
    if (!ran) return false;
    ctx.base.copy2d(partials, size, 0, dw, size, 0, 1, size);
    for (let i = 1; i < parts; i++) ctx.base.binary(BINARY_ADD, dw, partials + i * size * 4, dw, size);
    return true;
  } finally {
    ctx.allocator.free(partials);
  }
}

/**
 * A task computing dW[o0 .. o1, kh0 .. kh1, :, :]. A part of the channels reads the matching
 * columns of dy, copied out first (the kernel reads dy with a row stride of OC); a part of the
 * kernel rows writes a private block, copied into place after.
 */
function addFilterPart(job: Job, q: Conv, x: number, dy: number, dw: number, kh0: number, kh1: number, o0: number, o1: number): void {
  const width = o1 - o0, depth = (kh1 - kh0) * q.KW * q.cinG;
  // One run over the pixels, as the whole (whose filterGradientParts is 1 when this split runs).
  const sub = withWords(q.g, {
    [CONV_KH]: kh1 - kh0, [CONV_PAD_T]: q.PT - kh0 * q.DH, [CONV_OC]: width, [CONV_FLAGS]: q.g[CONV_FLAGS]! | CONV_FLAG_ONE_PART,
  });
  const calls: KernelCall[] = [];
  let dyPart = dy;
  if (width < q.OC) {
    dyPart = job.temp(q.M * width * 4);
    calls.push({ kernel: 'copy2d', args: [dy, q.OC, o0, dyPart, width, 0, q.M, width] });
  }
  if (depth === q.K) {
    calls.push({ kernel: 'conv2dBackwardFilter', args: [0, x, dyPart, dw + o0 * q.K * 4, 0], geomArg: 0, scratchArg: 4 });
  } else {
    const block = job.temp(width * depth * 4);
    calls.push(
      { kernel: 'conv2dBackwardFilter', args: [0, x, dyPart, block, 0], geomArg: 0, scratchArg: 4 },
      // dW viewed as [OC, K]: these rows' taps are `depth` contiguous floats of rows o0 .. o1.
      { kernel: 'copy2d', args: [block, depth, 0, dw, q.K, o0 * q.K + kh0 * q.KW * q.cinG, width, depth] },
    );
  }
  job.add(calls, sub, conv2dScratchBytes('backwardFilter', sub));
}
