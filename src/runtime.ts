/**
 * The current backend. `init()` makes it; everything else reads it through `backend()`.
 * Calling init again replaces the backend: tensors of the old one become unusable.
 */
import { Backend, createBackend, type BackendOptions, type WasmModules } from './backend/backend.ts';

export interface InitOptions extends BackendOptions {
  /** The kernels as a compiled module, bytes or a Response, instead of the entry file's default. */
  wasm?: WebAssembly.Module | BufferSource | Response | PromiseLike<Response>;
}

export interface InitResult {
  backend: 'wasm' | 'js';
  /** 'relaxed' when the fused multiply-add build runs, 'simd' otherwise; undefined on the js backend. */
  simd: 'simd' | 'relaxed' | undefined;
  threads: number;
  module: WebAssembly.Module | undefined;
}

let current: Backend | undefined;
let generation = 0;
let defaultModules: WasmModules | undefined;

/** Entry files (index.ts, index.workerd.ts) register how their wasm bytes arrive. */
export function setDefaultModules(modules: WasmModules): void {
  defaultModules = modules;
}

export async function init(options: InitOptions = {}): Promise<InitResult> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`simdnet: init: options must be an object, got ${String(options)}`);
  }
  const modules: WasmModules | undefined = options.wasm !== undefined
    ? { simd: () => options.wasm!, relaxed: undefined }
    : defaultModules;
  current = await createBackend(options, modules);
  generation++;
  return { backend: current.name, simd: current.variant, threads: 1, module: current.module };
}

export function backend(): Backend {
  if (!current) throw new Error('simdnet: not initialised: call `await init()` first');
  return current;
}

/** Increases with every init(); a tensor made under an older backend refuses to be used. */
export function backendGeneration(): number {
  return generation;
}
