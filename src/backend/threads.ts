/**
 * A pool of kernel threads over one shared WebAssembly.Memory (DESIGN.md: "the same module run on
 * several threads over one shared memory").
 *
 * Every worker instantiates the compiled kernels on the same memory; the main thread publishes a
 * job (a list of tasks, see thread-tasks.js) in a control block in that memory, wakes the workers
 * with Atomics.notify, claims tasks itself like any worker, and waits until all are done. Nothing
 * travels by message after start-up, so a job costs a wake-up, not a structured clone.
 *
 * Hosts:
 * - Node: worker_threads, imported only here and only when threads are asked for (the core never
 *   imports a node: module statically). Workers are unref'd, so a process exits when its work is
 *   done without calling shutdown().
 * - Browsers, Deno, bundlers: a module Worker, `new Worker(new URL('./worker.js', import.meta.url),
 *   { type: 'module' })`, which bundlers recognise and emit; `workerUrl` overrides the location.
 *   The page must be cross-origin isolated (COOP same-origin + COEP require-corp), otherwise the
 *   memory cannot be posted and init() falls back to one thread.
 * - A browser's main thread may not Atomics.wait. There the main thread spins on Atomics.load
 *   for the tail of each job instead: it runs tasks itself until none is left, so it only spins
 *   while the last tasks of the other threads finish. (Inside a Worker it waits normally.)
 */
import type { Allocator } from './allocator.ts';
import {
  CALL_WORDS, CLAIM, CONTROL_WORDS, COUNT, DONE, EPOCH, FAILED, MAX_ARGS, MAX_TASKS, MAX_THREADS, SCRATCH, STOP,
  TASK_WORDS, CALLS_PER_TASK, runTasks, spinWhile, type KernelFunction,
} from './thread-tasks.js';
import type { Kernels } from './kernels.ts';

/** The kernels a task may call; their order is the kernel index in the task table. */
export const THREAD_KERNELS = [
  'gemm', 'conv2dForward', 'conv2dBackwardInput', 'conv2dBackwardFilter',
  'maxPool2dForward', 'maxPool2dBackward', 'avgPool2dForward', 'avgPool2dBackward',
  'lpPool2dForward', 'lpPool2dBackward', 'adaptiveAvgPool2dForward', 'adaptiveAvgPool2dBackward',
  'copy2d', 'binary', 'unary', 'unaryBackward', 'affine', 'batchNormForward', 'addRowVector',
] as const satisfies readonly (keyof Kernels)[];
export type ThreadKernel = typeof THREAD_KERNELS[number];

export interface KernelCall {
  kernel: ThreadKernel;
  args: number[];
  /** Index of the argument that receives the running thread's scratch region. */
  scratchArg?: number;
  /** Index of the argument that receives the address of the task's geometry block. */
  geomArg?: number;
}

export interface Task {
  /** A geometry block (int32 words) the calls read; each task has its own. */
  geometry?: ArrayLike<number>;
  calls: KernelCall[];
}

export { MAX_TASKS, MAX_THREADS };

/** Words of the per-task geometry slot (the longest geometry block is 19 words). */
const GEOMETRY_WORDS = 32;
const START_TIMEOUT_MS = 30_000;

export interface ThreadPoolOptions {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Threads in all, the main thread included (2 .. MAX_THREADS). */
  threads: number;
  /** The main thread's instance of the kernels. */
  kernels: Kernels;
  allocator: Allocator;
  /** Where the worker script is served, if not next to this module. */
  workerUrl?: string | URL;
}

/** What the host's worker object must offer. */
export interface HostWorker {
  terminate(): unknown;
}

export class ThreadPool {
  /** Smallest kernel (multiply-adds, or window taps for pooling) worth splitting. */
  minWork = 1 << 20;
  /** Kernel calls that ran split, by kernel, and tasks run by the main thread and in all. */
  readonly stats = { splits: {} as Partial<Record<keyof Kernels, number>>, tasks: 0, tasksOnMain: 0 };
  private readonly ctrl: Int32Array;
  private readonly table: Float64Array;
  private readonly controlPtr: number;
  private readonly tablePtr: number;
  private readonly geometryPtr: number;
  private readonly mainKernels: KernelFunction[];
  /** Scratch of slots 1 .. threads−1 (slot 0, the main thread, gets its scratch per job). */
  private readonly scratch: { ptr: number; bytes: number }[] = [];
  private workers: HostWorker[] = [];
  private epoch = 0;
  private readonly canBlock = mainThreadCanBlock();
  private stopped = false;

