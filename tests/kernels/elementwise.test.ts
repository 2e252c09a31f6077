import { beforeAll, describe, expect, it } from 'vitest';
import { BCAST_A_STRIDES, BCAST_B_STRIDES, BCAST_MAX_RANK, BCAST_RANK, BCAST_SHAPE, BCAST_WORDS } from '../../src/backend/geometry.ts';
import {
  BINARY_ADD, BINARY_DIV, BINARY_MUL, BINARY_SUB, UNARY_EXP, UNARY_NEG, UNARY_RELU,
  UNARY_SCALED_TANH, UNARY_SIGMOID, UNARY_SQUARE, UNARY_TANH,
} from '../../src/backend/kernels.ts';
import { expectClose, randomValues } from '../helpers/compare.ts';
import { allocOutput as output, kernelEnvs, matchesTwin as compareWithTwin, readOutput as read, type KernelEnv } from '../helpers/kernel-harness.ts';

let js: KernelEnv, js64: KernelEnv, wasm: KernelEnv[], envs: KernelEnv[];
const matchesTwin = (what: string, run: (env: KernelEnv) => Float64Array[], rtol = 1e-6, atol = 1e-7) =>
  compareWithTwin({ js, wasm }, what, run, rtol, atol);

beforeAll(async () => {
  ({ js, js64, wasm } = await kernelEnvs());
  envs = [js, js64, ...wasm];
});


const SIZES = [0, 1, 3, 4, 5, 8, 17, 33];

describe('fill', () => {
  it('writes the value into every element, also for counts that are not a multiple of 4', () => {
    for (const env of envs) {
      for (const n of [1, 3, 4, 7, 33]) {
        const y = env.alloc(n + 1);
        env.k.fill(y, 2.5, n);
        const out = env.get(y, n + 1);
        expect([...out.subarray(0, n)], env.name).toEqual(new Array(n).fill(2.5));
        expect(out[n], `${env.name}: the element past the end stays untouched`).toBeNaN();
      }
      env.reset();
    }
  });
});

describe('binary', () => {
  const OPS = [BINARY_ADD, BINARY_SUB, BINARY_MUL, BINARY_DIV];

  it('the twin computes add, sub, mul and div of a hand-checked case', () => {
    const a = js64.put([1, -2, 3]), b = js64.put([4, 5, -6]), y = output(js64, 3);
    const expected = [[5, 3, -3], [-3, -7, 9], [4, -10, -18], [0.25, -0.4, -0.5]];
    OPS.forEach((op, i) => {
      js64.k.binary(op, a, b, y, 3);
      expect([...read(js64, y, 3, 'binary')]).toEqual(expected[i]);
    });
    js64.reset();
  });

  it('wasm matches the twin for every op and size, leaving the guard untouched', () => {
    for (const op of OPS) {
      for (const n of SIZES) {
        matchesTwin(`op ${op} n ${n}`, (env) => {
          const a = env.put(randomValues(n, 1)), b = env.put(randomValues(n, 2).map((v) => v + 3));
          const y = output(env, n);
          env.k.binary(op, a, b, y, n);
          return [read(env, y, n, 'binary')];
        }, 0, 0);
      }
    }
  });

  it('writes in place when y aliases a or b', () => {
    for (const env of envs) {
      const a = env.put([1, 2, 3, 4, 5]), b = env.put([10, 20, 30, 40, 50]);
      env.k.binary(BINARY_SUB, a, b, a, 5);
      expect([...env.get(a, 5)], env.name).toEqual([-9, -18, -27, -36, -45]);
      env.k.binary(BINARY_MUL, a, b, b, 5);
      expect([...env.get(b, 5)], env.name).toEqual([-90, -360, -810, -1440, -2250]);
      env.reset();
    }
  });
});

