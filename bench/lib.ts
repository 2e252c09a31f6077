/**
 * Timing and reporting helpers shared by the benchmark suites: backends built the way
 * tests/helpers/kernel-harness.ts builds them, benchmark.js runs with bounded time, medians,
 * GFLOP/s and the ratio of each wasm build to the JS twin.
 *
 * Relaxed SIMD needs Node 20 to be started with --experimental-wasm-relaxed-simd; Node refuses
 * that flag in NODE_OPTIONS, so pass it on the command line:
 *   npx tsx --experimental-wasm-relaxed-simd bench/kernels.ts
 */
import { readFileSync } from 'node:fs';
import Benchmark from 'benchmark';
import { createBackend, type Backend } from '../src/backend/backend.ts';
import { relaxedSimdSupported } from '../src/backend/wasm.ts';
import { randomValues } from '../tests/helpers/compare.ts';

export interface Impl {
  name: 'js' | 'wasm-simd' | 'wasm-relaxed';
  backend: Backend;
}

const wasmBytes = (variant: string) => readFileSync(new URL(`../build/simdnet.${variant}.wasm`, import.meta.url));

export async function implementations(): Promise<Impl[]> {
  const impls: Impl[] = [
    { name: 'js', backend: await createBackend({ backend: 'js' }, undefined) },
    { name: 'wasm-simd', backend: await createBackend({ backend: 'wasm', relaxedSimd: false }, { simd: () => wasmBytes('simd') }) },
  ];
  if (relaxedSimdSupported()) {
    impls.push({ name: 'wasm-relaxed', backend: await createBackend({ backend: 'wasm' }, { simd: () => wasmBytes('simd'), relaxed: () => wasmBytes('relaxed') }) });
  } else {
    console.log('(relaxed SIMD not available: run `npx tsx --experimental-wasm-relaxed-simd bench/kernels.ts` to time that build too)');
  }
  return impls;
}

/** A prepared run: buffers allocated on one backend, `run` calls the kernel once. */
export interface Prepared {
  run(): void;
  dispose(): void;
}

export interface BenchCase {
  name: string;
  /** Floating-point operations of one run (multiply and add counted separately). */
  flops: number;
  prepare(backend: Backend): Prepared;
}

export interface Suite {
  name: string;
  cases: BenchCase[];
}

/** Allocates n floats on a backend filled with seeded values in [-1, 1). */
export function randomBuffer(backend: Backend, n: number, seed: number, owned: number[]): number {
  const ptr = backend.allocator.alloc(Math.max(1, n) * 4);
  backend.heap.f32.set(randomValues(n, seed), ptr >> 2);
  owned.push(ptr);
  return ptr;
}

export function allocBuffer(backend: Backend, bytes: number, owned: number[]): number {
  const ptr = backend.allocator.alloc(Math.max(16, bytes));
  owned.push(ptr);
  return ptr;
}

export function freeAll(backend: Backend, owned: number[]): void {
  for (const p of owned.splice(0)) backend.allocator.free(p);
}

/** A JS twin call longer than this is timed once instead of by benchmark.js (the bench must stay short). */
const SINGLE_SHOT_SECONDS = 0.4;

/** Median seconds per run. */
function measure(prepared: Prepared, isJs: boolean): { seconds: number; samples: number } {
  const t0 = performance.now();
  prepared.run();
  const first = (performance.now() - t0) / 1e3;
  if (isJs && first > SINGLE_SHOT_SECONDS) {
    // One more run after the warm-up one, and the faster of the two: JIT is done by then.
    const t1 = performance.now();
    prepared.run();
    return { seconds: Math.min(first, (performance.now() - t1) / 1e3), samples: 2 };
  }
  const bench = new Benchmark({
    fn: () => prepared.run(),
    maxTime: isJs ? 1 : 1.5,
    minSamples: 5,
  });
  bench.run();
  const sample = [...bench.stats.sample].sort((a, b) => a - b);
  return { seconds: sample[sample.length >> 1]!, samples: sample.length };
}

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

/** Runs every case whose "suite/case" name contains `filter`, printing one line per implementation. */
export async function runSuites(suites: Suite[], filter: string | undefined): Promise<void> {
  const impls = await implementations();
  for (const suite of suites) {
    const cases = suite.cases.filter((c) => !filter || `${suite.name}/${c.name}`.toLowerCase().includes(filter.toLowerCase()));
    if (cases.length === 0) continue;
    console.log(`\n## ${suite.name}`);
    console.log(`${pad('case', 44)}${pad('impl', 14)}${lpad('median ms', 11)}${lpad('GFLOP/s', 10)}${lpad('× js', 9)}`);
    for (const c of cases) {
      let jsSeconds = NaN;
      for (const impl of impls) {
        const prepared = c.prepare(impl.backend);
        const { seconds } = measure(prepared, impl.name === 'js');
        prepared.dispose();
        if (impl.name === 'js') jsSeconds = seconds;
        const ratio = impl.name === 'js' ? '' : `${(jsSeconds / seconds).toFixed(1)}×`;
        console.log(`${pad(c.name, 44)}${pad(impl.name, 14)}${lpad((seconds * 1e3).toFixed(3), 11)}` +
          `${lpad((c.flops / seconds / 1e9).toFixed(2), 10)}${lpad(ratio, 9)}`);
      }
    }
  }
}