  private constructor(readonly threads: number, private readonly memory: WebAssembly.Memory,
    private readonly allocator: Allocator, kernels: Kernels) {
    this.controlPtr = allocator.alloc(CONTROL_WORDS * 4);
    this.tablePtr = allocator.alloc(MAX_TASKS * TASK_WORDS * 8);
    this.geometryPtr = allocator.alloc(MAX_TASKS * GEOMETRY_WORDS * 4);
    this.ctrl = new Int32Array(memory.buffer, this.controlPtr, CONTROL_WORDS);
    this.table = new Float64Array(memory.buffer, this.tablePtr, MAX_TASKS * TASK_WORDS);
    this.ctrl.fill(0);
    const byName = kernels as unknown as Record<string, KernelFunction>;
    this.mainKernels = THREAD_KERNELS.map((name) => byName[name]!);
  }

  /** Starts threads − 1 workers and resolves once every one has instantiated the kernels. */
  static async start(options: ThreadPoolOptions): Promise<ThreadPool> {
    const pool = new ThreadPool(options.threads, options.memory, options.allocator, options.kernels);
    const started: Promise<HostWorker>[] = [];
    for (let slot = 1; slot < options.threads; slot++) {
      started.push(spawnWorker(options.workerUrl, {
        module: options.module, memory: options.memory, control: pool.controlPtr, table: pool.tablePtr,
        slot, kernels: [...THREAD_KERNELS],
      }));
    }
    const results = await Promise.allSettled(started);
    pool.workers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await pool.stop();
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
    return pool;
  }

  get active(): boolean {
    return !this.stopped;
  }

  /** Bytes the pool holds in the linear memory (control block, task table, worker scratch). */
  get reservedBytes(): number {
    let bytes = 0;
    for (const ptr of [this.controlPtr, this.tablePtr, this.geometryPtr]) bytes += this.allocator.sizeOf(ptr) ?? 0;
    for (const s of this.scratch) bytes += this.allocator.sizeOf(s.ptr) ?? 0;
    return bytes;
  }

  /**
   * Makes sure every worker slot has `bytes` of scratch. Call before building a job: it may grow
   * the memory (and throw OutOfMemoryError), which must not happen while workers run.
   */
  reserveScratch(bytes: number): void {
    for (let slot = 1; slot < this.threads; slot++) {
      const have = this.scratch[slot - 1];
      if (have && have.bytes >= bytes) continue;
      const size = Math.max(bytes, Math.ceil((have?.bytes ?? 0) * 1.5), 16);
      const ptr = this.allocator.alloc(size);
      if (have) this.allocator.free(have.ptr);
      this.scratch[slot - 1] = { ptr, bytes: size };
      Atomics.store(this.ctrl, SCRATCH + slot, ptr | 0);
    }
  }

