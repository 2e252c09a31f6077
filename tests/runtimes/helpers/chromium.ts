/**
 * Headless Debian Chromium driven by playwright-core (which never downloads a browser of its own).
 * The flags keep it off the network: this machine refuses outside connections.
 */
import { execFileSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';

const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

export function chromiumPath(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Chromium is not installed: `apt-get install -y chromium` (.ci/run installs it)');
  }
}

/** A fresh browser with an empty profile (playwright makes a temporary user-data dir per launch). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: FLAGS });
}

/**
 * A fresh browser on a page of the runtime tests (hosts/*.html): waits until the page has set
 * `window.consumer`; page errors and console errors are collected in `errors`.
 */
export async function openConsumerPage(url: string): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await launchChromium();
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.goto(url);
  await page.waitForFunction(() => 'consumer' in window, undefined, { timeout: 10_000 });
  return { browser, page, errors };
}
