/**
 * The same bits whatever the number of threads: every case of cases.ts (convolutions and their
 * gradients in every geometry the splits treat differently, pooling, gemm, elementwise ops) run
 * with 1, 2, 3 and 4 threads, on the relaxed-SIMD and the plain-SIMD build. minParallelWork = 0
 * makes even these small shapes split; each case also checks that its kernels really did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import '../../src/threads.node.ts';
import type { Kernels } from '../../src/backend/kernels.ts';
import { allCases } from './cases.ts';
import { expectSameBits } from './compare.ts';

type Splits = Partial<Record<keyof Kernels, number>>;

interface Outcome {
  results: Map<string, Record<string, Uint32Array>>;
  splits: Map<string, Splits>;
  tasksOnWorkers: number;
}

async function runAll(threads: number, relaxedSimd: boolean): Promise<Outcome> {
  const info = await sn.init({ threads, relaxedSimd, minParallelWork: 0 });
  expect(info.threads).toBe(threads);
  expect(info.notice).toBeUndefined();
  const pool = sn.backend().threadPool;
  const outcome: Outcome = { results: new Map(), splits: new Map(), tasksOnWorkers: 0 };
  for (const c of allCases) {
    const before: Splits = { ...pool?.stats.splits };
    outcome.results.set(c.name, c.run());
    const after: Splits = pool?.stats.splits ?? {};
    const delta: Splits = {};
    for (const k of Object.keys(after) as (keyof Kernels)[]) delta[k] = after[k]! - (before[k] ?? 0);
    outcome.splits.set(c.name, delta);
  }
  if (pool) outcome.tasksOnWorkers = pool.stats.tasks - pool.stats.tasksOnMain;
  return outcome;
}

afterAll(() => sn.shutdown());

for (const relaxedSimd of [true, false]) {
  describe(`the ${relaxedSimd ? 'relaxed-SIMD' : 'plain-SIMD'} build`, () => {
    let reference: Outcome;
    beforeAll(async () => {
      reference = await runAll(1, relaxedSimd);
    });

    it('runs the cases on one thread without a pool', () => {
      expect(sn.backend().threadPool).toBeUndefined();
      expect(reference.results.size).toBe(allCases.length);
    });

    for (const threads of [2, 3, 4]) {
      it(`${threads} threads give the bits of one thread, and split every big kernel`, async () => {
        const got = await runAll(threads, relaxedSimd);
        for (const c of allCases) {
          const want = reference.results.get(c.name)!;
          const have = got.results.get(c.name)!;
          expect(Object.keys(have)).toEqual(Object.keys(want));
          for (const key of Object.keys(want)) expectSameBits(have[key]!, want[key]!, `${c.name}: ${key}`);
          const splits = got.splits.get(c.name)!;
          for (const k of c.splits) expect(splits[k] ?? 0, `${c.name}: ${k} ran split`).toBeGreaterThan(0);
          for (const k of c.whole ?? []) expect(splits[k] ?? 0, `${c.name}: ${k} ran whole`).toBe(0);
        }
        expect(got.tasksOnWorkers, 'tasks run by the workers').toBeGreaterThan(0);
      });
    }
  });
}
