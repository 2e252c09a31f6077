import type { Kernels } from '../kernels.ts';
import type { JsMemory } from './memory.ts';

type NormKernels = Pick<Kernels, 'batchNormStats' | 'batchNormForward' | 'batchNormBackward' |
  'lrnForward' | 'lrnBackward'>;

/**
 * JS twins of assembly/kernels/norm.ts, written straight from the formulas. x is [rows, channels];
 * element (r, c) sits at r·channels + c. Sums run in JS numbers (float64).
 */
export function normKernels(mem: JsMemory): NormKernels {
  return {
    batchNormStats(x, mean, variance, rows, channels) {
      const f = mem.float, s = mem.shift, xo = x >> s;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += f[xo + r * channels + c]!;
        const m = sum / rows;
        let sq = 0;
        for (let r = 0; r < rows; r++) sq += (f[xo + r * channels + c]! - m) ** 2;
        f[(mean >> s) + c] = m;
        f[(variance >> s) + c] = sq / rows;
      }
    },

    batchNormForward(x, mean, invStd, gamma, beta, y, rows, channels) {
      const f = mem.float, s = mem.shift, xo = x >> s, yo = y >> s;
      for (let c = 0; c < channels; c++) {
        const m = f[(mean >> s) + c]!, is = f[(invStd >> s) + c]!;
        const g = gamma ? f[(gamma >> s) + c]! : 1, b = beta ? f[(beta >> s) + c]! : 0;
        for (let r = 0; r < rows; r++) {
          const i = r * channels + c;
          f[yo + i] = (f[xo + i]! - m) * is * g + b;
        }
      }
    },

    batchNormBackward(training, x, dy, mean, invStd, gamma, dx, dgamma, dbeta, rows, channels) {
      const f = mem.float, s = mem.shift, xo = x >> s, dyo = dy >> s, dxo = dx >> s;
      for (let c = 0; c < channels; c++) {
        const m = f[(mean >> s) + c]!, is = f[(invStd >> s) + c]!;
        const g = gamma ? f[(gamma >> s) + c]! : 1;
        let sumDy = 0, sumDyXhat = 0;
        for (let r = 0; r < rows; r++) {
          const i = r * channels + c;
          sumDy += f[dyo + i]!;
          sumDyXhat += f[dyo + i]! * (f[xo + i]! - m) * is;
        }
        if (dgamma) f[(dgamma >> s) + c] = sumDyXhat;
        if (dbeta) f[(dbeta >> s) + c] = sumDy;
        for (let r = 0; r < rows; r++) {
          const i = r * channels + c;
          const xhat = (f[xo + i]! - m) * is;
          f[dxo + i] = training
            ? (is * g / rows) * (rows * f[dyo + i]! - sumDy - xhat * sumDyXhat)
            : f[dyo + i]! * g * is;
        }
      }
    },

    lrnForward(x, y, denom, rows, channels, size, alpha, beta, k) {
      const f = mem.float, s = mem.shift, xo = x >> s, yo = y >> s, dno = denom >> s;
      const before = Math.floor(size / 2), after = Math.floor((size - 1) / 2);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < channels; c++) {
          let sum = 0;
          for (let j = Math.max(0, c - before); j <= Math.min(channels - 1, c + after); j++) {
            sum += f[xo + r * channels + j]! ** 2;
          }
          const i = r * channels + c, d = k + (alpha / size) * sum;
          f[dno + i] = d;
          f[yo + i] = f[xo + i]! * Math.pow(d, -beta);
        }
      }
    },

    lrnBackward(x, y, denom, dy, dx, rows, channels, size, alpha, beta, k) {
      void k; // denom already holds k + alpha/size·Σx²
      const f = mem.float, s = mem.shift;
      const xo = x >> s, yo = y >> s, dno = denom >> s, dyo = dy >> s, dxo = dx >> s;
      const before = Math.floor(size / 2), after = Math.floor((size - 1) / 2);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < channels; c++) {
          // Output c' depends on x_c when c lies in its window [c' − before, c' + after].
          let sum = 0;
          for (let j = Math.max(0, c - after); j <= Math.min(channels - 1, c + before); j++) {
            const i = r * channels + j;
            sum += f[dyo + i]! * f[yo + i]! / f[dno + i]!;
          }
          const i = r * channels + c;
          f[dxo + i] = f[dyo + i]! * Math.pow(f[dno + i]!, -beta) - (2 * alpha * beta / size) * f[xo + i]! * sum;
        }
      }
    },
  };
}
