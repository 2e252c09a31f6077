/**
 * The machinery every split shares: a job of tasks with its temporary blocks, running it on the
 * pool (or declining, so the caller runs the kernel whole), and cutting a range into parts.
 */
import { OutOfMemoryError, type Allocator } from './allocator.ts';
import type { HeapViews } from './heap.ts';
import type { Kernels } from './kernels.ts';
import { MAX_TASKS, type KernelCall, type Task, type ThreadPool } from './threads.ts';

export interface SplitContext {
  base: Kernels;
  pool: ThreadPool;
  heap: HeapViews;
  allocator: Allocator;
}

/**
 * Kernels that move memory more than they compute (elementwise, pooling) split from
 * pool.minWork / MEMORY_BOUND_DIVISOR elements or window taps (65,536 by default: some 15 µs of
 * memory traffic, against a few µs to hand a part to a worker that is still polling).
 */
export const MEMORY_BOUND_DIVISOR = 16;

/**
 * The tasks of one split kernel call and the temporary blocks they write (freed after the run).
 * `scratchBytes` is the most scratch any task needs.
 */
export class Job {
  readonly tasks: Task[] = [];
  readonly temps: number[] = [];
  scratchBytes = 0;

  constructor(private readonly allocator: Allocator) {}

  /** A temporary block of `bytes` (freed when the job ends). */
  temp(bytes: number): number {
    const ptr = this.allocator.alloc(bytes);
    this.temps.push(ptr);
    return ptr;
  }

  add(calls: KernelCall[], geometry?: ArrayLike<number>, scratchBytes = 0): void {
    this.tasks.push(geometry ? { geometry, calls } : { calls });
    this.scratchBytes = Math.max(this.scratchBytes, scratchBytes);
  }

  release(): void {
    for (const ptr of this.temps.splice(0)) this.allocator.free(ptr);
  }
}

/**
 * Builds a job and runs it on the pool. Returns false, having run nothing, when the job came out
 * as a single task or its temporary memory could not be had: the caller then runs the kernel
 * whole on its own thread (same result, just slower).
 */
export function runJob(ctx: SplitContext, build: (job: Job) => boolean, mainScratch: number, mainScratchBytes: number): boolean {
  const job = new Job(ctx.allocator);
  try {
    if (!build(job) || job.tasks.length < 2 || job.tasks.length > MAX_TASKS) return false;
    ctx.pool.reserveScratch(job.scratchBytes);
    // The caller's scratch is sized for the whole kernel, which every split fits in; if not, the
    // main thread takes a block of its own rather than overrun it.
    const scratch = job.scratchBytes <= mainScratchBytes ? mainScratch : job.temp(job.scratchBytes);
    ctx.pool.run(job.tasks, scratch);
    return true;
  } catch (error) {
    // Memory is only taken before the run, so nothing ran yet: fall back to one thread.
    if (error instanceof OutOfMemoryError) return false;
    throw error;
  } finally {
    job.release();
  }
}

/**
 * [start, end) ranges covering [0, total) in `parts` nearly equal pieces whose inner boundaries
 * are multiples of `align`. Empty pieces are dropped.
 */
export function bands(total: number, parts: number, align = 1): [number, number][] {
  const units = Math.ceil(total / align);
  const out: [number, number][] = [];
  for (let i = 0; i < parts; i++) {
    const start = Math.min(total, Math.floor((i * units) / parts) * align);
    const end = Math.min(total, Math.floor(((i + 1) * units) / parts) * align);
    if (end > start) out.push([start, end]);
  }
  return out;
}

/**
 * How many tasks to cut `units` indivisible units into: one per thread when there are enough
 * units, more (up to 4 per thread, so a thread slowed by other work on its core takes fewer) while
 * each task keeps `preferredPerTask` units, which bounds what every task repeats (packing the
 * other operand, the filter, halo rows). A multiple of the thread count, so that on idle cores
 * every thread gets as many equal tasks.
 */
export function partCount(threads: number, units: number, preferredPerTask: number): number {
  if (units < threads) return units;
  const parts = Math.min(4 * threads, units, Math.max(threads, Math.floor(units / preferredPerTask)));
  return parts - (parts % threads);
}

/** A copy of the geometry block at `geom` (the caller wrote it for the whole kernel). */
export function readWords(ctx: SplitContext, geom: number, words: number): Int32Array {
  return ctx.heap.i32.slice(geom >> 2, (geom >> 2) + words);
}
