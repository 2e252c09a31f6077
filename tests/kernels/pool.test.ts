import { beforeAll, describe, expect, it } from 'vitest';
import { kernelEnvs, type KernelEnv } from '../helpers/kernel-harness.ts';
import { expectClose, randomValues } from '../helpers/compare.ts';
import { POOL_FLAG_COUNT_INCLUDE_PAD, POOL_WORDS } from '../../src/backend/geometry.ts';

let js: KernelEnv, js64: KernelEnv, wasm: KernelEnv[];
beforeAll(async () => {
  ({ js, js64, wasm } = await kernelEnvs());
});

// ---- geometry, as src/ops will compute it (PyTorch's rules) ------------------------------------------

interface PoolSpec {
  n: number; h: number; w: number; c: number; kh: number; kw: number; sh: number; sw: number;
  padT?: number; padL?: number; padB?: number; padR?: number; ceilMode?: boolean; countIncludePad?: boolean;
}

/** A resolved geometry: the block's words and the sizes the tests need. */
interface Geometry {
  words: number[]; n: number; h: number; w: number; c: number; kh: number; kw: number; sh: number; sw: number;
  padT: number; padL: number; padB: number; padR: number; oh: number; ow: number; countIncludePad: boolean;
  inSize: number; outSize: number;
}

/** PyTorch's pooling output size; with ceilMode the last window must start inside the input or the
 *  leading padding, else it is dropped. */
function outputSize(size: number, k: number, s: number, before: number, after: number, ceilMode: boolean): number {
  const span = size + before + after - k;
  let out = Math.floor((span + (ceilMode ? s - 1 : 0)) / s) + 1;
  if (ceilMode && (out - 1) * s >= size + before) out--;
  return out;
}

function geometryOf(d: Omit<Geometry, 'words' | 'inSize' | 'outSize'>): Geometry {
  const words = [d.n, d.h, d.w, d.c, d.kh, d.kw, d.sh, d.sw, d.padT, d.padL, d.padB, d.padR, d.oh, d.ow,
    d.countIncludePad ? POOL_FLAG_COUNT_INCLUDE_PAD : 0];
  expect(words.length).toBe(POOL_WORDS);
  return { ...d, words, inSize: d.n * d.h * d.w * d.c, outSize: d.n * d.oh * d.ow * d.c };
}

function pool(s: PoolSpec): Geometry {
  const padT = s.padT ?? 0, padL = s.padL ?? 0, padB = s.padB ?? padT, padR = s.padR ?? padL;
  const ceilMode = s.ceilMode ?? false;
  return geometryOf({
    n: s.n, h: s.h, w: s.w, c: s.c, kh: s.kh, kw: s.kw, sh: s.sh, sw: s.sw, padT, padL, padB, padR,
    oh: outputSize(s.h, s.kh, s.sh, padT, padB, ceilMode), ow: outputSize(s.w, s.kw, s.sw, padL, padR, ceilMode),
    countIncludePad: s.countIncludePad ?? true,
  });
}

function adaptive(n: number, h: number, w: number, c: number, oh: number, ow: number): Geometry {
  return geometryOf({ n, h, w, c, kh: 0, kw: 0, sh: 0, sw: 0, padT: 0, padL: 0, padB: 0, padR: 0, oh, ow, countIncludePad: false });
}

