import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, randomValues } from '../helpers/compare.ts';
import { allocOutput as output, kernelEnvs, matchesTwin as compareWithTwin, readOutput as read, type KernelEnv } from '../helpers/kernel-harness.ts';

let js: KernelEnv, js64: KernelEnv, wasm: KernelEnv[], envs: KernelEnv[];
const matchesTwin = (what: string, run: (env: KernelEnv) => Float64Array[], rtol = 1e-5, atol = 1e-6) =>
  compareWithTwin({ js, wasm }, what, run, rtol, atol);

beforeAll(async () => {
  ({ js, js64, wasm } = await kernelEnvs());
  envs = [js, js64, ...wasm];
});


/** Central finite differences of a scalar function of a vector. */
function numericGradient(f: (v: Float64Array) => number, at: ArrayLike<number>, h = 1e-6): number[] {
  return Array.from(at, (_, k) => {
    const p = Float64Array.from(at), m = Float64Array.from(at);
    p[k]! += h;
    m[k]! -= h;
    return (f(p) - f(m)) / (2 * h);
  });
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

// 12, 16 and 27 reach every SIMD block width (16, 8 and 4 channels) and the scalar tail.
const CHANNELS = [1, 3, 4, 6, 12, 16, 27];
const ROWS = [1, 3, 5, 17];
const EPS = 1e-5;

describe('batchNormStats', () => {
  it('the twin gives the mean and the biased variance of a hand-written [3, 2]', () => {
    const x = js64.put([1, 2, 3, 4, 5, 9]), mean = output(js64, 2), variance = output(js64, 2);
    js64.k.batchNormStats(x, mean, variance, 3, 2);
    expectClose(read(js64, mean, 2, 'mean'), [3, 5], 1e-15, 0);
    expectClose(read(js64, variance, 2, 'var'), [8 / 3, 26 / 3], 1e-15, 0);
    js64.reset();
  });

  it('wasm matches the twin for channels 1, 3, 4, 6, 16 and rows 1, 3, 5, 17', () => {
    for (const c of CHANNELS) {
      for (const r of ROWS) {
        matchesTwin(`${r}×${c}`, (env) => {
          const x = env.put(randomValues(r * c, r + c)), mean = output(env, c), variance = output(env, c);
          env.k.batchNormStats(x, mean, variance, r, c);
          return [read(env, mean, c, 'mean'), read(env, variance, c, 'var')];
        }, 1e-6, 1e-7);
      }
    }
  });

  it('stays accurate for 10^5 rows and for a large mean over a small spread', () => {
    const rows = 100_000, channels = 6;
    const values = Array.from(randomValues(rows * channels, 3), (v, i) => Math.fround((i % channels) * 300 + 1000 + v * 0.01));
    const mean = new Array<number>(channels).fill(0), variance = new Array<number>(channels).fill(0);
    for (let i = 0; i < values.length; i++) mean[i % channels]! += values[i]! / rows;
    for (let i = 0; i < values.length; i++) variance[i % channels]! += (values[i]! - mean[i % channels]!) ** 2 / rows;
    for (const env of wasm) {
      const x = env.put(values), m = output(env, channels), v = output(env, channels);
      env.k.batchNormStats(x, m, v, rows, channels);
      expectClose(read(env, m, channels, 'mean'), mean, 1e-7, 0, `${env.name} mean`);
      expectClose(read(env, v, channels, 'var'), variance, 1e-6, 0, `${env.name} var`);
      env.reset();
    }
  });
});

describe('batchNormForward', () => {
  it('the twin normalises, scales and shifts a hand-written case; gamma and beta 0 mean 1 and 0', () => {
    const x = js64.put([1, 10, 3, 20]), mean = js64.put([2, 15]), invStd = js64.put([1, 0.2]);
    const gamma = js64.put([2, -1]), beta = js64.put([0.5, 3]), y = output(js64, 4), plain = output(js64, 4);
    js64.k.batchNormForward(x, mean, invStd, gamma, beta, y, 2, 2);
    expectClose(read(js64, y, 4, 'y'), [-1.5, 4, 2.5, 2], 1e-15, 0);
    js64.k.batchNormForward(x, mean, invStd, 0, 0, plain, 2, 2);
    expectClose(read(js64, plain, 4, 'y'), [-1, -1, 1, 1], 1e-15, 0);
    js64.reset();
  });

  it('wasm matches the twin for every channel count, with and without gamma / beta', () => {
    for (const c of CHANNELS) {
      for (const r of [1, 5]) {
        for (const affine of [true, false]) {
          matchesTwin(`${r}×${c} affine ${affine}`, (env) => {
            const x = env.put(randomValues(r * c, 4)), mean = env.put(randomValues(c, 5));
            const invStd = env.put(randomValues(c, 6).map((v) => v + 2));
            const gamma = affine ? env.put(randomValues(c, 7)) : 0, beta = affine ? env.put(randomValues(c, 8)) : 0;
            const y = output(env, r * c);
            env.k.batchNormForward(x, mean, invStd, gamma, beta, y, r, c);
            return [read(env, y, r * c, 'y')];
          }, 1e-6, 1e-6);
        }
      }
    }
  });
});

describe('batchNormBackward', () => {
  /** y = BN(x) with the batch's own statistics (training) or given constants (eval). */
  function bnForward(env: KernelEnv, xv: ArrayLike<number>, gv: ArrayLike<number>, bv: ArrayLike<number>,
    rows: number, channels: number, fixed?: { mean: number[]; invStd: number[] }) {
    const x = env.put(xv);
    let mean: number, invStd: number;
    if (fixed) {
      mean = env.put(fixed.mean);
      invStd = env.put(fixed.invStd);
    } else {
      mean = output(env, channels);
      const variance = output(env, channels);
      env.k.batchNormStats(x, mean, variance, rows, channels);
      invStd = env.put(env.get(variance, channels).map((v) => 1 / Math.sqrt(v + EPS)));
    }
    const gamma = env.put(gv), beta = env.put(bv), y = output(env, rows * channels);
    env.k.batchNormForward(x, mean, invStd, gamma, beta, y, rows, channels);
    return { x, mean, invStd, gamma, y: env.get(y, rows * channels) };
  }

  it("matches finite differences of the twin's forward in float64, training and eval", () => {
    const env = js64;
    for (const [rows, channels] of [[5, 3], [4, 4], [7, 1]] as const) {
      const n = rows * channels;
      const xv = randomValues(n, 9), gv = randomValues(channels, 10).map((v) => v + 1.5);
      const bv = randomValues(channels, 11), dyv = randomValues(n, 12);
      const fixed = { mean: Array.from(randomValues(channels, 13)), invStd: Array.from(randomValues(channels, 14), (v) => v + 2) };
      for (const training of [1, 0]) {
        const stats = training ? undefined : fixed;
        const loss = (x: ArrayLike<number>, g: ArrayLike<number>, b: ArrayLike<number>) => dot(bnForward(env, x, g, b, rows, channels, stats).y, dyv);
        const f = bnForward(env, xv, gv, bv, rows, channels, stats);
        const dy = env.put(dyv), dx = output(env, n), dgamma = output(env, channels), dbeta = output(env, channels);
        env.k.batchNormBackward(training, f.x, dy, f.mean, f.invStd, f.gamma, dx, dgamma, dbeta, rows, channels);
        const what = `${rows}×${channels} training ${training}`;
        expectClose(read(env, dx, n, 'dx'), numericGradient((v) => loss(v, gv, bv), xv), 1e-5, 1e-7, `${what} dx`);
        expectClose(read(env, dgamma, channels, 'dgamma'), numericGradient((v) => loss(xv, v, bv), gv), 1e-5, 1e-7, `${what} dgamma`);
        expectClose(read(env, dbeta, channels, 'dbeta'), numericGradient((v) => loss(xv, gv, v), bv), 1e-5, 1e-7, `${what} dbeta`);
        env.reset();
      }
    }
  });

  it('wasm matches the twin for every channel count, both modes, optional dgamma / dbeta / gamma', () => {
    for (const c of CHANNELS) {
      for (const r of [1, 5, 17]) {
        for (const training of [1, 0]) {
          for (const withParams of [true, false]) {
            matchesTwin(`${r}×${c} training ${training} params ${withParams}`, (env) => {
              const xv = randomValues(r * c, 15);
              const x = env.put(xv), mean = output(env, c), variance = output(env, c);
              env.k.batchNormStats(x, mean, variance, r, c);
              const invStd = env.put(env.get(variance, c).map((v) => 1 / Math.sqrt(v + EPS)));
              const gamma = withParams ? env.put(randomValues(c, 16)) : 0;
              const dy = env.put(randomValues(r * c, 17)), dx = output(env, r * c);
              const dgamma = withParams ? output(env, c) : 0, dbeta = withParams ? output(env, c) : 0;
              env.k.batchNormBackward(training, x, dy, mean, invStd, gamma, dx, dgamma, dbeta, r, c);
              const outs = [read(env, dx, r * c, 'dx')];
              if (withParams) outs.push(read(env, dgamma, c, 'dgamma'), read(env, dbeta, c, 'dbeta'));
              return outs;
            }, 1e-5, 1e-6);
          }
        }
      }
    }
  });

  it('in eval mode dx is dy·gamma·invStd', () => {
    for (const env of envs) {
      const x = env.put([1, 2, 3, 4]), dy = env.put([1, -1, 2, 0.5]), mean = env.put([0, 0]);
      const invStd = env.put([0.5, 2]), gamma = env.put([3, -1]), dx = output(env, 4);
      env.k.batchNormBackward(0, x, dy, mean, invStd, gamma, dx, 0, 0, 2, 2);
      expectClose(read(env, dx, 4, 'dx'), [1.5, 2, 3, -1], 1e-7, 0, env.name);
      env.reset();
    }
  });
});

/** PyTorch's LocalResponseNorm over one row of channels, written from its definition: square, zero-pad
 *  the channel axis by ⌊size/2⌋ before and ⌊(size−1)/2⌋ after, average over `size`, then x / (k + alpha·avg)^beta. */
function lrnReference(row: number[], size: number, alpha: number, beta: number, k: number): number[] {
  const padded = [...new Array(size >> 1).fill(0), ...row.map((v) => v * v), ...new Array((size - 1) >> 1).fill(0)];
  return row.map((v, c) => {
    let s = 0;
    for (let j = 0; j < size; j++) s += padded[c + j]!;
    return v / (k + (alpha * s) / size) ** beta;
  });
}

const LRN_CASES: [number, number, number, number, number][] = [
  // size, alpha, beta, k, channels
  [5, 1e-4, 0.75, 2, 16], [5, 1e-2, 0.75, 1, 6], [2, 0.5, 0.5, 1, 3], [3, 0.3, 1, 1, 4],
  [1, 0.1, 0.6, 1, 5], [7, 0.2, 0.75, 1, 17], [4, 0.4, 1.3, 2, 1], [5, 0.1, 0.75, 1, 3],
];

describe('lrnForward and lrnBackward', () => {
  it('the twin follows PyTorch’s definition (even and odd sizes, windows clipped at the edges)', () => {
    for (const [size, alpha, beta, k, channels] of LRN_CASES) {
      const rows = 2, xv = randomValues(rows * channels, 18).map((v) => v * 3);
      const x = js64.put(xv), y = output(js64, rows * channels), denom = output(js64, rows * channels);
      js64.k.lrnForward(x, y, denom, rows, channels, size, alpha, beta, k);
      const want = [0, 1].flatMap((r) => lrnReference(Array.from(xv.subarray(r * channels, (r + 1) * channels)), size, alpha, beta, k));
      expectClose(read(js64, y, rows * channels, 'y'), want, 1e-13, 1e-15, `size ${size} channels ${channels}`);
      read(js64, denom, rows * channels, 'denom');
      js64.reset();
    }
  });

  it('wasm matches the twin, including the SIMD paths for beta 0.75, 0.5 and 1', () => {
    for (const [size, alpha, beta, k, channels] of LRN_CASES) {
      for (const rows of [1, 4]) {
        matchesTwin(`size ${size} beta ${beta} ${rows}×${channels}`, (env) => {
          const n = rows * channels;
          const x = env.put(randomValues(n, 19).map((v) => v * 4)), y = output(env, n), denom = output(env, n);
          env.k.lrnForward(x, y, denom, rows, channels, size, alpha, beta, k);
          const dy = env.put(randomValues(n, 20)), dx = output(env, n);
          env.k.lrnBackward(x, y, denom, dy, dx, rows, channels, size, alpha, beta, k);
          return [read(env, y, n, 'y'), read(env, denom, n, 'denom'), read(env, dx, n, 'dx')];
        }, 1e-5, 1e-6);
      }
    }
  });

  it("lrnBackward matches finite differences of the twin's forward in float64", () => {
    const env = js64;
    for (const [size, alpha, beta, k, channels] of LRN_CASES) {
      const rows = 2, n = rows * channels;
      const xv = randomValues(n, 21).map((v) => v * 2), dyv = randomValues(n, 22);
      const forward = (values: ArrayLike<number>) => {
        const x = env.put(values), y = output(env, n), denom = output(env, n);
        env.k.lrnForward(x, y, denom, rows, channels, size, alpha, beta, k);
        return { x, y, denom };
      };
      const f = forward(xv);
      const dy = env.put(dyv), dx = output(env, n);
      env.k.lrnBackward(f.x, f.y, f.denom, dy, dx, rows, channels, size, alpha, beta, k);
      const numeric = numericGradient((v) => dot(env.get(forward(v).y, n), dyv), xv);
      expectClose(read(env, dx, n, 'dx'), numeric, 1e-6, 1e-8, `size ${size} channels ${channels}`);
      env.reset();
    }
  });
});
