/**
 * Headless Debian Chromium driven by playwright-core (which never downloads a browser of its own).
 * The flags keep it off the network: this machine refuses outside connections.
 */
import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

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
