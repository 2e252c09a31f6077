/**
 * Instantiating the kernel module on a memory the host owns. Accepts the module in any form a
 * runtime can provide (DESIGN.md, "Loading the wasm everywhere"): a compiled WebAssembly.Module
 * (workerd's module import), raw bytes, or a fetch Response.
 */
import type { Kernels } from './kernels.ts';

export type WasmSource = WebAssembly.Module | BufferSource | Response | PromiseLike<Response>;

export interface WasmInstance {
  kernels: Kernels;
  /** First byte above the module's static data. */
  heapBase: number;
  module: WebAssembly.Module;
}

export async function compileKernels(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof (source as PromiseLike<Response>).then === 'function' || isResponse(source)) {
    const response = await (source as PromiseLike<Response> | Response);
    if (!response.ok) throw new Error(`simdnet: could not load the kernels: HTTP ${response.status} for ${response.url}`);
    return WebAssembly.compile(await response.arrayBuffer());
  }
  return WebAssembly.compile(source as BufferSource);
}

function isResponse(x: unknown): x is Response {
  return typeof Response !== 'undefined' && x instanceof Response;
}

export async function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<WasmInstance> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as Kernels & { heapBase(): number };
  return { kernels: exports, heapBase: exports.heapBase(), module };
}

/** A tiny module using a relaxed-SIMD opcode (f32x4.relaxed_madd): valid only where relaxed SIMD is on. */
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 0, 253, 17,
  65, 0, 253, 17, 65, 0, 253, 17, 253, 133, 2, 11,
]);

export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

export function simdSupported(): boolean {
  // i32.const 0; i8x16.splat; drop — the smallest SIMD function.
  const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7,
    0, 65, 0, 253, 15, 26, 11]);
  try {
    return WebAssembly.validate(probe);
  } catch {
    return false;
  }
}
