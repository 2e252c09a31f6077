import { beforeAll, describe, expect, it } from 'vitest';
import { kernelEnvs, type KernelEnv } from '../helpers/kernel-harness.ts';

let envs: KernelEnv[];
beforeAll(async () => {
  const { js, js64, wasm } = await kernelEnvs();
  envs = [js, js64, ...wasm];
});

describe('fill', () => {
  it('writes the value into every element, also for counts that are not a multiple of 4', () => {
    for (const env of envs) {
      for (const n of [1, 3, 4, 7, 33]) {
        const y = env.alloc(n + 1);
        env.k.fill(y, 2.5, n);
        const out = env.get(y, n + 1);
        expect([...out.subarray(0, n)], env.name).toEqual(new Array(n).fill(2.5));
        expect(out[n], `${env.name}: the element past the end stays untouched`).toBeNaN();
      }
      env.reset();
    }
  });
});

it('both wasm builds are tested under vitest (relaxed SIMD is enabled by the config)', () => {
  expect(envs.map((e) => e.name)).toContain('wasm-relaxed');
});
