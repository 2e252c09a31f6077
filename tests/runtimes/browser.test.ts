/**
 * Chromium: the built package in a page (unbundled, by name through an import map) and in a
 * module Web Worker (bundled by esbuild as an app would bundle it), served from 127.0.0.1 with no
 * cross-origin isolation. Both give the numbers that the sources give in this Node process.
 * Then threads: a second server sends COOP/COEP, its page imports simdnet/threads and runs
 * init({ threads: 2 }) on a module Worker over a shared memory, and gets the bits one thread gives
 * in Node (minParallelWork 0 makes the consumer's small shapes split, so the worker really runs).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer } from '../../scripts/static-server.mjs';
import { bundle } from './helpers/bundle.ts';
import { makeCase, run, type RunResult, type RuntimeCase } from './helpers/case.ts';
import { openConsumerPage } from './helpers/chromium.ts';
import { expectSameRun } from './helpers/compare.ts';
import { requireFreshDist, root } from './helpers/dist.ts';

let browser: Browser, isolatedBrowser: Browser;
let server: Awaited<ReturnType<typeof startStaticServer>>, isolatedServer: typeof server;
let page: Page, isolatedPage: Page;
let testCase: RuntimeCase;
let pageErrors: string[] = [], isolatedPageErrors: string[] = [];

beforeAll(async () => {
  requireFreshDist();
  testCase = await makeCase();
  const worker = await bundle('tests/runtimes/hosts/browser-worker.js', { conditions: ['browser'], platform: 'browser' });
  server = await startStaticServer({
    routes: { '/dist/': `${root}dist`, '/tests/runtimes/': `${root}tests/runtimes` },
    generated: { '/bundles/browser-worker.js': () => worker, '/case/lenet5.safetensors': () => testCase.weights },
  });
  ({ browser, page, errors: pageErrors } = await openConsumerPage(`${server.url}/tests/runtimes/hosts/page.html`));
  isolatedServer = await startStaticServer({
    routes: { '/dist/': `${root}dist`, '/tests/runtimes/': `${root}tests/runtimes` },
    generated: { '/case/lenet5.safetensors': () => testCase.weights },
    crossOriginIsolated: true,
  });
  ({ browser: isolatedBrowser, page: isolatedPage, errors: isolatedPageErrors } =
    await openConsumerPage(`${isolatedServer.url}/tests/runtimes/hosts/threads-page.html`));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await isolatedBrowser?.close();
  await server?.close();
  await isolatedServer?.close();
});

const input = () => ({ weightsUrl: '/case/lenet5.safetensors', digit: testCase.digit });

describe('Chromium', () => {
  it('the page is not cross-origin isolated (no COOP/COEP needed) and has WebAssembly SIMD', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(pageErrors).toEqual([]);
  });

  it('page: conv2d forward and gradients and LeNet-5 give the same numbers as Node', async () => {
    const result = await page.evaluate(async ({ weightsUrl, digit }) => {
      const { run } = (window as unknown as { consumer: { run: (i: unknown) => Promise<unknown> } }).consumer;
      return run({ weights: new Uint8Array(await (await fetch(weightsUrl)).arrayBuffer()), digit });
    }, input()) as RunResult;
    expect(result.host).toEqual({ backend: 'wasm', simd: 'relaxed' });
    expectSameRun(result, await run({ ...testCase, init: { relaxedSimd: true } }), 'Chromium page');
    expect(pageErrors).toEqual([]);
  });

  it('module Web Worker: the same numbers as Node', async () => {
    const reply = await page.evaluate(async ({ weightsUrl, digit }) => {
      const weights = new Uint8Array(await (await fetch(weightsUrl)).arrayBuffer());
      const worker = new Worker('/bundles/browser-worker.js', { type: 'module' });
      try {
        return await new Promise<{ result?: unknown; error?: string }>((resolve) => {
          worker.onmessage = (event) => resolve(event.data);
          worker.onerror = (event) => resolve({ error: `worker error: ${event.message}` });
          worker.postMessage({ weights, digit });
        });
      } finally {
        worker.terminate();
      }
    }, input());
    expect(reply.error).toBeUndefined();
    const result = reply.result as RunResult;
    expect(result.host).toEqual({ backend: 'wasm', simd: 'relaxed' });
    expectSameRun(result, await run({ ...testCase, init: { relaxedSimd: true } }), 'Chromium module Worker');
  });
});

describe('Chromium, cross-origin isolated, two threads', () => {
  it('runs the kernels on a module Worker and gives the bits of one thread in Node', async () => {
    expect(await isolatedPage.evaluate(() => crossOriginIsolated)).toBe(true);
    const reply = await isolatedPage.evaluate(async ({ digit }) => {
      const consumer = (window as unknown as {
        consumer: { run: (i: unknown) => Promise<unknown>; threads: () => unknown };
      }).consumer;
      const weights = new Uint8Array(await (await fetch('/case/lenet5.safetensors')).arrayBuffer());
      const result = await consumer.run({ weights, digit, init: { threads: 2, minParallelWork: 0 } });
      return { result, threads: consumer.threads() };
    }, { digit: testCase.digit }) as { result: RunResult; threads: { threads: number; notice: string | null; splits: Record<string, number> } };
    expect(reply.threads.notice).toBeNull();
    expect(reply.threads.threads).toBe(2);
    expect(reply.threads.splits.conv2dForward, 'the convolutions ran split').toBeGreaterThan(0);
    expect(reply.result.host).toEqual({ backend: 'wasm', simd: 'relaxed' });
    expectSameRun(reply.result, await run({ ...testCase, init: { relaxedSimd: true } }), 'Chromium page with two threads');
    expect(isolatedPageErrors).toEqual([]);
  });
});
