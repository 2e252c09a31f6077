/**
 * Runs a kernel on the wasm builds and on its JS twin, over separate memories, with the same
 * inputs: the tests of tests/kernels/ compare their outputs.
 */
import { readFileSync } from 'node:fs';
import { Backend, createBackend } from '../../src/backend/backend.ts';
import type { Kernels } from '../../src/backend/kernels.ts';
import { relaxedSimdSupported } from '../../src/backend/wasm.ts';
import { expectClose } from './compare.ts';

export interface KernelEnv {
  name: string;
  backend: Backend;
  k: Kernels;
  dtype: 'float32' | 'float64';
  /** Allocates and fills a float buffer; returns its address. */
  put(values: ArrayLike<number>): number;
  /** Allocates an int32 buffer holding values. */
  putInts(values: ArrayLike<number>): number;
  /** Allocates a float buffer of n elements filled with NaN (so unwritten outputs show). */
  alloc(n: number): number;
  allocInts(n: number): number;
  get(ptr: number, n: number): Float64Array;
  getInts(ptr: number, n: number): Int32Array;
  params(words: ArrayLike<number>): number;
  scratch(bytes: number): number;
  /** Frees everything allocated through this env. */
  reset(): void;
}

function makeEnv(name: string, backend: Backend, dtype: 'float32' | 'float64'): KernelEnv {
  const blocks: number[] = [];
  const view = () => (dtype === 'float64' ? backend.heap.f64 : backend.heap.f32);
  const shift = dtype === 'float64' ? 3 : 2;
  const alloc = (n: number) => {
    const ptr = backend.allocator.alloc(Math.max(1, n) << shift);
    blocks.push(ptr);
    view().fill(NaN, ptr >> shift, (ptr >> shift) + n);
    return ptr;
  };
  const allocInts = (n: number) => {
    const ptr = backend.allocator.alloc(Math.max(1, n) * 4);
    blocks.push(ptr);
    backend.heap.i32.fill(-7, ptr >> 2, (ptr >> 2) + n);
    return ptr;
  };
  return {
    name, backend, dtype, k: backend.kernels(dtype),
    put(values) { const p = alloc(values.length); view().set(values, p >> shift); return p; },
    putInts(values) { const p = allocInts(values.length); backend.heap.i32.set(values, p >> 2); return p; },
    alloc, allocInts,
    get(ptr, n) { return Float64Array.from(view().subarray(ptr >> shift, (ptr >> shift) + n)); },
    getInts(ptr, n) { return backend.heap.i32.slice(ptr >> 2, (ptr >> 2) + n); },
    params: (words) => backend.params(words),
    scratch: (bytes) => backend.scratch(bytes),
    reset() { for (const p of blocks.splice(0)) backend.allocator.free(p); },
  };
}

const wasmBytes = (variant: string) => readFileSync(new URL(`../../build/simdnet.${variant}.wasm`, import.meta.url));

/** The JS twin (float32), the plain-SIMD wasm build, and the relaxed build where this Node validates it. */
export async function kernelEnvs(): Promise<{ js: KernelEnv; js64: KernelEnv; wasm: KernelEnv[] }> {
  const js = await createBackend({ backend: 'js' }, undefined);
  const simd = await createBackend({ backend: 'wasm', relaxedSimd: false }, { simd: () => wasmBytes('simd') });
  const wasm = [makeEnv('wasm-simd', simd, 'float32')];
  if (relaxedSimdSupported()) {
    const relaxed = await createBackend({ backend: 'wasm' }, { simd: () => wasmBytes('simd'), relaxed: () => wasmBytes('relaxed') });
    wasm.push(makeEnv('wasm-relaxed', relaxed, 'float32'));
  }
  return { js: makeEnv('js', js, 'float32'), js64: makeEnv('js-float64', js, 'float64'), wasm };
}

/** NaN-filled elements allocated past each output: a kernel that writes beyond its output changes them. */
export const GUARD = 4;

/** An output buffer of n elements followed by GUARD guard elements. */
export function allocOutput(env: KernelEnv, n: number): number {
  return env.alloc(n + GUARD);
}

/** Reads an output of allocOutput, checking every element was written and no guard was touched. */
export function readOutput(env: KernelEnv, ptr: number, n: number, what: string, allowNaN = false): Float64Array {
  const all = env.get(ptr, n + GUARD);
  for (let i = n; i < n + GUARD; i++) {
    if (!Number.isNaN(all[i])) throw new Error(`${env.name} ${what}: element ${i} past the end was written`);
  }
  const out = all.subarray(0, n);
  const unwritten = allowNaN ? -1 : out.findIndex(Number.isNaN);
  if (unwritten >= 0) throw new Error(`${env.name} ${what}: element ${unwritten} was not written`);
  return out;
}

/** Runs the same computation on the JS twin and on each wasm build and compares every output. */
export function matchesTwin(envs: { js: KernelEnv; wasm: KernelEnv[] }, what: string,
  run: (env: KernelEnv) => Float64Array[], rtol = 1e-6, atol = 1e-7): void {
  const expected = run(envs.js);
  envs.js.reset();
  for (const env of envs.wasm) {
    const actual = run(env);
    env.reset();
    actual.forEach((a, i) => expectClose(a, expected[i]!, rtol, atol, `${env.name} ${what} (output ${i})`));
  }
}
