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


/** [outer, len, inner]: inner = 1 (the fast path), inner not a multiple of 4, len 1, len 0. */
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 5, 1], [2, 17, 1], [4, 10, 1], [1, 33, 1], [2, 3, 3], [2, 5, 4], [3, 7, 6],
  [1, 9, 16], [2, 1, 5], [2, 4, 17], [2, 3, 29], [1, 0, 3],
];
const dims = ([o, l, i]: [number, number, number]) => `[${o}, ${l}, ${i}]`;

describe('reduceSum and broadcastAxis', () => {
  it('the twin sums the middle axis of a hand-written [2, 3, 2]', () => {
    const x = js64.put([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), y = output(js64, 4);
    js64.k.reduceSum(x, y, 2, 3, 2);
    expect([...read(js64, y, 4, 'reduceSum')]).toEqual([9, 12, 27, 30]);
    const b = output(js64, 12);
    js64.k.broadcastAxis(y, b, 2, 3, 2);
    expect([...read(js64, b, 12, 'broadcastAxis')]).toEqual([9, 12, 9, 12, 9, 12, 27, 30, 27, 30, 27, 30]);
    js64.reset();
  });

  it('wasm matches the twin on every shape (len 0 sums to 0)', () => {
    for (const s of SHAPES) {
      const [o, l, i] = s;
      matchesTwin(dims(s), (env) => {
        const x = env.put(randomValues(o * l * i, 1)), y = output(env, o * i);
        env.k.reduceSum(x, y, o, l, i);
        const g = env.put(randomValues(o * i, 2)), b = output(env, o * l * i);
        env.k.broadcastAxis(g, b, o, l, i);
        return [read(env, y, o * i, 'reduceSum'), read(env, b, o * l * i, 'broadcastAxis')];
      });
    }
  });

  it('broadcastAxis is the adjoint of reduceSum', () => {
    for (const [o, l, i] of SHAPES) {
      const xv = randomValues(o * l * i, 3), gv = randomValues(o * i, 4);
      const x = js64.put(xv), y = output(js64, o * i), g = js64.put(gv), b = output(js64, o * l * i);
      js64.k.reduceSum(x, y, o, l, i);
      js64.k.broadcastAxis(g, b, o, l, i);
      const lhs = read(js64, y, o * i, 'sum').reduce((s, v, k) => s + v * gv[k]!, 0);
      const rhs = read(js64, b, o * l * i, 'bcast').reduce((s, v, k) => s + v * xv[k]!, 0);
      expect(lhs).toBeCloseTo(rhs, 12);
      js64.reset();
    }
  });

  it('wasm sums 10^5 values to float32 rounding, along a contiguous axis and down columns', () => {
    const n = 100_000, channels = 6, values = randomValues(n * channels, 5).map((v) => v + 0.5);
    const whole = Array.from(values, Math.fround).reduce((s, v) => s + v, 0);
    const columns = new Array<number>(channels).fill(0);
    values.forEach((v, i) => { columns[i % channels]! += Math.fround(v); });
    for (const env of wasm) {
      const x = env.put(values), y = output(env, 1), yc = output(env, channels);
      env.k.reduceSum(x, y, 1, n * channels, 1);
      env.k.reduceSum(x, yc, 1, n, channels);
      expectClose(read(env, y, 1, 'sum'), [whole], 1e-7, 0, env.name);
      expectClose(read(env, yc, channels, 'column sums'), columns, 1e-7, 0, env.name);
      env.reset();
    }
  });
});

const softmaxRef = (row: number[]) => {
  const m = Math.max(...row), e = row.map((v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const logSoftmaxRef = (row: number[]) => {
  const m = Math.max(...row), ls = Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
  return row.map((v) => v - m - ls);
};

describe('softmax and logSoftmax', () => {
  it('the twin matches hand-computed values along the class axis and along a strided axis', () => {
    const x = js64.put([1, 2, 3, 0, 0, 0]), y = output(js64, 6), ly = output(js64, 6);
    js64.k.softmax(x, y, 2, 3, 1);
    expectClose(read(js64, y, 6, 'softmax'), [...softmaxRef([1, 2, 3]), 1 / 3, 1 / 3, 1 / 3], 1e-14, 1e-15);
    js64.k.logSoftmax(x, ly, 2, 3, 1);
    expectClose(read(js64, ly, 6, 'logSoftmax'), [...softmaxRef([1, 2, 3]).map(Math.log), ...new Array(3).fill(-Math.log(3))], 1e-14, 1e-15);
    // The same numbers laid out as [1, 3, 2]: the axis has stride 2.
    const xt = js64.put([1, 0, 2, 0, 3, 0]), yt = output(js64, 6);
    js64.k.softmax(xt, yt, 1, 3, 2);
    const s = softmaxRef([1, 2, 3]);
    expectClose(read(js64, yt, 6, 'strided softmax'), [s[0]!, 1 / 3, s[1]!, 1 / 3, s[2]!, 1 / 3], 1e-14, 1e-15);
    js64.reset();
  });

  it('wasm matches the twin on every shape', () => {
    for (const s of SHAPES) {
      const [o, l, i] = s, n = o * l * i;
      matchesTwin(dims(s), (env) => {
        const x = env.put(randomValues(n, 6).map((v) => v * 5)), y = output(env, n), ly = output(env, n);
        env.k.softmax(x, y, o, l, i);
        env.k.logSoftmax(x, ly, o, l, i);
        return [read(env, y, n, 'softmax'), read(env, ly, n, 'logSoftmax')];
      }, 1e-5, 1e-7);
    }
  });

  it('stays finite and exact for huge logits (the max is subtracted first)', () => {
    const rows = [[1000, 1001, 1002], [-1000, -1001, -1002], [3e38, 0, -3e38], [88, 89, 90], [-1e5, 0, 1e5]];
    for (const env of envs) {
      const flat = rows.flat(), x = env.put(flat), y = output(env, flat.length), ly = output(env, flat.length);
      env.k.softmax(x, y, rows.length, 3, 1);
      env.k.logSoftmax(x, ly, rows.length, 3, 1);
      const f32 = (r: number[]) => r.map(Math.fround);
      const want = rows.flatMap((r) => softmaxRef(env.dtype === 'float32' ? f32(r) : r));
      expectClose(read(env, y, flat.length, 'softmax'), want, 1e-5, 1e-30, env.name);
      // read() has checked for NaN; the ±3e38 row's smallest log-probability may round to −Inf.
      const logs = read(env, ly, flat.length, 'logSoftmax');
      const finiteRows = [0, 1, 3, 4].flatMap((r) => [3 * r, 3 * r + 1, 3 * r + 2]);
      const wantLog = rows.flatMap((r) => logSoftmaxRef(env.dtype === 'float32' ? f32(r) : r));
      expectClose(finiteRows.map((k) => logs[k]!), finiteRows.map((k) => wantLog[k]!), 1e-6, 1e-5, env.name);
      expect(logs[6], env.name).toBe(0);
      env.reset();
    }
  });

  it('each softmax line sums to 1 and logSoftmax is its log', () => {
    for (const env of envs) {
      const [o, l, i] = [3, 7, 6], n = o * l * i;
      const x = env.put(randomValues(n, 7).map((v) => v * 10)), y = output(env, n), ly = output(env, n);
      env.k.softmax(x, y, o, l, i);
      env.k.logSoftmax(x, ly, o, l, i);
      const sm = read(env, y, n, 'softmax'), lsm = read(env, ly, n, 'logSoftmax');
      for (let a = 0; a < o; a++) {
        for (let c = 0; c < i; c++) {
          let sum = 0;
          for (let b = 0; b < l; b++) sum += sm[(a * l + b) * i + c]!;
          expect(sum, env.name).toBeCloseTo(1, 5);
        }
      }
      expectClose(lsm.map(Math.exp), sm, 1e-5, 1e-7, env.name);
      env.reset();
    }
  });
});

describe('softmaxBackward and logSoftmaxBackward', () => {
  it("match central finite differences of the twin's forward in float64", () => {
    const h = 1e-6;
    for (const [o, l, i] of [[2, 5, 1], [2, 4, 3]] as const) {
      const n = o * l * i, xv = randomValues(n, 8).map((v) => v * 3), gv = randomValues(n, 9);
      for (const log of [false, true]) {
        const env = js64;
        const forward = (values: ArrayLike<number>) => {
          const x = env.put(values), y = output(env, n);
          (log ? env.k.logSoftmax : env.k.softmax)(x, y, o, l, i);
          return env.get(y, n);
        };
        const loss = (values: ArrayLike<number>) => forward(values).reduce((s, v, k) => s + v * gv[k]!, 0);
        const y = env.put(forward(xv)), dy = env.put(gv), dx = output(env, n);
        (log ? env.k.logSoftmaxBackward : env.k.softmaxBackward)(y, dy, dx, o, l, i);
        const analytic = read(env, dx, n, 'backward');
        const numeric = Array.from(xv, (_, k) => {
          const p = Float64Array.from(xv), m = Float64Array.from(xv);
          p[k]! += h;
          m[k]! -= h;
          return (loss(p) - loss(m)) / (2 * h);
        });
        expectClose(analytic, numeric, 1e-6, 1e-8, `${log ? 'logSoftmax' : 'softmax'} [${o}, ${l}, ${i}]`);
        env.reset();
      }
    }
  });

  it('wasm matches the twin on every shape', () => {
    for (const s of SHAPES) {
      const [o, l, i] = s, n = o * l * i;
      matchesTwin(dims(s), (env) => {
        const x = env.put(randomValues(n, 10).map((v) => v * 4)), y = output(env, n), ly = output(env, n);
        env.k.softmax(x, y, o, l, i);
        env.k.logSoftmax(x, ly, o, l, i);
        const dy = env.put(randomValues(n, 11)), dx = output(env, n), ldx = output(env, n);
        env.k.softmaxBackward(y, dy, dx, o, l, i);
        env.k.logSoftmaxBackward(ly, dy, ldx, o, l, i);
        return [read(env, dx, n, 'softmaxBackward'), read(env, ldx, n, 'logSoftmaxBackward')];
      }, 1e-4, 1e-6);
    }
  });
});

describe('nllLoss', () => {
  it('picks −logp at each label, and its backward scatters −dloss there over zeros', () => {
    for (const env of envs) {
      const logp = env.put([-0.1, -2, -3, -1.5, -0.5, -4]), labels = env.putInts([2, 0]);
      const loss = output(env, 2);
      env.k.nllLoss(logp, labels, loss, 2, 3);
      expect([...read(env, loss, 2, 'nllLoss')], env.name).toEqual([3, 1.5]);
      const dloss = env.put([0.5, -2]), dlogp = output(env, 6);
      env.k.nllLossBackward(dloss, labels, dlogp, 2, 3);
      expect([...read(env, dlogp, 6, 'nllLossBackward')], env.name).toEqual([0, 0, -0.5, 2, 0, 0]);
      env.reset();
    }
  });

  it('wasm matches the twin for many rows and classes (10 and 1000)', () => {
    for (const [rows, classes] of [[1, 1], [5, 10], [17, 1000]] as const) {
      const labels = Array.from({ length: rows }, (_, r) => (r * 7919) % classes);
      matchesTwin(`${rows}×${classes}`, (env) => {
        const logp = env.put(randomValues(rows * classes, 12)), lab = env.putInts(labels), loss = output(env, rows);
        env.k.nllLoss(logp, lab, loss, rows, classes);
        const dloss = env.put(randomValues(rows, 13)), dlogp = output(env, rows * classes);
        env.k.nllLossBackward(dloss, lab, dlogp, rows, classes);
        return [read(env, loss, rows, 'nllLoss'), read(env, dlogp, rows * classes, 'nllLossBackward')];
      }, 0, 0);
    }
  });

  it('cross-entropy (logSoftmax then nll) has the gradient softmax − onehot', () => {
    for (const env of envs) {
      const rows = 3, classes = 5, xv = randomValues(rows * classes, 14), labels = [4, 0, 2];
      const x = env.put(xv), lp = output(env, 15), p = output(env, 15);
      env.k.logSoftmax(x, lp, rows, classes, 1);
      env.k.softmax(x, p, rows, classes, 1);
      const lab = env.putInts(labels), ones = env.put([1, 1, 1]), dlp = output(env, 15), dx = output(env, 15);
      env.k.nllLossBackward(ones, lab, dlp, rows, classes);
      env.k.logSoftmaxBackward(lp, dlp, dx, rows, classes, 1);
      const want = Array.from(read(env, p, 15, 'softmax'), (v, k) => v - (labels[Math.floor(k / classes)] === k % classes ? 1 : 0));
      expectClose(read(env, dx, 15, 'dx'), want, 1e-5, 1e-6, env.name);
      env.reset();
    }
  });
});
