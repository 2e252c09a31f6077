/**
 * workerd (Cloudflare Workers) through miniflare on 127.0.0.1: a Worker bundled as wrangler bundles
 * one imports simdnet through its "workerd" entry (the kernels as CompiledWasm modules; workerd
 * refuses to compile bytes) and answers POSTed MNIST digits with LeNet-5's class probabilities.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from './helpers/bundle.ts';
import { argmax, makeCase, run, type RuntimeCase } from './helpers/case.ts';
import { expectSameRun } from './helpers/compare.ts';
import { requireFreshDist, root } from './helpers/dist.ts';

let worker: Miniflare;
let origin: string;
let script: string;
let testCase: RuntimeCase;

beforeAll(async () => {
  requireFreshDist();
  testCase = await makeCase();
  // wrangler's resolution and module rules: conditions workerd, worker, browser; *.wasm → CompiledWasm.
  script = await bundle('tests/runtimes/hosts/workerd-worker.js', {
    conditions: ['workerd', 'worker', 'browser'], platform: 'browser', external: ['*.wasm', '*.bin'],
  });
  const modulesRoot = join(root, 'worker');
  const kernel = (name: string) => ({ type: 'CompiledWasm' as const, path: join(modulesRoot, name), contents: readFileSync(join(root, 'dist', name)) });
  worker = new Miniflare({
    modulesRoot,
    modules: [
      { type: 'ESModule', path: join(modulesRoot, 'worker.js'), contents: script },
      kernel('simdnet.simd.wasm'),
      kernel('simdnet.relaxed.wasm'),
      { type: 'Data', path: join(modulesRoot, 'weights.bin'), contents: testCase.weights },
    ],
    compatibilityDate: '2026-04-01',
    host: '127.0.0.1',
    port: 0,
  });
  origin = (await worker.ready).origin;
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${origin}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: response.status, json: await response.json() };
}

describe('workerd', () => {
  it('the bundled Worker took the workerd entry: the kernels are module imports, no base64', () => {
    expect(script).toMatch(/from\s*"\.\/simdnet\.simd\.wasm"/);
    expect(script).toMatch(/from\s*"\.\/simdnet\.relaxed\.wasm"/);
    expect(script).not.toContain('AGFzbQ'); // the base64 of "\0asm"
  });

  it('answers a POSTed MNIST digit with class probabilities that sum to 1 and match Node', async () => {
    const { status, json } = await post('/classify', testCase.digit);
    expect(status, JSON.stringify(json)).toBe(200);
    const probabilities: number[] = json.probabilities;
    expect(probabilities).toHaveLength(10);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(argmax(probabilities)).toBe(testCase.label);
    const node = await run({ weights: testCase.weights, digit: testCase.digit, init: { relaxedSimd: true } });
    expect(probabilities).toEqual(node.lenet);
  });

  it('gives the same conv2d forward, gradients and LeNet-5 output as Node, bit for bit', async () => {
    const { status, json } = await post('/run', { digit: testCase.digit });
    expect(status, JSON.stringify(json)).toBe(200);
    expect(json.host).toEqual({ backend: 'wasm', simd: 'relaxed' });
    const node = await run({ weights: testCase.weights, digit: testCase.digit, init: { relaxedSimd: true } });
    expectSameRun(json, node, 'workerd');
  });

  it('rejects a malformed digit with a clear error', async () => {
    const { status, json } = await post('/classify', [[0.5, 0.5]]);
    expect(status).toBe(400);
    expect(json.error).toMatch(/28 rows of 28 pixels, got 1 rows, row 0 of 2 pixels/);
    const short = await post('/classify', [0.5, 0.5]);
    expect(short.json.error).toMatch(/784 pixels, got 2/);
    const bad = await post('/classify', Array.from({ length: 784 }, (_, i) => (i === 5 ? 2 : 0)));
    expect(bad.json.error).toMatch(/pixel 5 must be a number from 0 to 1, got 2/);
  });
});