/** Edge cases of windowed pooling: every channel-tile remainder, batch 1 and 3, padding, ceilMode. */
const POOL_CASES: [string, PoolSpec][] = [
  ['1×1 kernel, C = 5', { n: 1, h: 5, w: 6, c: 5, kh: 1, kw: 1, sh: 1, sw: 1 }],
  ['2×2 stride 2, C = 64, batch 3', { n: 3, h: 8, w: 8, c: 64, kh: 2, kw: 2, sh: 2, sw: 2 }],
  ['2×2 stride 2, C = 6 (LeNet: a vector and an overlapping one)', { n: 2, h: 6, w: 8, c: 6, kh: 2, kw: 2, sh: 2, sw: 2 }],
  ['2×2 stride 2, odd size, C = 18 (16 lanes and an overlapping vector)', { n: 1, h: 7, w: 5, c: 18, kh: 2, kw: 2, sh: 2, sw: 2 }],
  ['3×3 stride 2 overlapping, padding 1, C = 21', { n: 2, h: 9, w: 7, c: 21, kh: 3, kw: 3, sh: 2, sw: 2, padT: 1, padL: 1 }],
  ['stride 3 larger than the 2×2 kernel, C = 3', { n: 1, h: 10, w: 11, c: 3, kh: 2, kw: 2, sh: 3, sw: 3 }],
  ['5×5 with padding 2 (half the kernel), C = 1, batch 3', { n: 3, h: 6, w: 5, c: 1, kh: 5, kw: 5, sh: 1, sw: 1, padT: 2, padL: 2 }],
  ['ceilMode partial windows at the bottom and right, C = 4', { n: 2, h: 8, w: 6, c: 4, kh: 3, kw: 3, sh: 2, sw: 2, ceilMode: true }],
  ['ceilMode with padding: a window starting in the bottom padding is dropped, C = 5',
    { n: 1, h: 5, w: 6, c: 5, kh: 2, kw: 2, sh: 2, sw: 2, padT: 1, padL: 1, ceilMode: true }],
  ['rectangular kernel, asymmetric padding, C = 20',
    { n: 1, h: 7, w: 9, c: 20, kh: 2, kw: 3, sh: 1, sw: 2, padT: 1, padL: 0, padB: 0, padR: 1 }],
  ['3×3 stride 2 padding 1 ceilMode, C = 64, batch 1', { n: 1, h: 11, w: 11, c: 64, kh: 3, kw: 3, sh: 2, sw: 2, padT: 1, padL: 1, ceilMode: true }],
];

const ADAPTIVE_CASES: [string, Geometry][] = [
  ['global 7×7 → 1×1, C = 64, batch 3', adaptive(3, 7, 7, 64, 1, 1)],
  ['global 5×3 → 1×1, C = 5', adaptive(1, 5, 3, 5, 1, 1)],
  ['overlapping windows 5×7 → 3×4, C = 5', adaptive(2, 5, 7, 5, 3, 4)],
  ['exact tiling 6×6 → 3×3, C = 4', adaptive(1, 6, 6, 4, 3, 3)],
  ['more outputs than inputs 4×4 → 6×5, C = 3', adaptive(1, 4, 4, 3, 6, 5)],
  ['9×3 → 2×1, C = 1, batch 3', adaptive(3, 9, 3, 1, 2, 1)],
  ['7×7 → 2×2, C = 21', adaptive(1, 7, 7, 21, 2, 2)],
];

// ---- brute-force definitions: tap by tap with bounds checks, independent of the twin's clipping ----

type Grid = (n: number, h: number, w: number, c: number) => number;
const reader = (g: Geometry, x: ArrayLike<number>): Grid => (n, h, w, c) => x[((n * g.h + h) * g.w + w) * g.c + c]!;

function eachOutput(g: Geometry, f: (n: number, oh: number, ow: number, c: number, o: number) => void): void {
  let o = 0;
  for (let n = 0; n < g.n; n++) for (let oh = 0; oh < g.oh; oh++) for (let ow = 0; ow < g.ow; ow++) {
    for (let c = 0; c < g.c; c++) f(n, oh, ow, c, o++);
  }
}

/** Visits the taps of a window that lie in the image, in row-major order; returns how many taps lie
 *  above the bottom / right padding's end (PyTorch's countIncludePad area). */
function taps(g: Geometry, oh: number, ow: number, visit: (ih: number, iw: number) => void): number {
  let paddedArea = 0;
  for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
    const ih = oh * g.sh - g.padT + i, iw = ow * g.sw - g.padL + j;
    if (ih < g.h + g.padB && iw < g.w + g.padR) paddedArea++;
    if (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) visit(ih, iw);
  }
  return paddedArea;
}

