/**
 * Chromium: the built package in a page (unbundled, by name through an import map) and in a
 * module Web Worker (bundled by esbuild as an app would bundle it), served from 127.0.0.1 with no
 * cross-origin isolation. Both give the numbers that the sources give in this Node process.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer } from '../../scripts/static-server.mjs';
import { bundle } from './helpers/bundle.ts';
import { makeCase, run, type RunResult, type RuntimeCase } from './helpers/case.ts';
import { launchChromium } from './helpers/chromium.ts';
import { expectSameRun } from './helpers/compare.ts';
import { requireFreshDist, root } from './helpers/dist.ts';

let browser: Browser;
let server: Awaited<ReturnType<typeof startStaticServer>>;
let page: Page;
let testCase: RuntimeCase;
const pageErrors: string[] = [];

beforeAll(async () => {
  requireFreshDist();
  testCase = await makeCase();
  const worker = await bundle('tests/runtimes/hosts/browser-worker.js', { conditions: ['browser'], platform: 'browser' });
  server = await startStaticServer({
    routes: { '/dist/': `${root}dist`, '/tests/runtimes/': `${root}tests/runtimes` },
    generated: { '/bundles/browser-worker.js': () => worker, '/case/lenet5.safetensors': () => testCase.weights },
  });
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(message.text()); });
  await page.goto(`${server.url}/tests/runtimes/hosts/page.html`);
  await page.waitForFunction(() => 'consumer' in window, undefined, { timeout: 10_000 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
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
