import type { Kernels } from '../kernels.ts';
import type { JsMemory } from './memory.ts';

type ReduceKernels = Pick<Kernels, 'reduceSum' | 'broadcastAxis' | 'softmax' | 'softmaxBackward' |
  'logSoftmax' | 'logSoftmaxBackward' | 'nllLoss' | 'nllLossBackward'>;

/**
 * JS twins of assembly/kernels/reduce.ts. x is [outer, len, inner]; element (o, l, i) sits at
 * (o·len + l)·inner + i. Sums are accumulated in JS numbers (float64) and rounded once on store,
 * which makes the twin the more accurate side of every comparison.
 */
export function reduceKernels(mem: JsMemory): ReduceKernels {
  /** Calls fn(base, stride) for every (o, i) line along the axis. */
  const lines = (outer: number, len: number, inner: number, fn: (base: number) => void) => {
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) fn(o * len * inner + i);
  };

  const softmaxLike = (log: boolean) => (x: number, y: number, outer: number, len: number, inner: number) => {
    const f = mem.float, s = mem.shift, xo = x >> s, yo = y >> s;
    lines(outer, len, inner, (base) => {
      let m = -Infinity;
      for (let l = 0; l < len; l++) m = Math.max(m, f[xo + base + l * inner]!);
      let sum = 0;
      for (let l = 0; l < len; l++) sum += Math.exp(f[xo + base + l * inner]! - m);
      const logSum = Math.log(sum);
      for (let l = 0; l < len; l++) {
        const shifted = f[xo + base + l * inner]! - m;
        f[yo + base + l * inner] = log ? shifted - logSum : Math.exp(shifted) / sum;
      }
    });
  };

  return {
    reduceSum(x, y, outer, len, inner) {
      const f = mem.float, s = mem.shift, xo = x >> s, yo = y >> s;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          let sum = 0;
          for (let l = 0; l < len; l++) sum += f[xo + (o * len + l) * inner + i]!;
          f[yo + o * inner + i] = sum;
        }
      }
    },

    broadcastAxis(x, y, outer, len, inner) {
      const f = mem.float, s = mem.shift, xo = x >> s, yo = y >> s;
      for (let o = 0; o < outer; o++) {
        for (let l = 0; l < len; l++) {
          for (let i = 0; i < inner; i++) f[yo + (o * len + l) * inner + i] = f[xo + o * inner + i]!;
        }
      }
    },

    softmax: softmaxLike(false),
    logSoftmax: softmaxLike(true),

    softmaxBackward(y, dy, dx, outer, len, inner) {
      const f = mem.float, s = mem.shift, yo = y >> s, dyo = dy >> s, dxo = dx >> s;
      lines(outer, len, inner, (base) => {
        let dot = 0;
        for (let l = 0; l < len; l++) dot += f[dyo + base + l * inner]! * f[yo + base + l * inner]!;
        for (let l = 0; l < len; l++) {
          const j = base + l * inner;
          f[dxo + j] = f[yo + j]! * (f[dyo + j]! - dot);
        }
      });
    },

    logSoftmaxBackward(y, dy, dx, outer, len, inner) {
      const f = mem.float, s = mem.shift, yo = y >> s, dyo = dy >> s, dxo = dx >> s;
      lines(outer, len, inner, (base) => {
        let sum = 0;
        for (let l = 0; l < len; l++) sum += f[dyo + base + l * inner]!;
        for (let l = 0; l < len; l++) {
          const j = base + l * inner;
          f[dxo + j] = f[dyo + j]! - Math.exp(f[yo + j]!) * sum;
        }
      });
    },

    nllLoss(logp, labels, loss, rows, classes) {
      const f = mem.float, s = mem.shift, i32 = mem.i32;
      for (let r = 0; r < rows; r++) f[(loss >> s) + r] = -f[(logp >> s) + r * classes + i32[(labels >> 2) + r]!]!;
    },

    nllLossBackward(dloss, labels, dlogp, rows, classes) {
      const f = mem.float, s = mem.shift, i32 = mem.i32, o = dlogp >> s;
      f.fill(0, o, o + rows * classes);
      for (let r = 0; r < rows; r++) f[o + r * classes + i32[(labels >> 2) + r]!] = -f[(dloss >> s) + r]!;
    },
  };
}