function bruteMax(g: Geometry, x: ArrayLike<number>): { y: number[]; index: number[] } {
  const at = reader(g, x), y: number[] = [], index: number[] = [];
  eachOutput(g, (n, oh, ow, c, o) => {
    let best = NaN, where = -1;
    taps(g, oh, ow, (ih, iw) => {
      const v = at(n, ih, iw, c);
      if (where < 0 || v > best || Number.isNaN(v)) { best = v; where = ih * g.w + iw; }
    });
    y[o] = best; index[o] = where;
  });
  return { y, index };
}

function bruteAvg(g: Geometry, x: ArrayLike<number>): number[] {
  const at = reader(g, x), y: number[] = [];
  eachOutput(g, (n, oh, ow, c, o) => {
    let sum = 0, inside = 0;
    const paddedArea = taps(g, oh, ow, (ih, iw) => { sum += at(n, ih, iw, c); inside++; });
    y[o] = sum / (g.countIncludePad ? paddedArea : inside);
  });
  return y;
}

/** PyTorch's LPPool2d: avg_pool2d(x^p) (countIncludePad, no padding) · kh·kw, to the power 1/p. */
function bruteLp(g: Geometry, p: number, x: ArrayLike<number>): number[] {
  const at = reader(g, x), y: number[] = [];
  eachOutput(g, (n, oh, ow, c, o) => {
    let sum = 0;
    const area = taps(g, oh, ow, (ih, iw) => { sum += at(n, ih, iw, c) ** p; });
    y[o] = ((sum / area) * g.kh * g.kw) ** (1 / p);
  });
  return y;
}

/** Row h is in adaptive window i iff floor(i·H/OH) ≤ h < ceil((i+1)·H/OH), in integer form. */
const inAdaptive = (h: number, i: number, size: number, out: number) => (h + 1) * out > i * size && h * out < (i + 1) * size;

function bruteAdaptive(g: Geometry, x: ArrayLike<number>): number[] {
  const at = reader(g, x), y: number[] = [];
  eachOutput(g, (n, oh, ow, c, o) => {
    let sum = 0, count = 0;
    for (let h = 0; h < g.h; h++) for (let w = 0; w < g.w; w++) {
      if (inAdaptive(h, oh, g.h, g.oh) && inAdaptive(w, ow, g.w, g.ow)) { sum += at(n, h, w, c); count++; }
    }
    y[o] = sum / count;
  });
  return y;
}

// ---- running the kernels ------------------------------------------------------------------------------

type Kind = 'max' | 'avg' | 'lp' | 'adaptive';

interface Forward { y: Float64Array; index: Int32Array; yPastEnd: number; indexPastEnd: number }

/** Runs a forward kernel; outputs get one extra element to show writes past the end. */
function forward(env: KernelEnv, kind: Kind, g: Geometry, x: ArrayLike<number>, p = 2, recordIndex = true): Forward {
  const xp = env.put(x), yp = env.alloc(g.outSize + 1), ap = env.allocInts(g.outSize + 1);
  const geom = env.params(g.words);
  if (kind === 'max') env.k.maxPool2dForward(geom, xp, yp, recordIndex ? ap : 0);
  else if (kind === 'avg') env.k.avgPool2dForward(geom, xp, yp);
  else if (kind === 'lp') env.k.lpPool2dForward(geom, p, xp, yp);
  else env.k.adaptiveAvgPool2dForward(geom, xp, yp);
  const y = env.get(yp, g.outSize + 1), index = env.getInts(ap, g.outSize + 1);
  env.reset();
  return { y: y.subarray(0, g.outSize), index: index.subarray(0, g.outSize), yPastEnd: y[g.outSize]!, indexPastEnd: index[g.outSize]! };
}

interface BackwardInputs { x?: ArrayLike<number>; y?: ArrayLike<number>; dy: ArrayLike<number>; index?: ArrayLike<number> }