/** NumPy-style broadcast geometry of two shapes: the block, the output shape and the sizes. */
function broadcastGeometry(aShape: number[], bShape: number[]) {
  const rank = Math.max(aShape.length, bShape.length);
  const pad = (s: number[]) => [...new Array(BCAST_MAX_RANK - s.length).fill(1), ...s];
  const a6 = pad(aShape), b6 = pad(bShape);
  const out6 = a6.map((d, i) => Math.max(d, b6[i]!));
  const strides = (s: number[]) => {
    const st = new Array<number>(BCAST_MAX_RANK).fill(0);
    let acc = 1;
    for (let d = BCAST_MAX_RANK - 1; d >= 0; d--) {
      st[d] = s[d] === 1 ? 0 : acc;
      acc *= s[d]!;
    }
    return st;
  };
  const words = new Array<number>(BCAST_WORDS).fill(0);
  words[BCAST_RANK] = rank;
  for (let d = 0; d < BCAST_MAX_RANK; d++) {
    words[BCAST_SHAPE + d] = out6[d]!;
    words[BCAST_A_STRIDES + d] = strides(a6)[d]!;
    words[BCAST_B_STRIDES + d] = strides(b6)[d]!;
  }
  const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
  return { words, outShape: out6.slice(BCAST_MAX_RANK - rank), outSize: size(out6), aSize: size(aShape), bSize: size(bShape), a6, b6, out6 };
}

/** The flat index into an operand of padded shape s6 for the output multi-index idx (size-1 dims pin to 0). */
function operandIndex(idx: number[], s6: number[]): number {
  let flat = 0;
  for (let d = 0; d < BCAST_MAX_RANK; d++) flat = flat * s6[d]! + (s6[d] === 1 ? 0 : idx[d]!);
  return flat;
}

function multiIndex(i: number, out6: number[]): number[] {
  const idx = new Array<number>(BCAST_MAX_RANK);
  for (let d = BCAST_MAX_RANK - 1; d >= 0; d--) {
    idx[d] = i % out6[d]!;
    i = Math.floor(i / out6[d]!);
  }
  return idx;
}

const BROADCAST_CASES: [number[], number[]][] = [
  [[2, 1, 3], [4, 1]], // both sides broadcast
  [[4, 1], [2, 1, 3]],
  [[2, 3, 5], [2, 3, 5]], // same shapes
  [[7, 5], [5]], // a row vector over the innermost dim
  [[2, 3, 3, 6], [6]], // a per-channel bias on NHWC
  [[2, 2, 3, 3], [3]],
  [[9, 16], [16]],
  [[4, 6], [1]], // a scalar
  [[], [3, 5]],
  [[3, 5], []],
  [[5, 1], [1, 5]], // an outer product
  [[6, 4], [6, 1]], // a per-row scalar
  [[2, 1, 2, 1, 3, 1], [1, 3, 1, 2, 1, 5]], // all six slots
  [[1, 1, 7], [1, 1, 1]],
];

