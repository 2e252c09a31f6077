/**
 * A backend: one linear memory, its allocator, and the kernels that run on it — the wasm module's
 * exports or their pure-JS twins. Everything above (tensors, ops) sees only this object.
 */
import { Allocator, ArrayBufferMemory, OutOfMemoryError, type GrowableMemory } from './allocator.ts';
import { HeapViews } from './heap.ts';
import type { Kernels } from './kernels.ts';
import { createJsKernels } from './js/index.ts';
import { compileKernels, instantiateKernels, relaxedSimdSupported, type WasmSource } from './wasm.ts';
import { MAX_THREADS } from './thread-tasks.js';
import type { ThreadPool } from './threads.ts';

export type BackendName = 'wasm' | 'js';
export type FloatDtype = 'float32' | 'float64';
export type Dtype = FloatDtype | 'int32';

export const BYTES_PER_ELEMENT: Record<Dtype, number> = { float32: 4, float64: 8, int32: 4 };

const PAGE = 65536;
/** Geometry blocks are written here before a kernel call; they are never larger than this. */
const PARAMS_WORDS = 64;
const DEFAULT_MAXIMUM_BYTES = 2 * 1024 * 1024 * 1024;

export interface BackendOptions {
  backend?: BackendName;
  /** Upper bound of the linear memory in bytes (wasm32 allows up to 4 GiB). Default 2 GiB. */
  maxMemoryBytes?: number;
  /** Use the relaxed-SIMD build where the runtime validates it (default: whenever it does). */
  relaxedSimd?: boolean;
  /**
   * Threads that run the kernels, the calling thread included (default 1). More than one needs
   * shared memory and workers: Node's worker_threads, or a cross-origin isolated page (COOP
   * same-origin, COEP require-corp). Where either is missing the backend runs on one thread and
   * says why (`notice`). Results are bitwise the same for any number of threads.
   */
  threads?: number;
  /** Where the worker script (src/backend/worker.js) is served, if a bundler did not place it
   *  next to the library. */
  workerUrl?: string | URL;
  /** The smallest kernel split over threads, in multiply-adds (pooling: window taps); smaller
   *  ones run on the calling thread, where waking the workers would cost more. Default 2^20. */
  minParallelWork?: number;
}

type Loader = () => WasmSource | Promise<WasmSource>;

export interface WasmModules {
  simd: Loader;
  relaxed?: Loader;
  /** The same kernels built for a shared memory (loaded only when threads are asked for). */
  simdThreads?: Loader;
  relaxedThreads?: Loader;
}

export class Backend {
  readonly heap: HeapViews;
  readonly allocator: Allocator;
  private float32: Kernels;
  private readonly baseKernels: Kernels;
  private pool: ThreadPool | undefined;
  /** Why fewer threads run than were asked for (also printed with console.warn). */
  notice: string | undefined;
  private float64Kernels: Kernels | undefined;
  private readonly paramsPtr: number;
  private scratchPtr = 0;
  private scratchBytes = 0;

  constructor(
    readonly name: BackendName,
    readonly memory: GrowableMemory,
    heapBase: number,
    maximumBytes: number,
    wasmKernels: Kernels | undefined,
    /** Which wasm build runs: 'simd', 'relaxed', or undefined for the JS twins. */
    readonly variant: 'simd' | 'relaxed' | undefined,
    readonly module: WebAssembly.Module | undefined,
  ) {
    this.heap = new HeapViews(memory);
    this.allocator = new Allocator(memory, heapBase, maximumBytes, () => this.heap.refresh());
    this.float32 = this.baseKernels = wasmKernels ?? createJsKernels(this.heap, 'float32');
    this.paramsPtr = this.allocator.alloc(PARAMS_WORDS * 4);
  }

  /** The thread pool, while one runs (its `stats` tell which kernels ran split). */
  get threadPool(): ThreadPool | undefined {
    return this.pool;
  }

  /** Threads running the kernels now, the calling thread included. */
  get threads(): number {
    return this.pool?.active ? this.pool.threads : 1;
  }

  /** The kernels as built, whatever runs them. */
  get singleThreadKernels(): Kernels {
    return this.baseKernels;
  }

  /** Runs the large kernels on a thread pool over this backend's (shared) memory from now on:
   *  `kernels` are the base kernels with the big ones split over the pool (parallel.ts). */
  useThreads(pool: ThreadPool, kernels: Kernels): void {
    this.pool = pool;
    this.float32 = kernels;
  }

  /** Stops the kernel threads; the backend and its tensors keep working on the calling thread. */
  async stopThreads(): Promise<void> {
    const pool = this.pool;
    if (!pool) return;
    this.float32 = this.baseKernels;
    this.pool = undefined;
    await pool.stop();
  }

  /** The kernels for a float dtype: float64 runs only on the JS twins (the reference mode). */
  kernels(dtype: FloatDtype = 'float32'): Kernels {
    if (dtype === 'float32') return this.float32;
    if (this.name !== 'js') {
      throw new TypeError("simdnet: float64 tensors need the 'js' backend (init({ backend: 'js' })); the wasm kernels are float32");
    }
    return (this.float64Kernels ??= createJsKernels(this.heap, 'float64'));
  }