function backward(env: KernelEnv, kind: Kind, g: Geometry, a: BackwardInputs, p = 2): { dx: Float64Array; pastEnd: number } {
  const dyp = env.put(a.dy), dxp = env.alloc(g.inSize + 1);
  const xp = a.x ? env.put(a.x) : 0, yp = a.y ? env.put(a.y) : 0, ap = a.index ? env.putInts(a.index) : 0;
  const geom = env.params(g.words);
  if (kind === 'max') env.k.maxPool2dBackward(geom, dyp, ap, dxp);
  else if (kind === 'avg') env.k.avgPool2dBackward(geom, dyp, dxp);
  else if (kind === 'lp') env.k.lpPool2dBackward(geom, p, xp, yp, dyp, dxp);
  else env.k.adaptiveAvgPool2dBackward(geom, dyp, dxp);
  const dx = env.get(dxp, g.inSize + 1);
  env.reset();
  return { dx: dx.subarray(0, g.inSize), pastEnd: dx[g.inSize]! };
}

/** Distinct values spaced 0.01 apart in a seeded order, both signs: max pooling without ties, and
 *  with gaps far wider than a finite-difference step. */
function distinctValues(n: number, seed: number): number[] {
  const order = Array.from(randomValues(n, seed), (r, i) => [r, i] as const).sort((a, b) => a[0] - b[0]);
  const values = new Array<number>(n);
  order.forEach(([, i], rank) => { values[i] = (rank - n / 2) * 0.01; });
  return values;
}

const positive = (n: number, seed: number) => Array.from(randomValues(n, seed), (v) => 0.1 + Math.abs(v));

function expectFullyWritten(out: ArrayLike<number>, pastEnd: number, what: string): void {
  expect(Array.from(out).some(Number.isNaN), `${what}: an output element was left unwritten`).toBe(false);
  expect(pastEnd, `${what}: the element past the end was touched`).toBeNaN();
}

/** Central differences of Σ dy · forward(x) in float64 on the JS twin, against its backward. */
function checkGradient(kind: Kind, g: Geometry, x: number[], p = 2): void {
  const dy = Array.from(randomValues(g.outSize, 77));
  const loss = (xs: number[]) => forward(js64, kind, g, xs, p).y.reduce((s, v, i) => s + v * dy[i]!, 0);
  const f = forward(js64, kind, g, x, p);
  const { dx } = backward(js64, kind, g, { x, y: f.y, dy, index: f.index }, p);
  const eps = 1e-6, numeric: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const up = x.slice(), down = x.slice();
    up[i]! += eps; down[i]! -= eps;
    numeric.push((loss(up) - loss(down)) / (2 * eps));
  }
  expectClose(dx, numeric, 1e-5, 1e-7, `${kind} gradient`);
}

// ---- max pooling ----------------------------------------------------------------------------------------