describe('binaryBroadcast', () => {
  it('the twin matches a brute-force broadcast of [2,1,3] with [4,1]', () => {
    const g = broadcastGeometry([2, 1, 3], [4, 1]);
    expect(g.outShape).toEqual([2, 4, 3]);
    const av = [1, 2, 3, 4, 5, 6], bv = [10, 20, 30, 40];
    const a = js64.put(av), b = js64.put(bv), y = output(js64, 24);
    js64.k.binaryBroadcast(BINARY_ADD, js64.params(g.words), a, b, y);
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 3; k++) expected.push(av[i * 3 + k]! + bv[j]!);
    expect([...read(js64, y, 24, 'broadcast')]).toEqual(expected);
    js64.reset();
  });

  it('the twin agrees with index arithmetic on every case', () => {
    for (const [as, bs] of BROADCAST_CASES) {
      const g = broadcastGeometry(as, bs);
      const av = randomValues(g.aSize, 3), bv = randomValues(g.bSize, 4);
      const a = js64.put(av), b = js64.put(bv), y = output(js64, g.outSize);
      js64.k.binaryBroadcast(BINARY_MUL, js64.params(g.words), a, b, y);
      const expected = Array.from({ length: g.outSize }, (_, i) => {
        const idx = multiIndex(i, g.out6);
        return av[operandIndex(idx, g.a6)]! * bv[operandIndex(idx, g.b6)]!;
      });
      expect([...read(js64, y, g.outSize, `${as} × ${bs}`)]).toEqual(expected);
      js64.reset();
    }
  });

  it('wasm matches the twin for every op on every case (same shapes, row vectors, scalars, 6-D)', () => {
    for (const op of [BINARY_ADD, BINARY_SUB, BINARY_MUL, BINARY_DIV]) {
      for (const [as, bs] of BROADCAST_CASES) {
        const g = broadcastGeometry(as, bs);
        matchesTwin(`op ${op}: ${JSON.stringify(as)} with ${JSON.stringify(bs)}`, (env) => {
          const a = env.put(randomValues(g.aSize, 5)), b = env.put(randomValues(g.bSize, 6).map((v) => v + 3));
          const y = output(env, g.outSize);
          env.k.binaryBroadcast(op, env.params(g.words), a, b, y);
          return [read(env, y, g.outSize, 'broadcast')];
        }, 0, 0);
      }
    }
  });

  it('follows arbitrary strides (a transposed operand)', () => {
    // a is a 3×4 matrix read transposed as 4×3: strides [1, 4].
    const words = broadcastGeometry([4, 3], [4, 3]).words;
    words[BCAST_A_STRIDES + 4] = 1;
    words[BCAST_A_STRIDES + 5] = 4;
    const av = randomValues(12, 7), bv = randomValues(12, 8);
    const expected = Array.from({ length: 12 }, (_, i) => av[(i % 3) * 4 + Math.floor(i / 3)]! - bv[i]!);
    for (const env of envs) {
      const a = env.put(av), b = env.put(bv), y = output(env, 12);
      env.k.binaryBroadcast(BINARY_SUB, env.params(words), a, b, y);
      expectClose(read(env, y, 12, 'transposed'), expected, 1e-6, 1e-7, env.name);
      env.reset();
    }
  });
});

describe('sumToShape', () => {
  it('the twin sums [2,4,3] back to [2,1,3] and to [4,1] as brute force does', () => {
    const dyv = randomValues(24, 9);
    for (const [target, other] of [[[2, 1, 3], [4, 1]], [[4, 1], [2, 1, 3]]] as const) {
      const g = broadcastGeometry([...target], [...other]);
      const size = g.aSize;
      const expected = new Array<number>(size).fill(0);
      for (let i = 0; i < 24; i++) expected[operandIndex(multiIndex(i, g.out6), g.a6)]! += dyv[i]!;
      const dy = js64.put(dyv), da = output(js64, size);
      js64.k.sumToShape(js64.params(g.words), dy, da, size);
      expectClose(read(js64, da, size, 'sumToShape'), expected, 1e-14, 1e-15);
      js64.reset();
    }
  });

  it('is the adjoint of the broadcast: ⟨broadcast(a), dy⟩ = ⟨a, sumToShape(dy)⟩', () => {
    for (const [as, bs] of BROADCAST_CASES) {
      const g = broadcastGeometry(as, bs);
      const av = randomValues(g.aSize, 10), dyv = randomValues(g.outSize, 11);
      const a = js64.put(av), zero = js64.put(new Array(g.bSize).fill(0)), y = output(js64, g.outSize);
      js64.k.binaryBroadcast(BINARY_ADD, js64.params(g.words), a, zero, y);
      const ya = read(js64, y, g.outSize, 'broadcast');
      const dy = js64.put(dyv), da = output(js64, g.aSize);
      js64.k.sumToShape(js64.params(g.words), dy, da, g.aSize);
      const dav = read(js64, da, g.aSize, 'sumToShape');
      const lhs = ya.reduce((s, v, i) => s + v * dyv[i]!, 0), rhs = dav.reduce((s, v, i) => s + v * av[i]!, 0);
      expect(lhs).toBeCloseTo(rhs, 10);
      js64.reset();
    }
  });

  it('sums a bias gradient over 10^5 rows to float32 rounding', () => {
    const rows = 100_000, channels = 6, g = broadcastGeometry([channels], [rows, channels]);
    const values = randomValues(rows * channels, 22).map((v) => v + 0.5);
    const want = new Array<number>(channels).fill(0);
    values.forEach((v, i) => { want[i % channels]! += Math.fround(v); });
    for (const env of wasm) {
      const dy = env.put(values), da = output(env, channels);
      env.k.sumToShape(env.params(g.words), dy, da, channels);
      expectClose(read(env, da, channels, 'bias gradient'), want, 1e-7, 0, env.name);
      env.reset();
    }
  });

  it('wasm matches the twin for both operands of every case', () => {
    for (const [as, bs] of BROADCAST_CASES) {
      for (const [target, other] of [[as, bs], [bs, as]]) {
        const g = broadcastGeometry(target!, other!);
        matchesTwin(`${JSON.stringify(target)} from ${JSON.stringify(g.outShape)}`, (env) => {
          const dy = env.put(randomValues(g.outSize, 12)), da = output(env, g.aSize);
          env.k.sumToShape(env.params(g.words), dy, da, g.aSize);
          return [read(env, da, g.aSize, 'sumToShape')];
        }, 1e-5, 1e-6);
      }
    }
  });
});

