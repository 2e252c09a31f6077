import type { Kernels } from '../kernels.ts';
import type { JsMemory } from './memory.ts';

const GOLDEN = 0x9e3779b9;

/** murmur3's 32-bit finaliser (unsigned result). */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The 32-bit hash behind dropout's mask bit for element `index` under `seed`; the same function
 * as assembly/kernels/random.ts, so both backends draw the same mask.
 */
export function dropoutHash(seed: number, index: number): number {
  const key = fmix((seed ^ GOLDEN) >>> 0);
  return fmix((Math.imul(index >>> 0, GOLDEN) ^ key) >>> 0);
}

/** JS twin of assembly/kernels/random.ts. */
export function randomKernels(mem: JsMemory): Pick<Kernels, 'dropoutForward'> {
  return {
    dropoutForward(x, y, mask, n, p, seed, offset) {
      const f = mem.float, s = mem.shift, xo = x >> s, yo = y >> s, mo = mask >> s;
      // p is taken at float32 precision, as the wasm export receives it, so the masks agree.
      const pf = Math.fround(p);
      const all = pf >= 1;
      const threshold = pf * 4294967296;
      const scale = all ? 0 : mem.round(1 / (1 - pf));
      for (let i = 0; i < n; i++) {
        const m = !all && dropoutHash(seed, offset + i) >= threshold ? scale : 0;
        f[mo + i] = m;
        f[yo + i] = f[xo + i]! * m;
      }
    },
  };
}
