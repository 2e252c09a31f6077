/**
 * Splitting the pooling kernels over threads by rewriting geometry blocks and pointers.
 *
 * - Forward (max, average, power-average): output rows. Rows [o0, o1) of image n are the same
 *   kernel on a sub-geometry N = 1, OH = o1 − o0 whose top padding is PT − o0·SH: the windows are
 *   the same windows of the same image (the padding may become negative: the first window starts
 *   inside the image), so argmax indices stay relative to the whole image, as the backward needs.
 *   Many images: ranges of whole images.
 * - Adaptive average pooling (its windows depend on OH) and every backward (it zeroes whole images
 *   and windows scatter into rows their neighbours share): ranges of whole images.
 */
import {
  POOL_C, POOL_H, POOL_KH, POOL_KW, POOL_N, POOL_OH, POOL_OW, POOL_PAD_T, POOL_SH, POOL_W, POOL_WORDS,
} from './geometry.ts';
import type { KernelCall } from './threads.ts';
import { bands, MEMORY_BOUND_DIVISOR, partCount, readWords, runJob, type SplitContext } from './parallel-job.ts';

export type PoolKernel = 'maxPool2dForward' | 'maxPool2dBackward' | 'avgPool2dForward' | 'avgPool2dBackward' |
  'lpPool2dForward' | 'lpPool2dBackward' | 'adaptiveAvgPool2dForward' | 'adaptiveAvgPool2dBackward';

/** For each pointer argument (after geom, and p for LP pooling): an input image ('in', H·W·C
 *  floats) or an output image ('out', OH·OW·C floats, also argmax's int32s). */
const LAYOUT: Record<PoolKernel, ('in' | 'out')[]> = {
  maxPool2dForward: ['in', 'out', 'out'],
  maxPool2dBackward: ['out', 'out', 'in'],
  avgPool2dForward: ['in', 'out'],
  avgPool2dBackward: ['out', 'in'],
  lpPool2dForward: ['in', 'out'],
  lpPool2dBackward: ['in', 'out', 'out', 'in'],
  adaptiveAvgPool2dForward: ['in', 'out'],
  adaptiveAvgPool2dBackward: ['out', 'in'],
};

const isLp = (kernel: PoolKernel) => kernel.startsWith('lp');
const isAdaptive = (kernel: PoolKernel) => kernel.startsWith('adaptive');

function call(kernel: PoolKernel, ptrs: number[], p: number): KernelCall {
  return { kernel, args: isLp(kernel) ? [0, p, ...ptrs] : [0, ...ptrs], geomArg: 0 };
}

/** Window taps the kernel visits (its cost; adaptive windows tile the image). */
function work(kernel: PoolKernel, g: Int32Array): number {
  const n = g[POOL_N]!, c = g[POOL_C]!;
  if (isAdaptive(kernel)) return n * g[POOL_H]! * g[POOL_W]! * c;
  return n * g[POOL_OH]! * g[POOL_OW]! * c * g[POOL_KH]! * g[POOL_KW]!;
}

/** Moves each pointer (0 stays 0: an absent argmax) by `inOffset` / `outOffset` elements. */
function shifted(kernel: PoolKernel, ptrs: number[], inOffset: number, outOffset: number): number[] {
  return ptrs.map((ptr, i) => (ptr === 0 ? 0 : ptr + (LAYOUT[kernel][i] === 'in' ? inOffset : outOffset) * 4));
}

/** Ranges of whole images. */
function imageTasks(ctx: SplitContext, kernel: PoolKernel, g: Int32Array, ptrs: number[], p: number): boolean {
  const n = g[POOL_N]!;
  const inImage = g[POOL_H]! * g[POOL_W]! * g[POOL_C]!, outImage = g[POOL_OH]! * g[POOL_OW]! * g[POOL_C]!;
  return runJob(ctx, (job) => {
    for (const [n0, n1] of bands(n, partCount(ctx.pool.threads, n, 1))) {
      const sub = g.slice();
      sub[POOL_N] = n1 - n0;
      job.add([call(kernel, shifted(kernel, ptrs, n0 * inImage, n0 * outImage), p)], sub);
    }
    return true;
  }, 0, 0);
}

export function poolForward(ctx: SplitContext, kernel: PoolKernel, geom: number, ptrs: number[], p: number): boolean {
  const g = readWords(ctx, geom, POOL_WORDS);
  if (work(kernel, g) < ctx.pool.minWork / MEMORY_BOUND_DIVISOR) return false;
  const N = g[POOL_N]!, OH = g[POOL_OH]!;
  const parts = partCount(ctx.pool.threads, N * OH, 1);
  if (isAdaptive(kernel) || N >= parts) return imageTasks(ctx, kernel, g, ptrs, p);
  const inImage = g[POOL_H]! * g[POOL_W]! * g[POOL_C]!, outRow = g[POOL_OW]! * g[POOL_C]!;
  return runJob(ctx, (job) => {
    for (let n = 0; n < N; n++) {
      for (const [o0, o1] of bands(OH, Math.ceil(parts / N))) {
        const sub = g.slice();
        sub[POOL_N] = 1;
        sub[POOL_OH] = o1 - o0;
        sub[POOL_PAD_T] = g[POOL_PAD_T]! - o0 * g[POOL_SH]!;
        job.add([call(kernel, shifted(kernel, ptrs, n * inImage, (n * OH + o0) * outRow), p)], sub);
      }
    }
    return true;
  }, 0, 0);
}

export function poolBackward(ctx: SplitContext, kernel: PoolKernel, geom: number, ptrs: number[], p: number): boolean {
  const g = readWords(ctx, geom, POOL_WORDS);
  if (work(kernel, g) < ctx.pool.minWork / MEMORY_BOUND_DIVISOR || g[POOL_N]! < 2) return false;
  return imageTasks(ctx, kernel, g, ptrs, p);
}