describe('affine and addRowVector', () => {
  it('affine computes alpha·x + beta, in place too', () => {
    for (const n of SIZES) {
      matchesTwin(`affine n ${n}`, (env) => {
        const x = env.put(randomValues(n, 13)), y = output(env, n);
        env.k.affine(x, -1.5, 0.25, y, n);
        env.k.affine(x, 2, -1, x, n);
        return [read(env, y, n, 'affine'), env.get(x, n)];
      });
    }
    const x = js64.put([1, 2, -3]), y = output(js64, 3);
    js64.k.affine(x, 2, 1, y, 3);
    expect([...read(js64, y, 3, 'affine')]).toEqual([3, 5, -5]);
    js64.reset();
  });

  it('addRowVector adds b to every row for widths 1, 3, 4, 6, 16', () => {
    const x0 = js64.put([1, 2, 3, 4, 5, 6]), b0 = js64.put([10, 20, 30]), y0 = output(js64, 6);
    js64.k.addRowVector(x0, b0, y0, 2, 3);
    expect([...read(js64, y0, 6, 'addRowVector')]).toEqual([11, 22, 33, 14, 25, 36]);
    js64.reset();
    for (const cols of [1, 3, 4, 6, 16]) {
      for (const rows of [0, 1, 5]) {
        matchesTwin(`${rows}×${cols}`, (env) => {
          const x = env.put(randomValues(rows * cols, 14)), b = env.put(randomValues(cols, 15));
          const y = output(env, rows * cols);
          env.k.addRowVector(x, b, y, rows, cols);
          return [read(env, y, rows * cols, 'addRowVector')];
        }, 0, 0);
      }
    }
  });
});