  /** Writes a geometry block and returns its address (valid until the next call). */
  params(words: ArrayLike<number>): number {
    if (words.length > PARAMS_WORDS) throw new Error(`simdnet: a geometry block of ${words.length} words is too long`);
    this.heap.i32.set(words, this.paramsPtr >> 2);
    return this.paramsPtr;
  }

  /** A scratch region of at least `bytes`, reused across calls (valid until the next call). */
  scratch(bytes: number): number {
    if (bytes <= this.scratchBytes) return this.scratchPtr;
    const size = Math.max(bytes, Math.ceil(this.scratchBytes * 1.5));
    const ptr = this.allocator.alloc(size);
    if (this.scratchPtr) this.allocator.free(this.scratchPtr);
    this.scratchPtr = ptr;
    this.scratchBytes = size;
    return ptr;
  }

  /** Bytes the backend holds for itself (the params block and the scratch region). */
  get reservedBytes(): number {
    return (this.allocator.sizeOf(this.paramsPtr) ?? 0) + (this.scratchPtr ? this.allocator.sizeOf(this.scratchPtr)! : 0) +
      (this.pool?.reservedBytes ?? 0);
  }
}

export async function createBackend(options: BackendOptions, modules: WasmModules | undefined): Promise<Backend> {
  const name = options.backend ?? 'wasm';
  if (name !== 'wasm' && name !== 'js') {
    throw new TypeError(`simdnet: init: backend must be 'wasm' or 'js', got ${JSON.stringify(name)}`);
  }
  const maximumBytes = options.maxMemoryBytes ?? DEFAULT_MAXIMUM_BYTES;
  if (!Number.isSafeInteger(maximumBytes) || maximumBytes < 2 * PAGE || maximumBytes > 65536 * PAGE) {
    throw new RangeError(`simdnet: init: maxMemoryBytes must be an integer from ${2 * PAGE} to 4 GiB, got ${maximumBytes}`);
  }
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new RangeError(`simdnet: init: threads must be an integer from 1 to ${MAX_THREADS}, got ${String(threads)}`);
  }
  const minWork = options.minParallelWork;
  if (minWork !== undefined && !(typeof minWork === 'number' && minWork >= 0 && Number.isFinite(minWork))) {
    throw new RangeError(`simdnet: init: minParallelWork must be a non-negative number, got ${String(minWork)}`);
  }
  if (options.workerUrl !== undefined && typeof options.workerUrl !== 'string' && !(options.workerUrl instanceof URL)) {
    throw new TypeError(`simdnet: init: workerUrl must be a string or a URL, got ${String(options.workerUrl)}`);
  }
  const maximumPages = Math.floor(maximumBytes / PAGE);
  if (name === 'js') {
    const memory = typeof WebAssembly !== 'undefined'
      ? new WebAssembly.Memory({ initial: 16, maximum: maximumPages })
      : new ArrayBufferMemory(16, maximumPages);
    const backend = new Backend('js', memory, 1024, maximumPages * PAGE, undefined, undefined, undefined);
    if (threads > 1) fellBack(backend, threads, "the 'js' backend runs its kernels on the calling thread");
    return backend;
  }
  if (!modules) throw new Error('simdnet: init: no WebAssembly module was given for the wasm backend');
  if (threads > 1) {
    let reason = !threadSupport ? "thread support is not loaded: import 'simdnet/threads' before init({ threads })"
      : threadSupport.unavailable() ??
        (modules.simdThreads ? undefined : 'no threads build of the kernels was given (this entry file has none)');
    if (!reason) {
      try {
        return await threadSupport!.start(options, modules, threads, maximumPages);
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    return fellBack(await createWasmBackend(options, modules, maximumPages), threads, reason);
  }
  return createWasmBackend(options, modules, maximumPages);
}

async function createWasmBackend(options: BackendOptions, modules: WasmModules, maximumPages: number): Promise<Backend> {
  const relaxed = (options.relaxedSimd ?? true) && modules.relaxed !== undefined && relaxedSimdSupported();
  const module = await compileKernels(await (relaxed ? modules.relaxed! : modules.simd)());
  const memory = new WebAssembly.Memory({ initial: 16, maximum: maximumPages });
  const instance = await instantiateKernels(module, memory);
  return new Backend('wasm', memory, instance.heapBase, maximumPages * PAGE, instance.kernels, relaxed ? 'relaxed' : 'simd', module);
}

/**
 * How a threaded backend starts: registered by the opt-in `simdnet/threads` entries
 * (threaded.ts), so that the core carries no pool, split or worker code.
 */
export interface ThreadSupport {
  /** Why threads cannot run here, or undefined. */
  unavailable(): string | undefined;
  start(options: BackendOptions, modules: WasmModules, threads: number, maximumPages: number): Promise<Backend>;
}

let threadSupport: ThreadSupport | undefined;

export function registerThreadSupport(support: ThreadSupport): void {
  threadSupport = support;
}

/** Bytes in a wasm page. */
export const WASM_PAGE = PAGE;

function fellBack(backend: Backend, threads: number, reason: string): Backend {
  backend.notice = `simdnet: init: ${threads} threads were asked for, running on one: ${reason}`;
  console.warn(backend.notice);
  return backend;
}

export { OutOfMemoryError };