describe('maxPool2dForward', () => {
  it('reproduces PyTorch on a 4×4 image with negative windows and ties (values and return_indices)', () => {
    const x = [-5, -2, -3, -2, -4, -9, -2, -8, 1, 7, 7, 0, 7, -1, 2, 7];
    const plain = forward(js, 'max', pool({ n: 1, h: 4, w: 4, c: 1, kh: 2, kw: 2, sh: 2, sw: 2 }), x);
    expect([...plain.y]).toEqual([-2, -2, 7, 7]);
    expect([...plain.index]).toEqual([1, 3, 9, 10]);
    const padded = forward(js, 'max', pool({ n: 1, h: 4, w: 4, c: 1, kh: 3, kw: 3, sh: 2, sw: 2, padT: 1, padL: 1, ceilMode: true }), x);
    expect([...padded.y]).toEqual([-2, -2, -2, 7, 7, 7, 7, 7, 7]);
    expect([...padded.index]).toEqual([1, 1, 3, 9, 9, 15, 12, 15, 15]);
  });

  it('the twin matches the brute-force definition on every edge-case geometry', () => {
    for (const [name, spec] of POOL_CASES) {
      const g = pool(spec), x = randomValues(g.inSize, 3);
      const got = forward(js, 'max', g, x), want = bruteMax(g, Float32Array.from(x));
      expect([...got.y], name).toEqual(want.y);
      expect([...got.index], name).toEqual(want.index);
    }
  });

  it('wasm matches the twin (values and argmax) and writes every output and nothing past it', () => {
    for (const env of wasm) {
      for (const [name, spec] of POOL_CASES) {
        const g = pool(spec), x = randomValues(g.inSize, 5);
        const got = forward(env, 'max', g, x), want = forward(js, 'max', g, x);
        expectFullyWritten(got.y, got.yPastEnd, `${env.name} ${name}`);
        expect(got.indexPastEnd, `${env.name} ${name}: argmax past the end`).toBe(-7);
        expect([...got.y], `${env.name} ${name}`).toEqual([...want.y]);
        expect([...got.index], `${env.name} ${name}`).toEqual([...want.index]);
      }
    }
  });

  it('records the first maximum in row-major window order when a window holds ties', () => {
    for (const [name, spec] of POOL_CASES) {
      const g = pool(spec), x = Array.from(randomValues(g.inSize, 11), (v) => Math.floor(v * 2));
      const want = bruteMax(g, x);
      for (const env of [js, ...wasm]) {
        const got = forward(env, 'max', g, x);
        expect([...got.index], `${env.name} ${name}`).toEqual(want.index);
        expect([...got.y], `${env.name} ${name}`).toEqual(want.y);
      }
    }
  });

  it('is right when every value in a window is negative, also next to padding', () => {
    for (const [name, spec] of POOL_CASES) {
      const g = pool(spec), x = Array.from(randomValues(g.inSize, 13), (v) => -1 - Math.abs(v));
      const want = bruteMax(g, Float32Array.from(x));
      for (const env of [js, ...wasm]) {
        const got = forward(env, 'max', g, x);
        expect(got.y.every((v) => v < -1), `${env.name} ${name}: a padding zero won`).toBe(true);
        expect([...got.y], `${env.name} ${name}`).toEqual(want.y);
        expect([...got.index], `${env.name} ${name}`).toEqual(want.index);
      }
    }
  });

  it('lets a NaN win its window, recording the last NaN as PyTorch does', () => {
    // One window, C = 6 (a vector and two single lanes): NaNs at different places in channels 0, 1, 4, 5.
    const g = pool({ n: 1, h: 2, w: 2, c: 6, kh: 2, kw: 2, sh: 2, sw: 2 });
    const x = randomValues(g.inSize, 17);
    for (const [pixel, c] of [[1, 0], [0, 1], [3, 1], [2, 4], [3, 5], [0, 5]] as const) x[pixel * 6 + c] = NaN;
    for (const env of [js, ...wasm]) {
      const got = forward(env, 'max', g, x);
      expect([0, 1, 4, 5].every((c) => Number.isNaN(got.y[c])), env.name).toBe(true);
      expect([got.index[0], got.index[1], got.index[4], got.index[5]], env.name).toEqual([1, 3, 2, 3]);
      expect(Number.isNaN(got.y[2]!) || Number.isNaN(got.y[3]!), env.name).toBe(false);
    }
  });

  it('leaves the argmax buffer alone when it is 0 (inference)', () => {
    for (const env of wasm) {
      for (const [name, spec] of POOL_CASES) {
        const g = pool(spec), x = randomValues(g.inSize, 19);
        const got = forward(env, 'max', g, x, 2, false), want = bruteMax(g, Float32Array.from(x));
        expect([...got.y], `${env.name} ${name}`).toEqual(want.y);
        expect(got.index.every((i) => i === -7), `${env.name} ${name}`).toBe(true);
      }
    }
  });
});