describe('copy2d', () => {
  it('concatenates two [2,3] and [2,2] blocks along the last axis', () => {
    for (const env of envs) {
      const a = env.put([1, 2, 3, 4, 5, 6]), b = env.put([7, 8, 9, 10]), y = output(env, 10);
      env.k.copy2d(a, 3, 0, y, 5, 0, 2, 3);
      env.k.copy2d(b, 2, 0, y, 5, 3, 2, 2);
      expect([...read(env, y, 10, 'concat')], env.name).toEqual([1, 2, 3, 7, 8, 4, 5, 6, 9, 10]);
      env.reset();
    }
  });

  it('slices a window out of a wider matrix and copies contiguous blocks whole', () => {
    for (const [rows, cols, srcStride, srcOffset, dstStride, dstOffset] of [
      [4, 5, 9, 2, 5, 0], [3, 7, 7, 0, 7, 0], [1, 1, 1, 0, 1, 0], [5, 3, 3, 0, 6, 3], [0, 4, 4, 0, 4, 0],
    ] as const) {
      const srcLen = Math.max(1, rows * srcStride + srcOffset), dstLen = rows * dstStride + dstOffset;
      const src = randomValues(srcLen, 16);
      for (const env of envs) {
        const s = env.put(src), d = env.put(new Array(dstLen).fill(-1));
        env.k.copy2d(s, srcStride, srcOffset, d, dstStride, dstOffset, rows, cols);
        const out = env.get(d, dstLen);
        for (let i = 0; i < dstLen; i++) {
          const r = Math.floor((i - dstOffset) / dstStride), c = (i - dstOffset) - r * dstStride;
          const inside = i >= dstOffset && r < rows && c < cols;
          const want = inside ? src[r * srcStride + srcOffset + c]! : -1;
          expect(out[i], `${env.name} element ${i}`).toBe(env.dtype === 'float32' ? Math.fround(want) : want);
        }
        env.reset();
      }
    }
  });
});

const UNARY_OPS: [string, number, (x: number) => number][] = [
  ['relu', UNARY_RELU, (x) => Math.max(x, 0)],
  ['sigmoid', UNARY_SIGMOID, (x) => 1 / (1 + Math.exp(-x))],
  ['tanh', UNARY_TANH, Math.tanh],
  ['scaledTanh', UNARY_SCALED_TANH, (x) => 1.7159 * Math.tanh((2 / 3) * x)],
  ['exp', UNARY_EXP, Math.exp],
  ['neg', UNARY_NEG, (x) => -x],
  ['square', UNARY_SQUARE, (x) => x * x],
];

describe('unary', () => {
  it('the twin computes each function on hand-picked points', () => {
    const xs = [-2, -0.5, 0, 0.3, 1.5];
    for (const [name, op, f] of UNARY_OPS) {
      const x = js64.put(xs), y = output(js64, xs.length);
      js64.k.unary(op, x, y, xs.length);
      expectClose(read(js64, y, xs.length, name), xs.map(f), 1e-15, 1e-15, name);
      js64.reset();
    }
  });

  it('wasm matches the twin for every op and size (max relative error ~1e-6)', () => {
    for (const [name, op] of UNARY_OPS) {
      for (const n of SIZES) {
        matchesTwin(`${name} n ${n}`, (env) => {
          const x = env.put(randomValues(n, 17).map((v) => v * 4)), y = output(env, n);
          env.k.unary(op, x, y, n);
          return [read(env, y, n, name)];
        }, 2e-6, 1e-30);
      }
    }
  });

  it('is accurate over the whole range: tiny, moderate and large magnitudes', () => {
    const xs = [0, 1e-8, -1e-8, 1e-4, -3e-3, 0.1, -0.34, 0.35, 0.7, -1, 2.5, 5, -8, 9.5, 15, -20, 40, -60, 80, -85, 88, -87];
    for (const [name, op] of UNARY_OPS) {
      matchesTwin(name, (env) => {
        const x = env.put(xs), y = output(env, xs.length);
        env.k.unary(op, x, y, xs.length);
        return [read(env, y, xs.length, name)];
      }, 2e-6, 1e-37);
    }
  });

  it('tanh, scaledTanh and sigmoid saturate without NaN or Inf at ±100 and beyond', () => {
    const xs = [100, -100, 1e4, -1e4, 3e38, -3e38];
    for (const env of envs) {
      for (const [name, op, f] of UNARY_OPS.filter(([n]) => n === 'tanh' || n === 'scaledTanh' || n === 'sigmoid')) {
        const x = env.put(xs), y = output(env, xs.length);
        env.k.unary(op, x, y, xs.length);
        expectClose(read(env, y, xs.length, name), xs.map(f), 1e-7, 1e-30, `${env.name} ${name}`);
      }
      env.reset();
    }
  });

  it('exp overflows to Inf and underflows to 0 like Math.exp in float32', () => {
    const xs = [89, 100, 1000, -104, -200, -1000, 88.5, -88];
    for (const env of wasm) {
      const x = env.put(xs), y = output(env, xs.length);
      env.k.unary(UNARY_EXP, x, y, xs.length);
      const out = read(env, y, xs.length, 'exp'), want = xs.map((v) => Math.fround(Math.exp(v)));
      want.forEach((w, i) => {
        if (w === Infinity || w === 0) expect(out[i], `${env.name} exp(${xs[i]})`).toBe(w);
        else expect(Math.abs(out[i]! - w) / w, `${env.name} exp(${xs[i]})`).toBeLessThan(2e-6);
      });
      env.reset();
    }
  });

  it('writes in place when y aliases x', () => {
    for (const env of envs) {
      const x = env.put([-1, 2, -3, 4, 5]);
      env.k.unary(UNARY_RELU, x, x, 5);
      expect([...env.get(x, 5)], env.name).toEqual([0, 2, 0, 4, 5]);
      env.reset();
    }
  });
});

