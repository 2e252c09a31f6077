/**
 * The demo page in Chromium: a stroke drawn on the pad gets a prediction whose probabilities are
 * Node's for the same 28×28 input; the filter and feature-map pictures are not blank; training in
 * the Worker draws a curve and lifts held-out accuracy. Screenshots go to artifacts/demo/.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../demo/serve.mjs';
import { classify, makeCase, type RuntimeCase } from './helpers/case.ts';
import { launchChromium } from './helpers/chromium.ts';
import { requireFreshDist, root } from './helpers/dist.ts';

const artifacts = join(root, 'artifacts', 'demo');
let browser: Browser;
let server: Awaited<ReturnType<typeof startDemo>>;
let page: Page;
let testCase: RuntimeCase;
const pageErrors: string[] = [];

interface DemoState {
  engine: string; weights: string; digit?: number[]; predicted?: number; probabilities: number[];
  training: { steps: { step: number; loss: number; accuracy: number }[]; heldOut: { accuracy: number }[]; done: boolean; error?: string };
}
const demoState = (p: Page) => p.evaluate(() => (window as unknown as { demo: DemoState }).demo);

async function openDemo(url: string): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  p.on('pageerror', (error) => pageErrors.push(error.message));
  p.on('console', (message) => { if (message.type() === 'error') pageErrors.push(message.text()); });
  await p.goto(url);
  await p.waitForFunction(() => /Weights|weights/.test(document.getElementById('status')!.textContent ?? '') &&
    !/Loading/.test(document.getElementById('status')!.textContent ?? ''), undefined, { timeout: 15_000 });
  return p;
}

/** Distinct grey levels in a canvas: 1 means blank (one flat colour). */
function distinctLevels(p: Page, selector: string): Promise<number> {
  return p.$eval(selector, (canvas) => {
    const c = canvas as HTMLCanvasElement;
    if (!c.width || !c.height) return 0;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const levels = new Set<number>();
    for (let i = 0; i < data.length; i += 4) levels.add(data[i]! * 65536 + data[i + 1]! * 256 + data[i + 2]!);
    return levels.size;
  });
}

/** A stroke through the given points of the 280×280 pad, with the mouse. */
async function drawStroke(p: Page, points: [number, number][]): Promise<void> {
  const box = (await p.locator('#pad').boundingBox())!;
  const at = ([x, y]: [number, number]) => [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280] as const;
  await p.mouse.move(...at(points[0]!));
  await p.mouse.down();
  for (const point of points.slice(1)) await p.mouse.move(...at(point), { steps: 8 });
  await p.mouse.up();
}

beforeAll(async () => {
  requireFreshDist();
  if (!existsSync(join(root, 'build', 'demo-digits.bin'))) throw new Error('build/demo-digits.bin is missing: run `npm run build`');
  testCase = await makeCase();
  const weights = join(artifacts, 'weights');
  mkdirSync(weights, { recursive: true });
  writeFileSync(join(weights, 'lenet5-modern.safetensors'), testCase.weights);
  server = await startDemo({ weights });
  browser = await launchChromium();
  page = await openDemo(`${server.url}/`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the demo page', () => {
  it('loads the weights that npm start saves', async () => {
    const state = await demoState(page);
    expect(state.weights).toBe('saved');
    expect(state.engine).toMatch(/^wasm backend/);
    expect(await page.textContent('#status')).toMatch(/Weights from weights\/lenet5-modern\.safetensors, saved by `npm start`\./);
  });

  it('a drawn 7 gets a prediction with ten probabilities, the same as Node computes for that input', async () => {
    await drawStroke(page, [[70, 60], [210, 60], [150, 150], [120, 240]]);
    await page.waitForFunction(() => (window as unknown as { demo: DemoState }).demo.predicted !== undefined);
    const state = await demoState(page);
    expect(state.probabilities).toHaveLength(10);
    expect(state.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(await page.textContent('#predicted-digit')).toBe(String(state.predicted));
    expect(await page.locator('#probabilities li').count()).toBe(10);
    // The page's layer-by-layer forward pass against LeNet-5's own forward in Node, same bits.
    expect(state.probabilities).toEqual(classify(testCase.weights, state.digit));
    expect(state.predicted).toBe(7);
  });

  it('the input, the filters and every feature map are pictures, not blank', async () => {
    for (const selector of ['#input', '#filters-c1', '#filters-c3']) expect(await distinctLevels(page, selector), selector).toBeGreaterThan(2);
    const layers = await page.$$eval('#maps canvas', (canvases) => canvases.map((c) => c.getAttribute('data-layer') ?? ''));
    expect(layers).toEqual(['C1', 'S2', 'C3', 'S4', 'F5', 'F6']);
    for (const layer of layers) expect(await distinctLevels(page, `#maps canvas[data-layer="${layer}"]`), layer).toBeGreaterThan(2);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'drawn.png'), fullPage: true });
  });

  it('Clear empties the pad and the prediction', async () => {
    await page.click('#clear');
    await page.waitForFunction(() => (window as unknown as { demo: DemoState }).demo.predicted === undefined);
    expect(await page.textContent('#predicted-digit')).toBe('–');
  });

  it('the pad takes touch: a finger stroke draws and gets a prediction', async () => {
    const box = (await page.locator('#pad').boundingBox())!;
    const touch = await page.context().newCDPSession(page);
    const point = (x: number, y: number) => [{ x: box.x + (x * box.width) / 280, y: box.y + (y * box.height) / 280 }];
    await touch.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: point(100, 50) });
    for (let t = 1; t <= 10; t++) await touch.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: point(100 + 8 * t, 50 + 18 * t) });
    await touch.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await page.waitForFunction(() => (window as unknown as { demo: DemoState }).demo.predicted !== undefined);
    expect(await distinctLevels(page, '#input')).toBeGreaterThan(2);
    await page.click('#clear');
  });

  it('trains in a module Worker: a live curve, falling loss, held-out accuracy well above chance', async () => {
    await drawStroke(page, [[140, 40], [140, 240]]);
    await page.fill('#epochs', '1');
    await page.click('#train');
    await page.waitForFunction(() => {
      const { training } = (window as unknown as { demo: DemoState }).demo;
      return training.done || training.error !== undefined;
    }, undefined, { timeout: 30_000 });
    const { training, weights } = await demoState(page);
    expect(training.error).toBeUndefined();
    expect(weights).toBe('trained here');
    expect(training.steps).toHaveLength(Math.ceil(2500 / 32));
    expect(training.steps.at(-1)!.loss).toBeLessThan(training.steps[0]!.loss / 3);
    expect(training.heldOut).toHaveLength(1);
    expect(training.heldOut[0]!.accuracy).toBeGreaterThan(0.8);
    expect(await distinctLevels(page, '#curve')).toBeGreaterThan(2);
    expect(await page.textContent('#train-status')).toMatch(/^Done: 79 steps/);
    await page.screenshot({ path: join(artifacts, 'demo.png'), fullPage: true });
  });

  it('says how to make the weights when npm start has not saved any', async () => {
    const empty = await startDemo({ weights: mkdtempSync(join(tmpdir(), 'simdnet-no-weights-')) });
    try {
      const bare = await openDemo(`${empty.url}/`);
      expect(await bare.textContent('#status')).toMatch(/No saved weights at weights\/lenet5-modern\.safetensors: run `npm start`/);
      expect((await demoState(bare)).weights).toBe('untrained');
      await bare.close();
    } finally {
      await empty.close();
    }
    // The 404 of the missing weights is the only console error, and it is the expected one.
    expect(pageErrors.filter((e) => !/404/.test(e))).toEqual([]);
  });
});