describe('maxPool2dBackward', () => {
  it('adds the gradients of overlapping windows that share their maximum', () => {
    // 3×3 stride 1 over a 3×4 image whose maximum sits in the middle: both windows pick it.
    const g = pool({ n: 1, h: 3, w: 4, c: 1, kh: 3, kw: 3, sh: 1, sw: 1 });
    const x = [0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0];
    for (const env of [js, ...wasm]) {
      const f = forward(env, 'max', g, x);
      const { dx } = backward(env, 'max', g, { dy: [2, 3], index: f.index });
      expect([...dx], env.name).toEqual([0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0]);
    }
  });

  it('wasm matches the twin, overwriting dx completely and nothing past it', () => {
    for (const env of wasm) {
      for (const [name, spec] of POOL_CASES) {
        const g = pool(spec), x = randomValues(g.inSize, 23), dy = randomValues(g.outSize, 29);
        const { index } = forward(js, 'max', g, x);
        const got = backward(env, 'max', g, { dy, index }), want = backward(js, 'max', g, { dy, index });
        expectFullyWritten(got.dx, got.pastEnd, `${env.name} ${name}`);
        expectClose(got.dx, want.dx, 1e-6, 1e-7, `${env.name} ${name}`);
      }
    }
  });

  it('the twin is the derivative of the forward (central differences, float64, no ties)', () => {
    for (const [, spec] of POOL_CASES.filter(([, s]) => s.n * s.h * s.w * s.c <= 1300)) {
      const g = pool(spec);
      checkGradient('max', g, distinctValues(g.inSize, 31));
    }
  });
});

// ---- average pooling --------------------------------------------------------------------------------------

const arange25 = Array.from({ length: 25 }, (_, i) => i);
const pool5x5 = (s: Partial<PoolSpec>) => pool({ n: 1, h: 5, w: 5, c: 1, kh: 3, kw: 3, sh: 2, sw: 2, padT: 1, padL: 1, ceilMode: true, ...s });

describe('avgPool2dForward', () => {
  it("reproduces PyTorch's divisor on a ceilMode window hanging past the padding", () => {
    // torch.nn.functional.avg_pool2d(arange(25).view(1,1,5,5), 3, 2, 1, ceil_mode=True, count_include_pad=…)
    const include = forward(js, 'avg', pool5x5({ countIncludePad: true }), arange25).y;
    expectClose(include, [4 / 3, 3, 8 / 3, 7, 12, 9, 8, 13, 84 / 9], 1e-6, 0, 'countIncludePad');
    const exclude = forward(js, 'avg', pool5x5({ countIncludePad: false }), arange25).y;
    expectClose(exclude, [3, 4.5, 6, 10.5, 12, 13.5, 18, 19.5, 21], 1e-6, 0, 'exclude padding');
  });

  it('the twin matches the brute-force definition, with and without countIncludePad', () => {
    for (const [name, spec] of POOL_CASES) {
      for (const countIncludePad of [true, false]) {
        const g = pool({ ...spec, countIncludePad }), x = randomValues(g.inSize, 37);
        expectClose(forward(js, 'avg', g, x).y, bruteAvg(g, Float32Array.from(x)), 1e-6, 1e-7, `${name} ${countIncludePad}`);
      }
    }
  });

  it('wasm matches the twin and writes every output and nothing past it', () => {
    for (const env of wasm) {
      for (const [name, spec] of POOL_CASES) {
        for (const countIncludePad of [true, false]) {
          const g = pool({ ...spec, countIncludePad }), x = randomValues(g.inSize, 41);
          const got = forward(env, 'avg', g, x), want = forward(js, 'avg', g, x);
          expectFullyWritten(got.y, got.yPastEnd, `${env.name} ${name}`);
          expectClose(got.y, want.y, 1e-5, 1e-6, `${env.name} ${name} ${countIncludePad}`);
        }
      }
    }
  });
});

