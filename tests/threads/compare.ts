import { expect } from 'vitest';

/** Expects two float32 bit patterns to be identical, naming the first element that differs. */
export function expectSameBits(have: Uint32Array, want: Uint32Array, what: string): void {
  expect(have.length, `${what}: length`).toBe(want.length);
  let first = -1;
  for (let i = 0; i < want.length; i++) {
    if (have[i] !== want[i]) { first = i; break; }
  }
  const asFloat = (b: Uint32Array, i: number) => new Float32Array(b.buffer, b.byteOffset + i * 4, 1)[0];
  expect(first === -1 ? 'identical' : `element ${first}: ${asFloat(have, first)} instead of ${asFloat(want, first)}`, what)
    .toBe('identical');
}
