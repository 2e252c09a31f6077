/**
 * A backend: one linear memory, its allocator, and the kernels that run on it — the wasm module's
 * exports or their pure-JS twins. Everything above (tensors, ops) sees only this object.
 */
import { Allocator, ArrayBufferMemory, OutOfMemoryError, type GrowableMemory } from './allocator.ts';
import { HeapViews } from './heap.ts';
import type { Kernels } from './kernels.ts';
import { createJsKernels } from './js/index.ts';
import { compileKernels, instantiateKernels, relaxedSimdSupported, type WasmSource } from './wasm.ts';

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
}

export interface WasmModules {
  simd: () => WasmSource;
  relaxed?: () => WasmSource;
}

export class Backend {
  readonly heap: HeapViews;
  readonly allocator: Allocator;
  private readonly float32: Kernels;
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
    this.float32 = wasmKernels ?? createJsKernels(this.heap, 'float32');
    this.paramsPtr = this.allocator.alloc(PARAMS_WORDS * 4);
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
    return (this.allocator.sizeOf(this.paramsPtr) ?? 0) + (this.scratchPtr ? this.allocator.sizeOf(this.scratchPtr)! : 0);
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
  const maximumPages = Math.floor(maximumBytes / PAGE);
  if (name === 'js') {
    const memory = typeof WebAssembly !== 'undefined'
      ? new WebAssembly.Memory({ initial: 16, maximum: maximumPages })
      : new ArrayBufferMemory(16, maximumPages);
    return new Backend('js', memory, 1024, maximumPages * PAGE, undefined, undefined, undefined);
  }
  if (!modules) throw new Error('simdnet: init: no WebAssembly module was given for the wasm backend');
  const relaxed = (options.relaxedSimd ?? true) && modules.relaxed !== undefined && relaxedSimdSupported();
  const variant = relaxed ? 'relaxed' : 'simd';
  const module = await compileKernels(relaxed ? modules.relaxed!() : modules.simd());
  const memory = new WebAssembly.Memory({ initial: 16, maximum: maximumPages });
  const instance = await instantiateKernels(module, memory);
  return new Backend('wasm', memory, instance.heapBase, maximumPages * PAGE, instance.kernels, variant, module);
}

export { OutOfMemoryError };