describe('avgPool2dBackward', () => {
  it('wasm matches the twin, overwriting dx completely and nothing past it', () => {
    for (const env of wasm) {
      for (const [name, spec] of POOL_CASES) {
        for (const countIncludePad of [true, false]) {
          const g = pool({ ...spec, countIncludePad }), dy = randomValues(g.outSize, 43);
          const got = backward(env, 'avg', g, { dy }), want = backward(js, 'avg', g, { dy });
          expectFullyWritten(got.dx, got.pastEnd, `${env.name} ${name}`);
          expectClose(got.dx, want.dx, 1e-5, 1e-6, `${env.name} ${name} ${countIncludePad}`);
        }
      }
    }
  });

  it('the twin is the derivative of the forward (central differences, float64)', () => {
    for (const [, spec] of POOL_CASES.filter(([, s]) => s.n * s.h * s.w * s.c <= 1300)) {
      for (const countIncludePad of [true, false]) {
        const g = pool({ ...spec, countIncludePad });
        checkGradient('avg', g, Array.from(randomValues(g.inSize, 47)));
      }
    }
  });
});

// ---- power-average pooling -------------------------------------------------------------------------------

/** LPPool has no padding in PyTorch. */
const LP_CASES = POOL_CASES.filter(([, s]) => !s.padT && !s.padL);
/** p = 2 is the common (SIMD) case; the others go through pow and get x > 0, where x^p and the
 *  (1/p)-th root of a sum are real. */
const LP_POWERS: [number, (n: number, seed: number) => ArrayLike<number>][] = [
  [2, randomValues], [1, positive], [3, positive], [1.5, positive],
];

describe('lpPool2dForward', () => {
  it("reproduces PyTorch's LPPool2d, whose partial ceilMode windows are scaled to the full area", () => {
    // torch.nn.functional.lp_pool2d(arange(25).view(1,1,5,5), p, 2, 2, ceil_mode=True); the last window
    // holds only x = 24 and gives (4 · 24^p)^(1/p).
    const g = pool({ n: 1, h: 5, w: 5, c: 1, kh: 2, kw: 2, sh: 2, sw: 2, ceilMode: true });
    expectClose(forward(js, 'lp', g, arange25, 2).y,
      [7.874007701873779, 11.224971771240234, 13.928388595581055, 26.495283126831055, 30.430248260498047,
        33.37664031982422, 41.01219177246094, 45.0111083984375, 48], 1e-6, 0, 'p = 2');
    expectClose(forward(js, 'lp', g, arange25, 3).y,
      [6.993190765380859, 9.619001388549805, 11.661857604980469, 21.40120506286621, 24.479923248291016,
        26.780107498168945, 32.56106948852539, 35.734153747558594, 38.097625732421875], 1e-6, 0, 'p = 3');
  });

  it('the twin matches the brute-force definition', () => {
    for (const [name, spec] of LP_CASES) {
      for (const [p, values] of LP_POWERS) {
        const g = pool(spec), x = values(g.inSize, 53);
        expectClose(forward(js, 'lp', g, x, p).y, bruteLp(g, p, Float32Array.from(x)), 1e-5, 1e-6, `${name} p = ${p}`);
      }
    }
  });

  it('wasm matches the twin and writes every output and nothing past it', () => {
    for (const env of wasm) {
      for (const [name, spec] of LP_CASES) {
        for (const [p, values] of LP_POWERS) {
          const g = pool(spec), x = values(g.inSize, 59);
          const got = forward(env, 'lp', g, x, p), want = forward(js, 'lp', g, x, p);
          expect(got.yPastEnd, `${env.name} ${name}: past the end`).toBeNaN();
          expectClose(got.y, want.y, 2e-5, 1e-6, `${env.name} ${name} p = ${p}`);
        }
      }
    }
  });
});

