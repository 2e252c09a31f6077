/**
 * The kernels of a threaded backend: the same contract (kernels.ts) as the single-thread wasm
 * exports, with the large kernels split into tasks that run on the thread pool. Ops above see no
 * difference, and neither do results: every split below hands each task a part of the output that
 * the one-thread kernel would compute in exactly the same order of operations, so the bits do not
 * depend on the number of threads (tests/threads/ checks it for 1, 2, 3 and 4 threads).
 *
 * How a kernel is split, from TypeScript alone (the kernels learn nothing new):
 * - gemm: rows of C (multiples of the 6-row register tile), or columns (multiples of 8) when C is
 *   wider than tall. Each output element's k-order is the same whatever the block.
 * - elementwise (binary, unary, unaryBackward, affine): ranges of 64 elements.
 * - convolutions and pooling: see parallel-conv.ts and parallel-pool.ts.
 * Below `pool.minWork` multiply-adds (or window taps) a kernel runs on the calling thread alone:
 * waking a sleeping worker costs tens of microseconds (workers poll for a millisecond after a job
 * before they sleep, so a model's next kernel usually finds them awake).
 */
import type { Kernels } from './kernels.ts';
import { gemmScratchBytes } from './scratch.ts';
import type { KernelCall } from './threads.ts';
import { bands, MEMORY_BOUND_DIVISOR, partCount, runJob, type SplitContext } from './parallel-job.ts';
import { convForward, convBackwardInput, convBackwardFilter } from './parallel-conv.ts';
import { poolForward, poolBackward, type PoolKernel } from './parallel-pool.ts';

/** Mirrors the register tile of assembly/kernels/conv-gemm-core.ts. */
const MR = 6, NR = 8;
/** Mirrors assembly/kernels/gemm.ts: up to this many rows times a transposed B take another path. */
const FEW_ROWS = 4;
/** Elementwise ranges start on multiples of this many elements (whole SIMD steps). */
const ELEMENT_ALIGN = 64;

function splitGemm(ctx: SplitContext, transA: number, transB: number, m: number, n: number, k: number, alpha: number,
  a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, scratch: number): boolean {
  if (m * n * k < ctx.pool.minWork) return false;
  const threads = ctx.pool.threads;
  const call = (mm: number, nn: number, aa: number, bb: number, cc: number): KernelCall => ({
    kernel: 'gemm', args: [transA, transB, mm, nn, k, alpha, aa, lda, bb, ldb, beta, cc, ldc, 0], scratchArg: 13,
  });
  return runJob(ctx, (job) => {
    if (m >= n) {
      // Rows of C: rows of A (columns when A is transposed); each task packs all of B once.
      const parts = partCount(threads, Math.ceil(m / MR), 8);
      const rowBands = bands(m, parts, MR);
      // A band of few rows would take the few-rows path, which sums in another order.
      const fewRows = (rows: number) => transB && !transA && rows <= FEW_ROWS;
      if (!fewRows(m) && rowBands.some(([i0, i1]) => fewRows(i1 - i0))) return false;
      for (const [i0, i1] of rowBands) {
        const aa = transA ? a + i0 * 4 : a + i0 * lda * 4;
        job.add([call(i1 - i0, n, aa, b, c + i0 * ldc * 4)], undefined, gemmScratchBytes(transA, transB, i1 - i0, n, k));
      }
    } else {
      const parts = partCount(threads, Math.ceil(n / NR), 8);
      for (const [j0, j1] of bands(n, parts, NR)) {
        const bb = transB ? b + j0 * ldb * 4 : b + j0 * 4;
        job.add([call(m, j1 - j0, a, bb, c + j0 * 4)], undefined, gemmScratchBytes(transA, transB, m, j1 - j0, k));
      }
    }
    return true;
  }, scratch, gemmScratchBytes(transA, transB, m, n, k));
}

/** An elementwise kernel over n elements: `range(start, count)` gives the call for a range. */
function splitElements(ctx: SplitContext, n: number, range: (start: number, count: number) => KernelCall): boolean {
  if (n < Math.max(ctx.pool.minWork / MEMORY_BOUND_DIVISOR, ELEMENT_ALIGN * 2)) return false;
  return runJob(ctx, (job) => {
    const parts = partCount(ctx.pool.threads, Math.ceil(n / ELEMENT_ALIGN), 1024);
    for (const [s, e] of bands(n, parts, ELEMENT_ALIGN)) job.add([range(s, e - s)]);
    return true;
  }, 0, 0);
}

/** A kernel over independent rows of `width` elements: `range(startRow, rowCount)` gives the call for a band. */
function splitRows(ctx: SplitContext, rows: number, width: number, range: (start: number, count: number) => KernelCall): boolean {
  if (rows < 2 || rows * width < Math.max(ctx.pool.minWork / MEMORY_BOUND_DIVISOR, ELEMENT_ALIGN * 2)) return false;
  return runJob(ctx, (job) => {
    for (const [s, e] of bands(rows, partCount(ctx.pool.threads, rows, 64))) job.add([range(s, e - s)]);
    return true;
  }, 0, 0);
}

