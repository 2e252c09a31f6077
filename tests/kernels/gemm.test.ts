import { beforeAll, describe, expect, it } from 'vitest';
import { kernelEnvs, type KernelEnv } from '../helpers/kernel-harness.ts';
import { expectClose, randomValues, relativeL2 } from '../helpers/compare.ts';
import { gemmScratchBytes } from '../../src/backend/scratch.ts';

let js: KernelEnv, js64: KernelEnv, wasm: KernelEnv[];
beforeAll(async () => {
  ({ js, js64, wasm } = await kernelEnvs());
});

interface Case { ta: number; tb: number; m: number; n: number; k: number; alpha: number; beta: number; pad?: number }

const GUARD = 16;

/** Runs gemm with op(A) m×k, op(B) k×n stored with `pad` extra columns per row, C with its own pad;
 *  the scratch is exactly gemmScratchBytes with a NaN guard zone behind it. Returns C with its pads. */
function run(env: KernelEnv, c: Case, seed: number): { out: Float64Array; guardClean: boolean; padsClean: boolean } {
  const pad = c.pad ?? 0;
  const [ar, ac] = c.ta ? [c.k, c.m] : [c.m, c.k];
  const [br, bc] = c.tb ? [c.n, c.k] : [c.k, c.n];
  const lda = ac + pad, ldb = bc + pad, ldc = c.n + pad;
  const a = env.put(randomValues(ar * lda, seed));
  const b = env.put(randomValues(br * ldb, seed + 1));
  const cInit = randomValues(c.m * ldc + GUARD, seed + 2);
  // Pads of C and the elements past its end are NaN: the kernel must leave them so.
  for (let i = 0; i < c.m; i++) for (let j = c.n; j < ldc; j++) cInit[i * ldc + j] = NaN;
  cInit.fill(NaN, c.m * ldc);
  if (c.beta === 0) cInit.fill(NaN, 0, c.m * ldc); // beta = 0 must not read C
  const cp = env.put(cInit);
  const bytes = gemmScratchBytes(c.ta, c.tb, c.m, c.n, c.k);
  const scratch = env.alloc(bytes / 4 + GUARD);
  env.k.gemm(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, cp, ldc, scratch);
  const all = env.get(cp, c.m * ldc + GUARD);
  let padsClean = all.subarray(c.m * ldc).every(Number.isNaN);
  for (let i = 0; i < c.m; i++) for (let j = c.n; j < ldc; j++) padsClean &&= Number.isNaN(all[i * ldc + j]!);
  const out = new Float64Array(c.m * c.n);
  for (let i = 0; i < c.m; i++) for (let j = 0; j < c.n; j++) out[i * c.n + j] = all[i * ldc + j]!;
  const guardClean = env.dtype === 'float32' && env.name.startsWith('wasm')
    ? env.get(scratch + bytes, GUARD).every(Number.isNaN) : true;
  env.reset();
  return { out, guardClean, padsClean };
}

function compare(c: Case, seed = 7): void {
  const ref = run(js, c, seed).out;
  for (const env of wasm) {
    const got = run(env, c, seed);
    const what = `${env.name} ${JSON.stringify(c)}`;
    expect(got.guardClean, `${what}: scratch past gemmScratchBytes untouched`).toBe(true);
    expect(got.padsClean, `${what}: C's row pads and the memory past C untouched`).toBe(true);
    expect(got.out.every(Number.isFinite), `${what}: every element of C written`).toBe(true);
    expect(relativeL2(got.out, ref), what).toBeLessThan(1e-5);
    expectClose(got.out, ref, 1e-4, 1e-4 * Math.sqrt(c.k), what);
  }
}

const ODD = [1, 3, 5, 7, 9, 17, 33, 65];

