/**
 * The current backend. `init()` makes it; everything else reads it through `backend()`.
 * Calling init again replaces the backend: tensors of the old one become unusable.
 */
import { Backend, createBackend, type BackendOptions, type WasmModules } from './backend/backend.ts';
import { compileKernels } from './backend/wasm.ts';

export interface InitOptions extends BackendOptions {
  /** The kernels as a compiled module, bytes or a Response, instead of the entry file's default. */
  wasm?: WebAssembly.Module | BufferSource | Response | PromiseLike<Response>;
}

export interface InitResult {
  backend: 'wasm' | 'js';
  /** 'relaxed' when the fused multiply-add build runs, 'simd' otherwise; undefined on the js backend. */
  simd: 'simd' | 'relaxed' | undefined;
  /** Threads running the kernels: `threads` as asked, or 1 where they cannot run (see notice). */
  threads: number;
  module: WebAssembly.Module | undefined;
  /** Why fewer threads run than were asked for; undefined when all did. */
  notice?: string;
}

let current: Backend | undefined;
let generation = 0;
let defaultModules: WasmModules | undefined;

/** Entry files register how their wasm bytes arrive (index.ts, index.workerd.ts: the plain builds;
 *  threads.ts: the shared-memory builds), in any order. */
export function setDefaultModules(modules: Partial<WasmModules>): void {
  defaultModules = { ...defaultModules, ...modules } as WasmModules;
}

export async function init(options: InitOptions = {}): Promise<InitResult> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`simdnet: init: options must be an object, got ${String(options)}`);
  }
  let modules = defaultModules;
  if (options.wasm !== undefined) {
    // Compiled once: a Response can be read only once, and with threads the module is tried as a
    // threads build first (it is one when it imports a shared memory).
    const module = (options.backend ?? 'wasm') === 'wasm' ? await compileKernels(options.wasm) : undefined;
    modules = { simd: () => module!, simdThreads: () => module! };
  }
  const next = await createBackend(options, modules);
  await current?.stopThreads();
  current = next;
  generation++;
  const result: InitResult = { backend: current.name, simd: current.variant, threads: current.threads, module: current.module };
  if (current.notice) result.notice = current.notice;
  return result;
}

/**
 * Stops the kernel threads of the current backend (a no-op without them). The backend and its
 * tensors keep working, on the calling thread. Node exits without it (the workers do not keep a
 * process alive); a page or a long-lived server calls it to give the threads back.
 */
export async function shutdown(): Promise<void> {
  await current?.stopThreads();
}

export function backend(): Backend {
  if (!current) throw new Error('simdnet: not initialised: call `await init()` first');
  return current;
}

/** Increases with every init(); a tensor made under an older backend refuses to be used. */
export function backendGeneration(): number {
  return generation;
}
