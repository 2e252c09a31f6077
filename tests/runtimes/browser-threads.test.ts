/**
 * Chromium with threads: a cross-origin isolated page (the server sends COOP/COEP) imports
 * simdnet/threads, runs init({ threads: 2 }) on module Workers over a shared memory, and gets
 * the bits that one thread gives in this Node process. minParallelWork 0 makes the consumer's
 * small shapes split, so the workers really run kernels.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer } from '../../scripts/static-server.mjs';
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
  server = await startStaticServer({
    routes: { '/dist/': `${root}dist`, '/tests/runtimes/': `${root}tests/runtimes` },
    generated: { '/case/lenet5.safetensors': () => testCase.weights },
    crossOriginIsolated: true,
  });
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(message.text()); });
  await page.goto(`${server.url}/tests/runtimes/hosts/threads-page.html`);
  await page.waitForFunction(() => 'consumer' in window, undefined, { timeout: 10_000 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('Chromium, cross-origin isolated, two threads', () => {
  it('runs the kernels on a module Worker and gives the bits of one thread in Node', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const reply = await page.evaluate(async ({ digit }) => {
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
    expect(pageErrors).toEqual([]);
  });
});