describe('lpPool2dBackward', () => {
  it('wasm matches the twin, overwriting dx completely and nothing past it', () => {
    for (const env of wasm) {
      for (const [name, spec] of LP_CASES) {
        for (const [p, values] of LP_POWERS) {
          const g = pool(spec), x = values(g.inSize, 61), dy = randomValues(g.outSize, 67);
          const y = forward(js, 'lp', g, x, p).y;
          const got = backward(env, 'lp', g, { x, y, dy }, p), want = backward(js, 'lp', g, { x, y, dy }, p);
          expectFullyWritten(got.dx, got.pastEnd, `${env.name} ${name} p = ${p}`);
          expectClose(got.dx, want.dx, 5e-5, 1e-5, `${env.name} ${name} p = ${p}`);
        }
      }
    }
  });

  it('gives a zero gradient for an all-zero window (where y^(1−p) is undefined)', () => {
    const g = pool({ n: 1, h: 2, w: 4, c: 5, kh: 2, kw: 2, sh: 2, sw: 2 });
    const x = Array.from(randomValues(g.inSize, 71), (v, i) => (Math.floor(i / 5) % 4 < 2 ? 0 : 0.1 + Math.abs(v)));
    for (const env of [js, ...wasm]) {
      for (const p of [2, 3]) {
        const y = forward(env, 'lp', g, x, p).y;
        const { dx } = backward(env, 'lp', g, { x, y, dy: randomValues(g.outSize, 73) }, p);
        expect([...dx.subarray(0, 10), ...dx.subarray(20, 30)], `${env.name} p = ${p}`).toEqual(new Array(20).fill(0));
        expect(dx.every((v) => Number.isFinite(v)), `${env.name} p = ${p}`).toBe(true);
      }
    }
  });

  it('the twin is the derivative of the forward (central differences, float64)', () => {
    for (const [, spec] of LP_CASES.filter(([, s]) => s.n * s.h * s.w * s.c <= 1300)) {
      for (const [p, values] of LP_POWERS) {
        const g = pool(spec);
        checkGradient('lp', g, Array.from(values(g.inSize, 79)), p);
      }
    }
  });
});

// ---- adaptive average pooling -------------------------------------------------------------------------

describe('adaptiveAvgPool2dForward', () => {
  it('reproduces PyTorch on a 5×5 image pooled to 3×2 (overlapping windows)', () => {
    // torch.nn.functional.adaptive_avg_pool2d(arange(25).view(1,1,5,5), (3, 2))
    expectClose(forward(js, 'adaptive', adaptive(1, 5, 5, 1, 3, 2), arange25).y, [3.5, 5.5, 11, 13, 18.5, 20.5], 1e-6, 0);
  });

  it('the twin matches the brute-force definition', () => {
    for (const [name, g] of ADAPTIVE_CASES) {
      const x = randomValues(g.inSize, 83);
      expectClose(forward(js, 'adaptive', g, x).y, bruteAdaptive(g, Float32Array.from(x)), 1e-5, 1e-6, name);
    }
  });

  it('wasm matches the twin and writes every output and nothing past it', () => {
    for (const env of wasm) {
      for (const [name, g] of ADAPTIVE_CASES) {
        const x = randomValues(g.inSize, 89);
        const got = forward(env, 'adaptive', g, x), want = forward(js, 'adaptive', g, x);
        expectFullyWritten(got.y, got.yPastEnd, `${env.name} ${name}`);
        expectClose(got.y, want.y, 1e-5, 1e-6, `${env.name} ${name}`);
      }
    }
  });
});

describe('adaptiveAvgPool2dBackward', () => {
  it('wasm matches the twin, overwriting dx completely and nothing past it', () => {
    for (const env of wasm) {
      for (const [name, g] of ADAPTIVE_CASES) {
        const dy = randomValues(g.outSize, 97);
        const got = backward(env, 'adaptive', g, { dy }), want = backward(js, 'adaptive', g, { dy });
        expectFullyWritten(got.dx, got.pastEnd, `${env.name} ${name}`);
        expectClose(got.dx, want.dx, 1e-5, 1e-6, `${env.name} ${name}`);
      }
    }
  });

  it('the twin is the derivative of the forward (central differences, float64)', () => {
    for (const [, g] of ADAPTIVE_CASES.filter(([, g]) => g.inSize <= 400)) {
      checkGradient('adaptive', g, Array.from(randomValues(g.inSize, 101)));
    }
  });
});
