/**
 * Node, on the built package resolved by name (Node's own resolution through `exports`, not vitest's):
 * a plain `node` process (main thread, default flags, so the plain SIMD build) and a
 * worker_threads Worker inside this process (which has the relaxed-SIMD flag).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/index.ts';
import { makeCase, run, type RunResult, type RuntimeCase } from './helpers/case.ts';
import { expectSameRun } from './helpers/compare.ts';
import { requireFreshDist, root } from './helpers/dist.ts';

let testCase: RuntimeCase;
beforeAll(async () => {
  requireFreshDist();
  testCase = await makeCase();
});

describe('Node', () => {
  it('main thread: a node process running the consumer gives the same numbers as the sources here', async () => {
    const output = execFileSync(process.execPath, [join(root, 'tests/runtimes/hosts/node-main.mjs')], {
      input: JSON.stringify({ weights: Buffer.from(testCase.weights).toString('base64'), digit: testCase.digit }),
      encoding: 'utf8',
      // Node 20 without flags: relaxed SIMD does not validate, so the plain SIMD build runs.
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const result = JSON.parse(output) as RunResult;
    expect(result.host).toEqual({ backend: 'wasm', simd: 'simd' });
    expectSameRun(result, await run({ ...testCase, init: { relaxedSimd: false } }), 'node main thread');
  });

  it('worker_threads: the consumer inside a Worker gives the same numbers as the sources here', async () => {
    const worker = new Worker(join(root, 'tests/runtimes/hosts/node-worker.mjs'), {
      workerData: { weights: testCase.weights, digit: testCase.digit },
    });
    const result = await new Promise<RunResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the worker exited with code ${code} before answering`)));
    });
    await worker.terminate();
    expect(result.host).toEqual({ backend: 'wasm', simd: 'relaxed' });
    expectSameRun(result, await run({ ...testCase, init: { relaxedSimd: true } }), 'node worker thread');
  });

  it('simdnet/data: loads MNIST in a node process, and its batches are tensors the main entry accepts', () => {
    const output = execFileSync(process.execPath, [join(root, 'tests/runtimes/hosts/node-data.mjs')], { encoding: 'utf8' });
    const { labels } = loadMnist();
    expect(JSON.parse(output)).toEqual({
      count: 10000, shape: [3, 32, 32, 1], labels: [labels[0], labels[5000], labels[9999]], pooled: [3, 16, 16, 1], inUse: 3,
    });
  });
});