  /**
   * Runs the tasks on all threads and returns when every one is done. `mainScratch` is the main
   * thread's scratch region; the workers use theirs (reserveScratch first).
   */
  run(tasks: readonly Task[], mainScratch: number): void {
    if (this.stopped) throw new Error('simdnet: the thread pool was shut down');
    if (tasks.length > MAX_TASKS) throw new Error(`simdnet: a job of ${tasks.length} tasks is longer than ${MAX_TASKS}`);
    const ctrl = this.ctrl;
    const tag = (++this.epoch & 0x7fff) << 16;
    // Close the claim word first (index 0xffff ≥ any count), so no thread can claim while the
    // table is rewritten; publish by opening it at index 0.
    Atomics.store(ctrl, CLAIM, tag | 0xffff);
    Atomics.store(ctrl, COUNT, tasks.length);
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, FAILED, 0);
    Atomics.store(ctrl, SCRATCH, mainScratch | 0);
    tasks.forEach((task, i) => this.writeTask(task, i));
    Atomics.store(ctrl, CLAIM, tag);
    Atomics.add(ctrl, EPOCH, 1);
    Atomics.notify(ctrl, EPOCH);
    this.stats.tasks += tasks.length;
    this.stats.tasksOnMain += runTasks(this.mainKernels, ctrl, this.table, 0);
    for (let done = Atomics.load(ctrl, DONE); done < tasks.length; done = Atomics.load(ctrl, DONE)) {
      if (this.canBlock && !spinWhile(ctrl, DONE, done)) Atomics.wait(ctrl, DONE, done);
    }
    const failed = Atomics.load(ctrl, FAILED);
    if (failed > 0) throw new Error(`simdnet: ${failed} of ${tasks.length} kernel tasks failed on the thread pool (a wasm trap)`);
  }

  noteSplit(kernel: keyof Kernels): void {
    this.stats.splits[kernel] = (this.stats.splits[kernel] ?? 0) + 1;
  }

  private writeTask(task: Task, index: number): void {
    const geometry = this.geometryPtr + index * GEOMETRY_WORDS * 4;
    if (task.geometry) {
      if (task.geometry.length > GEOMETRY_WORDS) throw new Error('simdnet: a task geometry block is too long');
      new Int32Array(this.memory.buffer, geometry, task.geometry.length).set(task.geometry);
    }
    if (task.calls.length < 1 || task.calls.length > CALLS_PER_TASK) throw new Error(`simdnet: a task has 1 to ${CALLS_PER_TASK} calls`);
    const base = index * TASK_WORDS;
    for (let c = 0; c < CALLS_PER_TASK; c++) {
      const at = base + c * CALL_WORDS, call = task.calls[c];
      if (!call) { this.table[at] = -1; continue; }
      if (call.args.length > MAX_ARGS) throw new Error(`simdnet: ${call.kernel} with ${call.args.length} arguments`);
      this.table[at] = THREAD_KERNELS.indexOf(call.kernel);
      this.table[at + 1] = call.scratchArg ?? -1;
      this.table[at + 2] = call.args.length;
      for (let i = 0; i < call.args.length; i++) this.table[at + 3 + i] = i === call.geomArg ? geometry : call.args[i]!;
    }
  }

  /** Stops the workers and frees the pool's blocks (a second call does nothing). The memory and
   *  every tensor stay valid; kernels then run on the main thread alone. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, EPOCH, 1);
    Atomics.notify(this.ctrl, EPOCH);
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
    // No worker runs any more: the control block, the task table and the scratch can go.
    for (const s of this.scratch.splice(0)) this.allocator.free(s.ptr);
    for (const ptr of [this.controlPtr, this.tablePtr, this.geometryPtr]) this.allocator.free(ptr);
  }
}

export interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  table: number;
  slot: number;
  kernels: string[];
}

/** Can this thread block in Atomics.wait? Not a browser's main thread. */
function mainThreadCanBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** What threadsUnavailable() looks at: the global scope, or a stand-in for tests. */
export interface ThreadHost {
  SharedArrayBuffer?: unknown;
  Atomics?: unknown;
  crossOriginIsolated?: boolean;
  Worker?: unknown;
}

/** Why threads cannot run here, or undefined when they can. */
export function threadsUnavailable(host: ThreadHost = globalThis as ThreadHost): string | undefined {
  if (typeof host.SharedArrayBuffer !== 'function' || typeof host.Atomics !== 'object') {
    return 'SharedArrayBuffer is unavailable (a browser page must be cross-origin isolated: serve it with ' +
      "'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp')";
  }
  if (host.crossOriginIsolated === false) {
    return "the page is not cross-origin isolated (serve it with 'Cross-Origin-Opener-Policy: same-origin' " +
      "and 'Cross-Origin-Embedder-Policy: require-corp')";
  }
  if (!spawner) return "thread support is not loaded: import 'simdnet/threads' before init({ threads })";
  if (typeof host.Worker !== 'function' && spawnerNeedsWorkerGlobal) return 'this runtime has no Worker';
  return undefined;
}

/**
 * How this runtime starts a kernel thread. The core knows none: the `simdnet/threads` entry files
 * register one (worker_threads in Node, module Workers elsewhere), so the core carries no
 * Node-only API, no dynamic import and no import.meta.
 */
export type WorkerSpawner = (data: WorkerData, url: string | URL | undefined) => Promise<HostWorker>;

let spawner: WorkerSpawner | undefined;
/** Whether the registered spawner needs a global Worker (module Workers do; worker_threads does not). */
let spawnerNeedsWorkerGlobal = true;

export function registerWorkerSpawner(spawn: WorkerSpawner, options: { needsWorkerGlobal: boolean }): void {
  spawner = spawn;
  spawnerNeedsWorkerGlobal = options.needsWorkerGlobal;
}

function spawnWorker(url: string | URL | undefined, data: WorkerData): Promise<HostWorker> {
  if (!spawner) throw new Error("thread support is not loaded: import 'simdnet/threads' before init({ threads })");
  return spawner(data, url);
}

export async function withTimeout(promise: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`a kernel thread did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
