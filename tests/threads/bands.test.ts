/**
 * What the thread splits ask of the kernels beyond the whole-tensor calls the ops make, checked on
 * the JS twins and on the wasm builds, and the arithmetic that cuts ranges into parts.
 *
 * A band of output rows [o0, o1) of pooling is the kernel on the same image with OH = o1 − o0 and
 * top padding PT − o0·SH, and a kernel row kh of a convolution's filter gradient is a 1×KW
 * convolution with top padding PT − kh·DH: both make the top padding negative (the first window
 * starts inside the image). Each must give exactly the rows (or taps) of the whole call.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { kernelEnvs, type KernelEnv } from '../helpers/kernel-harness.ts';
import { randomValues } from '../helpers/compare.ts';
import {
  CONV_C, CONV_DH, CONV_DW, CONV_GROUPS, CONV_H, CONV_KH, CONV_KW, CONV_N, CONV_OC, CONV_OH, CONV_OW,
  CONV_PAD_L, CONV_PAD_T, CONV_SH, CONV_SW, CONV_W, CONV_WORDS, POOL_C, POOL_H, POOL_KH, POOL_KW, POOL_N,
  POOL_OH, POOL_OW, POOL_PAD_B, POOL_PAD_L, POOL_PAD_R, POOL_PAD_T, POOL_SH, POOL_SW, POOL_W, POOL_WORDS,
} from '../../src/backend/geometry.ts';
import { conv2dScratchBytes } from '../../src/backend/scratch.ts';
import { bands, partCount } from '../../src/backend/parallel-job.ts';

let envs: KernelEnv[];
beforeAll(async () => {
  const { js, wasm } = await kernelEnvs();
  envs = [js, ...wasm];
});

describe('a band of pooling output rows (negative top padding)', () => {
  // 3×3 stride 2 padding 1 over 13×11, 7 channels: OH = 7, OW = 6.
  const H = 13, W = 11, C = 7, OH = 7, OW = 6;
  const words = (oh0: number, oh1: number) => {
    const g = new Array<number>(POOL_WORDS).fill(0);
    g[POOL_N] = 1; g[POOL_H] = H; g[POOL_W] = W; g[POOL_C] = C; g[POOL_KH] = 3; g[POOL_KW] = 3;
    g[POOL_SH] = 2; g[POOL_SW] = 2; g[POOL_PAD_T] = 1 - oh0 * 2; g[POOL_PAD_L] = 1; g[POOL_PAD_B] = 1; g[POOL_PAD_R] = 1;
    g[POOL_OH] = oh1 - oh0; g[POOL_OW] = OW;
    return g;
  };
  const x = randomValues(H * W * C, 3).map((v, i) => (i % 5 === 0 ? -Math.abs(v) - 1 : v));

  for (const kernel of ['maxPool2dForward', 'avgPool2dForward', 'lpPool2dForward'] as const) {
    it(`${kernel}: rows [3, 6) of the whole output, argmax relative to the whole image`, () => {
      for (const env of envs) {
        const run = (g: number[]) => {
          const xp = env.put(kernel === 'lpPool2dForward' ? x.map(Math.abs) : x);
          const rows = g[POOL_OH]!, yp = env.alloc(rows * OW * C), ap = env.allocInts(rows * OW * C);
          const geom = env.params(g);
          if (kernel === 'maxPool2dForward') env.k.maxPool2dForward(geom, xp, yp, ap);
          else if (kernel === 'avgPool2dForward') env.k.avgPool2dForward(geom, xp, yp);
          else env.k.lpPool2dForward(geom, 2, xp, yp);
          const out = { y: env.get(yp, rows * OW * C), argmax: env.getInts(ap, rows * OW * C) };
          env.reset();
          return out;
        };
        const whole = run(words(0, OH)), band = run(words(3, 6));
        const from = 3 * OW * C, to = 6 * OW * C;
        expect(band.y, `${env.name} values`).toEqual(whole.y.subarray(from, to));
        if (kernel === 'maxPool2dForward') expect(band.argmax, `${env.name} argmax`).toEqual(whole.argmax.subarray(from, to));
      }
    });
  }
});

describe('one kernel row of a filter gradient (negative top padding)', () => {
  it('gives those taps of the whole filter gradient, for every kernel row', () => {
    // 3×3 dilation 2 padding 2 stride 1 over 9×8, 5 → 4 channels: OH = 9, OW = 8.
    const N = 2, H = 9, W = 8, C = 5, OC = 4, KH = 3, KW = 3, DH = 2;
    const g = new Array<number>(CONV_WORDS).fill(0);
    g[CONV_N] = N; g[CONV_H] = H; g[CONV_W] = W; g[CONV_C] = C; g[CONV_OC] = OC; g[CONV_KH] = KH; g[CONV_KW] = KW;
    g[CONV_SH] = 1; g[CONV_SW] = 1; g[CONV_PAD_T] = 2; g[CONV_PAD_L] = 2; g[CONV_DH] = DH; g[CONV_DW] = 2;
    g[CONV_GROUPS] = 1; g[CONV_OH] = H; g[CONV_OW] = W;
    const K = KH * KW * C, row = KW * C;
    for (const env of envs) {
      const run = (words: number[], depth: number) => {
        const x = env.put(randomValues(N * H * W * C, 5)), dy = env.put(randomValues(N * H * W * OC, 6));
        const dw = env.alloc(OC * depth), scratch = env.alloc(conv2dScratchBytes('backwardFilter', words) / 4);
        env.k.conv2dBackwardFilter(env.params(words), x, dy, dw, scratch);
        const out = env.get(dw, OC * depth);
        env.reset();
        return out;
      };
      const whole = run(g, K);
      for (let kh = 0; kh < KH; kh++) {
        const sub = [...g];
        sub[CONV_KH] = 1; sub[CONV_PAD_T] = 2 - kh * DH;
        const part = run(sub, row);
        for (let o = 0; o < OC; o++) {
          expect(part.subarray(o * row, (o + 1) * row), `${env.name}: kernel row ${kh}, output channel ${o}`)
            .toEqual(whole.subarray(o * K + kh * row, o * K + (kh + 1) * row));
        }
      }
    }
  });
});

describe('cutting a range into parts', () => {
  it('covers the range exactly, in order, with inner boundaries on the alignment', () => {
    for (const [total, parts, align] of [[10, 3, 1], [100, 8, 6], [7, 16, 1], [90, 4, 8], [1, 4, 64], [10007, 8, 64]] as const) {
      const b = bands(total, parts, align);
      expect(b.length).toBeLessThanOrEqual(parts);
      expect(b[0]![0]).toBe(0);
      expect(b[b.length - 1]![1]).toBe(total);
      b.forEach(([s, e], i) => {
        expect(e).toBeGreaterThan(s);
        if (i > 0) expect(s).toBe(b[i - 1]![1]);
        if (i > 0) expect(s % align).toBe(0);
      });
    }
    // Nearly equal: 100 rows in 6-row units over 8 parts differ by at most one unit.
    const sizes = bands(100, 8, 6).slice(0, -1).map(([s, e]) => e - s);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(6);
  });

  it('gives every thread as many parts, up to four each while parts stay large', () => {
    expect(partCount(2, 1, 8)).toBe(1);
    expect(partCount(3, 2, 8)).toBe(2);
    expect(partCount(2, 5, 8)).toBe(2);
    expect(partCount(3, 100, 8)).toBe(12);
    expect(partCount(4, 1000, 8)).toBe(16);
    expect(partCount(2, 24, 8)).toBe(2);
    expect(partCount(3, 60, 8)).toBe(6);
  });
});
