/**
 * The default entry ships the plain-SIMD kernels whole and the other builds as deltas against
 * them (src/backend/wasm-delta.js, made by scripts/wasm-delta.mjs).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyDelta } from '../src/backend/wasm-delta.js';
import { inflateEmbedded, inflateEmbeddedDelta } from '../src/backend/base64.ts';
// @ts-expect-error a build script without declarations
import { makeDelta } from '../scripts/wasm-delta.mjs';
import simd from '../build/simdnet.simd.wasm.js';
import relaxed from '../build/simdnet.relaxed.wasm.js';
import simdThreads from '../build/simdnet.simd-threads.wasm.js';
import relaxedThreads from '../build/simdnet.relaxed-threads.wasm.js';

const delta = makeDelta as (base: Uint8Array, target: Uint8Array) => Uint8Array;

function seeded(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

describe('kernel deltas', () => {
  it('rebuild a target from its base through insertions, deletions, substitutions and moves', () => {
    const base = seeded(20000, 1);
    const parts = [base.subarray(5000, 9000), seeded(37, 2), base.subarray(0, 5000), base.subarray(9100, 20000), Uint8Array.of(7, 7, 7)];
    const target = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { target.set(p, at); at += p.length; }
    target[12345] = 255 - target[12345]!;
    const d = delta(base, target);
    expect(d.length, 'mostly copies').toBeLessThan(200);
    expect(applyDelta(base, d)).toEqual(target);
  });

  it('handle empty bases and targets, and targets with nothing in common', () => {
    const some = seeded(300, 3);
    for (const [base, target] of [[new Uint8Array(0), some], [some, new Uint8Array(0)], [seeded(300, 4), some]] as const) {
      expect(applyDelta(base, delta(base, target))).toEqual(target);
    }
  });

  it('refuse a truncated or out-of-range delta with a clear error', () => {
    const base = seeded(1000, 5), target = Uint8Array.of(...base.subarray(100, 900), 1, 2, 3);
    const d = delta(base, target);
    expect(() => applyDelta(base, d.subarray(0, 3))).toThrowError(/kernel delta/);
    expect(() => applyDelta(base.subarray(0, 500), d)).toThrowError(/copies from outside its base/);
  });

  it('the embedded builds decode to the kernels built in build/, each delta well under 2 KB', async () => {
    const file = (variant: string) => new Uint8Array(readFileSync(new URL(`../build/simdnet.${variant}.wasm`, import.meta.url)));
    expect(await inflateEmbedded(simd)).toEqual(file('simd'));
    for (const [variant, text] of [['relaxed', relaxed], ['simd-threads', simdThreads], ['relaxed-threads', relaxedThreads]] as const) {
      expect(text.length, variant).toBeLessThan(2048);
      expect(await inflateEmbeddedDelta(text, simd), variant).toEqual(file(variant));
    }
  });
});