describe('unaryBackward', () => {
  /** The tensor the backward reads: the input for relu and square, the output otherwise. */
  const savesInput = (op: number) => op === UNARY_RELU || op === UNARY_SQUARE;

  it("matches central finite differences of the twin's forward in float64", () => {
    const n = 17, h = 1e-6;
    const xv = randomValues(n, 18).map((v) => v * 3 + (v > 0 ? 0.01 : -0.01)); // keep off relu's kink
    const dyv = randomValues(n, 19);
    for (const [name, op] of UNARY_OPS) {
      const env = js64;
      const x = env.put(xv), y = output(env, n);
      env.k.unary(op, x, y, n);
      const dy = env.put(dyv), dx = output(env, n);
      env.k.unaryBackward(op, savesInput(op) ? x : y, dy, dx, n);
      const analytic = read(env, dx, n, name);
      const plus = env.put(xv.map((v) => v + h)), minus = env.put(xv.map((v) => v - h));
      const yp = output(env, n), ym = output(env, n);
      env.k.unary(op, plus, yp, n);
      env.k.unary(op, minus, ym, n);
      const fp = env.get(yp, n), fm = env.get(ym, n);
      const numeric = dyv.map((g, i) => (g * (fp[i]! - fm[i]!)) / (2 * h));
      expectClose(analytic, numeric, 1e-6, 1e-8, `${name} gradient`);
      env.reset();
    }
  });

  it('wasm matches the twin for every op and size; neg never reads saved', () => {
    for (const [name, op] of UNARY_OPS) {
      for (const n of SIZES) {
        matchesTwin(`${name} n ${n}`, (env) => {
          const x = env.put(randomValues(n, 20).map((v) => v * 3)), y = output(env, n);
          env.k.unary(op, x, y, n);
          const dy = env.put(randomValues(n, 21)), dx = output(env, n);
          env.k.unaryBackward(op, op === UNARY_NEG ? 0 : savesInput(op) ? x : y, dy, dx, n);
          return [read(env, dx, n, name)];
        }, 1e-5, 1e-6);
      }
    }
  });

  it('relu passes the gradient where x > 0 only (0 at the kink), in place over dy', () => {
    for (const env of envs) {
      const x = env.put([-1, 0, 2, -0.5, 3]), dy = env.put([1, 2, 3, 4, 5]);
      env.k.unaryBackward(UNARY_RELU, x, dy, dy, 5);
      expect([...env.get(dy, 5)], env.name).toEqual([0, 0, 3, 0, 5]);
      env.reset();
    }
  });
});

it('both wasm builds are tested under vitest (relaxed SIMD is enabled by the config)', () => {
  expect(envs.map((e) => e.name)).toContain('wasm-relaxed');
});
