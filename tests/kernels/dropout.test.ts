import { beforeAll, describe, expect, it } from 'vitest';
import { dropoutHash } from '../../src/backend/js/random.ts';
import { randomValues } from '../helpers/compare.ts';
import { kernelEnvs, type KernelEnv } from '../helpers/kernel-harness.ts';

let js: KernelEnv, js64: KernelEnv, wasm: KernelEnv[], envs: KernelEnv[];
beforeAll(async () => {
  ({ js, js64, wasm } = await kernelEnvs());
  envs = [js, js64, ...wasm];
});

const GUARD = 4;

/** Runs dropout over x (n values) and returns { y, mask }, checking the guards behind both outputs. */
function dropout(env: KernelEnv, xv: ArrayLike<number>, p: number, seed: number, offset: number) {
  const n = xv.length;
  const x = env.put(xv), y = env.alloc(n + GUARD), mask = env.alloc(n + GUARD);
  env.k.dropoutForward(x, y, mask, n, p, seed, offset);
  const ys = env.get(y, n + GUARD), ms = env.get(mask, n + GUARD);
  for (let i = n; i < n + GUARD; i++) {
    expect(ys[i], `${env.name}: y past the end`).toBeNaN();
    expect(ms[i], `${env.name}: mask past the end`).toBeNaN();
  }
  env.reset();
  return { y: ys.subarray(0, n), mask: ms.subarray(0, n) };
}

const N = 100_003;

describe('dropoutForward', () => {
  it('hashes with murmur3’s finaliser of (index · golden ratio) xor a seed key, checked with BigInt', () => {
    const M = 2n ** 32n;
    const fmix = (h: bigint) => {
      h ^= h >> 16n;
      h = (h * 0x85ebca6bn) % M;
      h ^= h >> 13n;
      h = (h * 0xc2b2ae35n) % M;
      return h ^ (h >> 16n);
    };
    for (const [seed, index] of [[0, 0], [1, 0], [42, 7], [-5, 123456], [2 ** 31 - 1, 2 ** 32 - 1]] as const) {
      const key = fmix(BigInt.asUintN(32, BigInt(seed)) ^ 0x9e3779b9n);
      const want = fmix(((BigInt(index) * 0x9e3779b9n) % M) ^ key);
      expect(dropoutHash(seed, index), `seed ${seed} index ${index}`).toBe(Number(want));
    }
  });

  it('gives the identical mask and output bit for bit in JS and in every wasm build', () => {
    const xv = randomValues(N, 1);
    for (const [p, seed, offset] of [[0.5, 1, 0], [0.1, 12345, 77], [0.9, -3, 5], [0.3, 2 ** 31 - 1, 2 ** 31 - 10]]) {
      const ref = dropout(js, xv, p!, seed!, offset!);
      for (const env of wasm) {
        const got = dropout(env, xv, p!, seed!, offset!);
        const bad = got.mask.findIndex((m, i) => !Object.is(m, ref.mask[i]));
        expect(bad, `${env.name} p ${p} seed ${seed}: first differing mask element`).toBe(-1);
        const badY = got.y.findIndex((v, i) => !Object.is(v, ref.y[i]));
        expect(badY, `${env.name} p ${p} seed ${seed}: first differing output element`).toBe(-1);
      }
    }
  });

  it('masks hold 0 or exactly 1/(1 − p), y = x · mask, for n = 0, 1, 3, 5, 17', () => {
    const p = 0.4, scale = Math.fround(1 / (1 - Math.fround(p)));
    for (const env of envs) {
      for (const n of [0, 1, 3, 5, 17]) {
        const xv = randomValues(n, n + 2);
        const { y, mask } = dropout(env, xv, p, 9, 0);
        const s = env.dtype === 'float32' ? scale : 1 / (1 - Math.fround(p));
        mask.forEach((m, i) => {
          expect(m === 0 || m === s, `${env.name} mask ${i} = ${m}`).toBe(true);
          const want = env.dtype === 'float32' ? Math.fround(Math.fround(xv[i]!) * m) : xv[i]! * m;
          expect(y[i], `${env.name} y ${i}`).toBe(want);
        });
      }
    }
  });

  it('p = 0 keeps everything; p = 1 drops everything without NaN or Inf', () => {
    const xv = randomValues(1001, 3);
    for (const env of envs) {
      const keep = dropout(env, xv, 0, 5, 0);
      expect(keep.mask.every((m) => m === 1), env.name).toBe(true);
      expect([...keep.y], env.name).toEqual([...env.get(env.put(xv), xv.length)]);
      env.reset();
      const drop = dropout(env, xv, 1, 5, 0);
      expect(drop.mask.every((m) => m === 0) && drop.y.every((v) => v === 0), env.name).toBe(true);
    }
  });

  it('drops a fraction ≈ p of 10^5 elements, independently of neighbours and of nearby seeds', () => {
    const xv = new Float64Array(N).fill(1);
    for (const env of [js, ...wasm]) {
      for (const p of [0.1, 0.5, 0.8]) {
        const a = dropout(env, xv, p, 7, 0).mask, b = dropout(env, xv, p, 8, 0).mask;
        const tol = 5 * Math.sqrt((p * (1 - p)) / N);
        let dropped = 0, pairs = 0, differ = 0;
        for (let i = 0; i < N; i++) {
          if (a[i] === 0) dropped++;
          if (i > 0 && a[i] === 0 && a[i - 1] === 0) pairs++;
          if ((a[i] === 0) !== (b[i] === 0)) differ++;
        }
        expect(Math.abs(dropped / N - p), `${env.name} p ${p}: dropped fraction`).toBeLessThan(tol);
        expect(Math.abs(pairs / (N - 1) - p * p), `${env.name} p ${p}: adjacent pairs`).toBeLessThan(tol);
        expect(Math.abs(differ / N - 2 * p * (1 - p)), `${env.name} p ${p}: seeds 7 vs 8`).toBeLessThan(tol);
      }
    }
  });

  it('does not depend on how the work is split: [0, n) equals [0, k) then [k, n) at offset k', () => {
    const n = 1003, xv = randomValues(n, 4);
    for (const env of envs) {
      for (const base of [0, 1000]) {
        const whole = dropout(env, xv, 0.5, 21, base);
        for (const k of [1, 3, 4, 7, 500, 1002]) {
          const head = dropout(env, xv.subarray(0, k), 0.5, 21, base);
          const tail = dropout(env, xv.subarray(k), 0.5, 21, base + k);
          expect([...head.mask, ...tail.mask], `${env.name} split at ${k}`).toEqual([...whole.mask]);
          expect([...head.y, ...tail.y], `${env.name} split at ${k}`).toEqual([...whole.y]);
        }
      }
    }
  });
});