/** The threaded kernels: the base kernels, with the big ones split over the pool while it runs. */
export function parallelKernels(ctx: SplitContext): Kernels {
  const { base, pool } = ctx;
  /** Runs a split if the pool runs and the split applies; counts it (tests and benchmarks read it). */
  const split = (name: keyof Kernels, attempt: () => boolean): boolean => {
    if (!pool.active || !attempt()) return false;
    pool.noteSplit(name);
    return true;
  };
  const pooling = (kernel: PoolKernel, geom: number, args: number[], p = 0) => split(kernel, () =>
    kernel.endsWith('Backward') ? poolBackward(ctx, kernel, geom, args, p) : poolForward(ctx, kernel, geom, args, p));
  const elements = (name: 'binary' | 'unary' | 'unaryBackward' | 'affine', n: number,
    range: (start: number, count: number) => number[]) =>
    split(name, () => splitElements(ctx, n, (s, c) => ({ kernel: name, args: range(s, c) })));
  return {
    ...base,
    gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch) {
      if (!split('gemm', () => splitGemm(ctx, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch))) {
        base.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch);
      }
    },
    conv2dForward(geom, x, w, bias, y, scratch) {
      if (!split('conv2dForward', () => convForward(ctx, geom, x, w, bias, y, scratch))) base.conv2dForward(geom, x, w, bias, y, scratch);
    },
    conv2dBackwardInput(geom, dy, w, dx, scratch) {
      if (!split('conv2dBackwardInput', () => convBackwardInput(ctx, geom, dy, w, dx, scratch))) {
        base.conv2dBackwardInput(geom, dy, w, dx, scratch);
      }
    },
    conv2dBackwardFilter(geom, x, dy, dw, scratch) {
      if (!split('conv2dBackwardFilter', () => convBackwardFilter(ctx, geom, x, dy, dw, scratch))) {
        base.conv2dBackwardFilter(geom, x, dy, dw, scratch);
      }
    },
    maxPool2dForward(geom, x, y, argmax) {
      if (!pooling('maxPool2dForward', geom, [x, y, argmax])) base.maxPool2dForward(geom, x, y, argmax);
    },
    maxPool2dBackward(geom, dy, argmax, dx) {
      if (!pooling('maxPool2dBackward', geom, [dy, argmax, dx])) base.maxPool2dBackward(geom, dy, argmax, dx);
    },
    avgPool2dForward(geom, x, y) {
      if (!pooling('avgPool2dForward', geom, [x, y])) base.avgPool2dForward(geom, x, y);
    },
    avgPool2dBackward(geom, dy, dx) {
      if (!pooling('avgPool2dBackward', geom, [dy, dx])) base.avgPool2dBackward(geom, dy, dx);
    },
    lpPool2dForward(geom, p, x, y) {
      if (!pooling('lpPool2dForward', geom, [x, y], p)) base.lpPool2dForward(geom, p, x, y);
    },
    lpPool2dBackward(geom, p, x, y, dy, dx) {
      if (!pooling('lpPool2dBackward', geom, [x, y, dy, dx], p)) base.lpPool2dBackward(geom, p, x, y, dy, dx);
    },
    adaptiveAvgPool2dForward(geom, x, y) {
      if (!pooling('adaptiveAvgPool2dForward', geom, [x, y])) base.adaptiveAvgPool2dForward(geom, x, y);
    },
    adaptiveAvgPool2dBackward(geom, dy, dx) {
      if (!pooling('adaptiveAvgPool2dBackward', geom, [dy, dx])) base.adaptiveAvgPool2dBackward(geom, dy, dx);
    },
    binary(op, a, b, y, n) {
      if (!elements('binary', n, (s, c) => [op, a + s * 4, b + s * 4, y + s * 4, c])) base.binary(op, a, b, y, n);
    },
    unary(op, x, y, n) {
      if (!elements('unary', n, (s, c) => [op, x + s * 4, y + s * 4, c])) base.unary(op, x, y, n);
    },
    unaryBackward(op, saved, dy, dx, n) {
      // saved may be 0 where the op does not read it.
      if (!elements('unaryBackward', n, (s, c) => [op, saved ? saved + s * 4 : 0, dy + s * 4, dx + s * 4, c])) {
        base.unaryBackward(op, saved, dy, dx, n);
      }
    },
    batchNormForward(x, mean, invStd, gamma, beta, y, rows, channels) {
      // Rows are independent (per-channel constants): bands of rows give the one-thread bits.
      if (!split('batchNormForward', () => splitRows(ctx, rows, channels, (s, c) => ({
        kernel: 'batchNormForward', args: [x + s * channels * 4, mean, invStd, gamma, beta, y + s * channels * 4, c, channels],
      })))) base.batchNormForward(x, mean, invStd, gamma, beta, y, rows, channels);
    },
    addRowVector(x, b, y, rows, cols) {
      if (!split('addRowVector', () => splitRows(ctx, rows, cols, (s, c) => ({
        kernel: 'addRowVector', args: [x + s * cols * 4, b, y + s * cols * 4, c, cols],
      })))) base.addRowVector(x, b, y, rows, cols);
    },
    affine(x, alpha, beta, y, n) {
      if (!elements('affine', n, (s, c) => [x + s * 4, alpha, beta, y + s * 4, c])) base.affine(x, alpha, beta, y, n);
    },
  };
}