describe('gemm', () => {
  it('the JS twin computes a hand-worked 2×3·3×2 product, with alpha, beta and both transposes', () => {
    for (const env of [js, js64]) {
      // A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[1,1]]: A·B = [[4,5],[10,11]].
      const a = env.put([1, 2, 3, 4, 5, 6]), aT = env.put([1, 4, 2, 5, 3, 6]);
      const b = env.put([1, 0, 0, 1, 1, 1]), bT = env.put([1, 0, 1, 0, 1, 1]);
      for (const [ta, tb] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const c = env.put([1, 1, 1, 1]);
        env.k.gemm(ta, tb, 2, 2, 3, 2, ta ? aT : a, ta ? 2 : 3, tb ? bT : b, tb ? 3 : 2, 0.5, c, 2, 0);
        expect([...env.get(c, 4)], `${env.name} transA=${ta} transB=${tb}`).toEqual([8.5, 10.5, 20.5, 22.5]);
      }
      env.reset();
    }
  });

  it('matches the JS twin for all four transpose combinations over odd sizes', () => {
    for (const ta of [0, 1]) for (const tb of [0, 1]) {
      for (const m of ODD) compare({ ta, tb, m, n: 9, k: 17, alpha: 1, beta: 0 }, m);
      for (const n of ODD) compare({ ta, tb, m: 7, n, k: 5, alpha: 1, beta: 0 }, n);
      for (const k of ODD) compare({ ta, tb, m: 13, n: 11, k, alpha: 1, beta: 0 }, k);
    }
  });

  it('applies alpha and beta, and with beta = 0 never reads C (NaN in C stays out)', () => {
    for (const ta of [0, 1]) for (const tb of [0, 1]) {
      compare({ ta, tb, m: 17, n: 19, k: 23, alpha: 0.75, beta: 0 });
      compare({ ta, tb, m: 17, n: 19, k: 23, alpha: -1.5, beta: 0.25 });
      compare({ ta, tb, m: 6, n: 8, k: 3, alpha: 1, beta: 1 });
    }
  });

  it('respects leading dimensions larger than the row length', () => {
    for (const ta of [0, 1]) for (const tb of [0, 1]) {
      compare({ ta, tb, m: 33, n: 17, k: 9, alpha: 1, beta: 0.5, pad: 3 });
      compare({ ta, tb, m: 5, n: 65, k: 33, alpha: 2, beta: 0, pad: 5 });
    }
  });

  it('is right across the k, n and m block boundaries (k > 256, n > 1024, m > 96)', () => {
    compare({ ta: 0, tb: 0, m: 97, n: 9, k: 513, alpha: 1, beta: 0.5 });
    compare({ ta: 1, tb: 1, m: 101, n: 17, k: 300, alpha: 1, beta: 0 });
    compare({ ta: 0, tb: 1, m: 7, n: 1037, k: 260, alpha: 1, beta: 0 });
    compare({ ta: 1, tb: 0, m: 13, n: 1030, k: 5, alpha: 1, beta: 2 });
  });

  it('one to four rows times a transposed B (a Linear layer at batch 1 to 4) stream B as stored', () => {
    for (const m of [1, 2, 3, 4, 5]) {
      for (const k of [1, 3, 4, 15, 16, 17, 40, 301]) compare({ ta: 0, tb: 1, m, n: 13, k, alpha: 1, beta: 0 }, k);
      compare({ ta: 0, tb: 1, m, n: 9, k: 37, alpha: -0.5, beta: 0.75, pad: 3 });
    }
    // Wide enough that the column split over threads applies (parallel.ts) and tall k.
    compare({ ta: 0, tb: 1, m: 1, n: 1000, k: 512, alpha: 1, beta: 0 });
  });

  it('with k = 0 sets C = beta·C (zero when beta = 0)', () => {
    for (const env of [js, ...wasm]) {
      const c = env.put([NaN, NaN, NaN, NaN]);
      env.k.gemm(0, 0, 2, 2, 0, 1, c, 1, c, 2, 0, c, 2, env.alloc(gemmScratchBytes(0, 0, 2, 2, 0) / 4));
      expect([...env.get(c, 4)], env.name).toEqual([0, 0, 0, 0]);
      const d = env.put([1, 2, 3, 4]);
      env.k.gemm(1, 1, 2, 2, 0, 1, d, 1, d, 2, 3, d, 2, env.alloc(gemmScratchBytes(1, 1, 2, 2, 0) / 4));
      expect([...env.get(d, 4)], env.name).toEqual([3, 6, 9, 12]);
      env.reset();
    }
  });
});
