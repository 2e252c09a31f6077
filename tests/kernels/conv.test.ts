import { beforeAll, describe, expect, it } from 'vitest';
import { kernelEnvs, type KernelEnv } from '../helpers/kernel-harness.ts';
import { expectClose, randomValues, relativeL2 } from '../helpers/compare.ts';
import {
  CONV_C, CONV_DH, CONV_DW, CONV_FLAGS, CONV_FLAG_ONE_PART, CONV_FLAG_PACKED, CONV_FLAG_RELU, CONV_GROUPS, CONV_H, CONV_KH, CONV_KW, CONV_N,
  CONV_OC, CONV_OH, CONV_OW, CONV_PAD_L, CONV_PAD_T, CONV_SH, CONV_SW, CONV_W, CONV_WORDS,
} from '../../src/backend/geometry.ts';
import { conv2dScratchBytes, filterGradientPart, filterGradientParts, planarScratchFloats, type ConvKind } from '../../src/backend/scratch.ts';

let js: KernelEnv, js64: KernelEnv, wasm: KernelEnv[];
beforeAll(async () => {
  ({ js, js64, wasm } = await kernelEnvs());
});

interface ConvSpec {
  n: number; h: number; w: number; c: number; oc: number; kh: number; kw?: number;
  stride?: number | [number, number];
  /** [top, bottom, left, right], or one number for all four. */
  pad?: number | [number, number, number, number];
  dilation?: number | [number, number]; groups?: number; relu?: boolean; bias?: boolean;
}

const pair = (v: number | [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v;

/** The geometry block as the ops layer writes it: OH/OW from PyTorch's formula, then the words. */
function geometry(s: ConvSpec): number[] {
  const kw = s.kw ?? s.kh;
  const [sh, sw] = pair(s.stride, 1), [dh, dw] = pair(s.dilation, 1);
  const [pt, pb, pl, pr] = typeof s.pad === 'object' ? s.pad : [s.pad ?? 0, s.pad ?? 0, s.pad ?? 0, s.pad ?? 0];
  const oh = Math.floor((s.h + pt + pb - dh * (s.kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((s.w + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  const g = new Array<number>(CONV_WORDS).fill(0);
  g[CONV_N] = s.n; g[CONV_H] = s.h; g[CONV_W] = s.w; g[CONV_C] = s.c; g[CONV_OC] = s.oc;
  g[CONV_KH] = s.kh; g[CONV_KW] = kw; g[CONV_SH] = sh; g[CONV_SW] = sw; g[CONV_PAD_T] = pt;
  g[CONV_PAD_L] = pl; g[CONV_DH] = dh; g[CONV_DW] = dw; g[CONV_GROUPS] = s.groups ?? 1;
  g[CONV_OH] = oh; g[CONV_OW] = ow; g[CONV_FLAGS] = s.relu ? CONV_FLAG_RELU : 0;
  return g;
}

const sizes = (g: number[]) => ({
  x: g[CONV_N]! * g[CONV_H]! * g[CONV_W]! * g[CONV_C]!,
  w: g[CONV_OC]! * g[CONV_KH]! * g[CONV_KW]! * (g[CONV_C]! / g[CONV_GROUPS]!),
  y: g[CONV_N]! * g[CONV_OH]! * g[CONV_OW]! * g[CONV_OC]!,
});

const GUARD = 8;

interface Run { out: Float64Array; tailClean: boolean; scratchClean: boolean; packedClean: boolean }

/**
 * Runs one conv kernel with seeded inputs; the output and the exact scratch are followed by NaN
 * guards. `packed`: the forward reads the filter through conv2dPackFilter (CONV_FLAG_PACKED),
 * whose output is guarded too, where the kernels ask for a packed filter.
 */
function runConv(env: KernelEnv, kind: ConvKind, s: ConvSpec, seed: number, packed: boolean | ConvSpec = false): Run {
  const g = geometry(s), n = sizes(g);
  const x = env.put(randomValues(n.x, seed));
  let w = env.put(randomValues(n.w, seed + 1));
  let packedClean = true;
  // Packed as asked for by this geometry, or by another one (a whole image this one is a band of).
  const packGeometry = typeof packed === 'object' ? geometry(packed) : g;
  const packedBytes = packed ? env.k.conv2dPackedFilterBytes(env.params(packGeometry)) : 0;
  if (packedBytes > 0) {
    const dst = env.alloc(packedBytes / 4 + GUARD);
    env.k.conv2dPackFilter(env.params(packGeometry), w, dst);
    packedClean = env.get(dst + packedBytes, GUARD).every(Number.isNaN);
    w = dst;
    g[CONV_FLAGS] = g[CONV_FLAGS]! | CONV_FLAG_PACKED;
  }
  const b = s.bias === false ? 0 : env.put(randomValues(s.oc, seed + 2));
  const dy = env.put(randomValues(n.y, seed + 3));
  const outLen = kind === 'forward' ? n.y : kind === 'backwardInput' ? n.x : n.w;
  const out = env.alloc(outLen + GUARD);
  const bytes = conv2dScratchBytes(kind, g);
  const scratch = env.alloc(bytes / 4 + GUARD);
  const geom = env.params(g);
  if (kind === 'forward') env.k.conv2dForward(geom, x, w, b, out, scratch);
  else if (kind === 'backwardInput') env.k.conv2dBackwardInput(geom, dy, w, out, scratch);
  else env.k.conv2dBackwardFilter(geom, x, dy, out, scratch);
  const all = env.get(out, outLen + GUARD);
  const run = {
    out: all.subarray(0, outLen),
    tailClean: all.subarray(outLen).every(Number.isNaN),
    scratchClean: env.get(scratch + bytes, GUARD).every(Number.isNaN),
    packedClean,
  };
  env.reset();
  return run;
}

function compareConv(kind: ConvKind, s: ConvSpec, seed = 3): void {
  const ref = runConv(js, kind, s, seed);
  expect(ref.out.every(Number.isFinite), `js ${kind} writes every element`).toBe(true);
  for (const env of wasm) {
    const got = runConv(env, kind, s, seed);
    const what = `${env.name} ${kind} ${JSON.stringify(s)}`;
    expect(got.out.every(Number.isFinite), `${what}: every output element written`).toBe(true);
    expect(got.tailClean, `${what}: nothing past the output touched`).toBe(true);
    expect(got.scratchClean, `${what}: nothing past conv2dScratchBytes touched`).toBe(true);
    expect(relativeL2(got.out, ref.out), what).toBeLessThan(1e-5);
    expectClose(got.out, ref.out, 1e-4, 2e-5 * Math.sqrt(s.kh * (s.kw ?? s.kh) * s.c * s.oc * s.n), what);
  }
}

const CASES: Record<string, ConvSpec> = {
  'stride 2 with asymmetric padding': { n: 2, h: 9, w: 8, c: 5, oc: 7, kh: 3, stride: 2, pad: [1, 0, 2, 1] },
  'dilation 2': { n: 1, h: 11, w: 10, c: 4, oc: 9, kh: 3, dilation: 2, pad: 2 },
  'unequal kernel, stride and dilation per axis': { n: 1, h: 10, w: 12, c: 3, oc: 5, kh: 2, kw: 3, stride: [1, 2], dilation: [2, 1], pad: [0, 1, 1, 0] },
  'groups 2': { n: 2, h: 7, w: 7, c: 6, oc: 10, kh: 3, pad: 1, groups: 2 },
  'groups 3 with odd channels per group': { n: 1, h: 6, w: 5, c: 9, oc: 15, kh: 3, pad: 1, groups: 3 },
  'depthwise': { n: 2, h: 9, w: 7, c: 21, oc: 21, kh: 3, pad: 1, stride: 2, groups: 21 },
  'depthwise, 5×5 dilated': { n: 1, h: 12, w: 11, c: 37, oc: 37, kh: 5, pad: 4, dilation: 2, groups: 37 },
  'depthwise with multiplier 2': { n: 1, h: 8, w: 8, c: 6, oc: 12, kh: 3, pad: 1, groups: 6 },
  '1×1 (pointwise GEMM)': { n: 3, h: 5, w: 7, c: 19, oc: 13, kh: 1 },
  '1×1 stride 2': { n: 1, h: 9, w: 9, c: 8, oc: 12, kh: 1, stride: 2 },
  '1×1 with padding': { n: 1, h: 4, w: 5, c: 8, oc: 9, kh: 1, pad: 1 },
  '7×7 stride 2': { n: 1, h: 23, w: 21, c: 3, oc: 16, kh: 7, stride: 2, pad: 3 },
  '11×11 stride 4': { n: 1, h: 39, w: 35, c: 3, oc: 12, kh: 11, stride: 4, pad: 2 },
  'stride larger than the kernel': { n: 2, h: 11, w: 10, c: 4, oc: 6, kh: 2, stride: 3 },
  'padding larger than half the kernel': { n: 1, h: 5, w: 6, c: 3, oc: 5, kh: 3, pad: 2 },
  'C = 1 (LeNet conv1)': { n: 3, h: 14, w: 14, c: 1, oc: 6, kh: 5 },
  'C = 6 (LeNet conv2)': { n: 2, h: 14, w: 14, c: 6, oc: 16, kh: 5 },
  'batch 1, many channels (k slices past 256, output past one row block)': { n: 1, h: 12, w: 11, c: 40, oc: 35, kh: 3, pad: 1 },
  'batch 3': { n: 3, h: 6, w: 6, c: 7, oc: 9, kh: 3, pad: 1 },
  'fused ReLU': { n: 2, h: 7, w: 6, c: 5, oc: 11, kh: 3, pad: 1, relu: true },
  'fused ReLU, depthwise': { n: 1, h: 7, w: 6, c: 10, oc: 10, kh: 3, pad: 1, relu: true, groups: 10 },
  'no bias': { n: 1, h: 7, w: 6, c: 5, oc: 11, kh: 3, pad: 1, bias: false },
  'no bias, depthwise': { n: 1, h: 7, w: 6, c: 5, oc: 5, kh: 3, bias: false, groups: 5 },
  // The planar kernels (conv-planar.ts): few input channels, SIMD across four pixels of a row.
  'planar: LeNet C1 (32×32, 1 → 6, 5×5)': { n: 2, h: 32, w: 32, c: 1, oc: 6, kh: 5 },
  'planar: rows of 5 pixels (a short group ends each row)': { n: 2, h: 7, w: 7, c: 1, oc: 6, kh: 3 },
  'planar: rows of 6 pixels, padded': { n: 1, h: 6, w: 6, c: 1, oc: 6, kh: 3, pad: 1 },
  'planar: rows of 7 pixels, an odd number of groups': { n: 1, h: 5, w: 9, c: 2, oc: 6, kh: 3 },
  'planar: 7 outputs (a partial chunk of six)': { n: 2, h: 9, w: 10, c: 1, oc: 7, kh: 3, pad: 1 },
  'planar: 3 channels, 16 outputs, 5×5 padded': { n: 2, h: 12, w: 11, c: 3, oc: 16, kh: 5, pad: 2 },
  'planar: one output (tiles of two rows)': { n: 2, h: 9, w: 13, c: 2, oc: 1, kh: 3, pad: 1 },
  'planar: one output, vertical stride 2 (tiles of eight groups)': { n: 2, h: 11, w: 13, c: 2, oc: 1, kh: 3, stride: [2, 1], pad: 1 },
  'planar: vertical stride and dilation, asymmetric padding': { n: 2, h: 13, w: 9, c: 1, oc: 5, kh: 3, kw: 2, stride: [2, 1], dilation: [2, 1], pad: [1, 2, 0, 1] },
  'planar: padding as large as the kernel (the input gradient falls back)': { n: 1, h: 6, w: 7, c: 1, oc: 4, kh: 2, pad: 2 },
  'planar: fused ReLU': { n: 1, h: 8, w: 9, c: 1, oc: 6, kh: 3, relu: true },
  'planar: no bias': { n: 1, h: 8, w: 9, c: 3, oc: 8, kh: 3, pad: 1, bias: false },
};

describe('conv2d JS twin', () => {
  it('computes a hand-worked 3×3 image with a 2×2 filter, padding 1 and stride 2', () => {
    for (const env of [js, js64]) {
      // x = 1..9 (one channel), w = [[1, 2], [3, 4]], bias 10. Output pixel (0,0) sees only x[0,0]
      // under w[1,1]: 4·1 + 10 = 14; (0,1): x[0,1]·3 + x[0,2]·4 = 6 + 12 + 10 = 28;
      // (1,0): x[1,0]·2 + x[2,0]·4 = 8 + 28 + 10 = 46; (1,1): 5·1 + 6·2 + 8·3 + 9·4 + 10 = 87.
      const g = geometry({ n: 1, h: 3, w: 3, c: 1, oc: 1, kh: 2, stride: 2, pad: 1 });
      expect([g[CONV_OH], g[CONV_OW]]).toEqual([2, 2]);
      const x = env.put([1, 2, 3, 4, 5, 6, 7, 8, 9]), w = env.put([1, 2, 3, 4]), b = env.put([10]);
      const y = env.alloc(4);
      env.k.conv2dForward(env.params(g), x, w, b, y, 0);
      expect([...env.get(y, 4)], env.name).toEqual([14, 28, 46, 87]);
      env.reset();
    }
  });

  it('backward kernels match central finite differences of the forward (float64)', () => {
    const env = js64;
    for (const s of [CASES['stride 2 with asymmetric padding']!, CASES['groups 3 with odd channels per group']!,
      CASES['dilation 2']!, CASES['depthwise with multiplier 2']!, CASES['stride larger than the kernel']!]) {
      const g = geometry({ ...s, bias: false }), n = sizes(g);
      const xv = randomValues(n.x, 11), wv = randomValues(n.w, 12), gy = randomValues(n.y, 13);
      const geomWords = g;
      // L(x, w) = Σ y · gy, so dL/dx and dL/dw are the backward kernels applied to gy.
      const loss = (xs: Float64Array, ws: Float64Array) => {
        const x = env.put(xs), w = env.put(ws), y = env.alloc(n.y);
        env.k.conv2dForward(env.params(geomWords), x, w, 0, y, 0);
        const out = env.get(y, n.y);
        env.reset();
        return out.reduce((acc, v, i) => acc + v * gy[i]!, 0);
      };
      const x = env.put(xv), w = env.put(wv), dy = env.put(gy), dx = env.alloc(n.x), dw = env.alloc(n.w);
      env.k.conv2dBackwardInput(env.params(geomWords), dy, w, dx, 0);
      env.k.conv2dBackwardFilter(env.params(geomWords), x, dy, dw, 0);
      const dxv = env.get(dx, n.x), dwv = env.get(dw, n.w);
      env.reset();
      const eps = 1e-6;
      const check = (values: Float64Array, grad: Float64Array, which: 'x' | 'w') => {
        for (let i = 0; i < values.length; i += Math.max(1, Math.floor(values.length / 40))) {
          const plus = Float64Array.from(values), minus = Float64Array.from(values);
          plus[i] = values[i]! + eps; minus[i] = values[i]! - eps;
          const fd = which === 'x' ? (loss(plus, wv) - loss(minus, wv)) / (2 * eps) : (loss(xv, plus) - loss(xv, minus)) / (2 * eps);
          expect(Math.abs(fd - grad[i]!), `d${which}[${i}] ${JSON.stringify(s)}`).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
        }
      };
      check(xv, dxv, 'x');
      check(wv, dwv, 'w');
    }
  });
});

describe.each(['forward', 'backwardInput', 'backwardFilter'] as const)('conv2d %s: wasm against the JS twin', (kind) => {
  for (const [name, spec] of Object.entries(CASES)) {
    if (kind !== 'forward' && (spec.relu || spec.bias === false)) continue; // forward-only options
    it(name, () => compareConv(kind, spec));
  }

  it('handles every small geometry of a sweep (kernel, stride, padding, dilation, channels)', () => {
    let seed = 100;
    for (const kh of [1, 2, 3]) for (const stride of [1, 2, 3]) for (const pad of [0, 1, 2]) for (const dilation of [1, 2]) {
      for (const [c, oc, groups] of [[1, 1, 1], [3, 5, 1], [4, 4, 4], [4, 8, 2]] as const) {
        const spec: ConvSpec = { n: 2, h: 6, w: 5, c, oc, kh, stride, pad, dilation, groups };
        const g = geometry(spec);
        if (g[CONV_OH]! < 1 || g[CONV_OW]! < 1) continue;
        compareConv(kind, spec, seed++);
      }
    }
  });
});

/** One image large enough that its filter gradient sums in bands of output rows. */
const ONE_IMAGE_PARTS: Record<string, ConvSpec> = {
  '48², 3×3 padded, four bands': { n: 1, h: 48, w: 48, c: 8, oc: 12, kh: 3, pad: 1 },
  'stride 2, dilation 2, asymmetric padding': { n: 1, h: 201, w: 60, c: 4, oc: 8, kh: 3, stride: 2, dilation: 2, pad: [2, 1, 1, 0] },
  '3 channels, 620², bands planar where the whole is not': { n: 1, h: 620, w: 620, c: 3, oc: 4, kh: 3, pad: 1 },
};

describe('conv2d filter gradient in parts', () => {
  it('sums parts (of whole images, or of one image\'s output rows) each in one run, and adds them in order (what the thread pool repeats)', () => {
    const specs: ConvSpec[] = [
      { n: 64, h: 14, w: 14, c: 6, oc: 16, kh: 5 }, // LeNet C3 at batch 64: four parts
      { n: 10, h: 24, w: 24, c: 1, oc: 6, kh: 5 }, // planar, parts of 2 and 3 images
      { n: 3, h: 50, w: 50, c: 8, oc: 12, kh: 3, pad: 1, stride: 2 }, // three parts of one image
      ...Object.values(ONE_IMAGE_PARTS),
    ];
    for (const env of wasm) {
      for (const s of specs) {
        const g = geometry(s), n = sizes(g), parts = filterGradientParts(g);
        expect(parts, JSON.stringify(s)).toBeGreaterThan(1);
        const xs = randomValues(n.x, 1), dys = randomValues(n.y, 2);
        const x = env.put(xs), dy = env.put(dys);
        const whole = env.alloc(n.w);
        env.k.conv2dBackwardFilter(env.params(g), x, dy, whole, env.alloc(conv2dScratchBytes('backwardFilter', g) / 4));
        const want = env.get(whole, n.w);
        // The parts by hand, each with CONV_FLAG_ONE_PART, then added in order.
        const sum = new Float32Array(n.w);
        for (let p = 0; p < parts; p++) {
          const part = filterGradientPart(g, p, parts);
          expect(part.words[CONV_FLAGS]! & CONV_FLAG_ONE_PART).toBeTruthy();
          expect(filterGradientParts(part.words)).toBe(1);
          const out = env.alloc(n.w);
          env.k.conv2dBackwardFilter(env.params(part.words), x + part.x * 4, dy + part.dy * 4, out,
            env.alloc(conv2dScratchBytes('backwardFilter', part.words) / 4));
          const partial = Float32Array.from(env.get(out, n.w));
          for (let i = 0; i < n.w; i++) sum[i] = p === 0 ? partial[i]! : Math.fround(sum[i]! + partial[i]!);
        }
        expect(Float64Array.from(sum), `${env.name} ${JSON.stringify(s)}`).toEqual(want);
        env.reset();
      }
    }
  });

  it('sums in one run below two row blocks per part and for depthwise filters', () => {
    expect(filterGradientParts(geometry({ n: 2, h: 7, w: 7, c: 512, oc: 512, kh: 3, pad: 1 }))).toBe(1);
    expect(filterGradientParts(geometry({ n: 1, h: 28, w: 28, c: 128, oc: 128, kh: 3, pad: 1 }))).toBe(1);
    expect(filterGradientParts(geometry({ n: 64, h: 14, w: 14, c: 8, oc: 8, kh: 3, pad: 1, groups: 8 }))).toBe(1);
    expect(filterGradientParts(geometry({ n: 1, h: 224, w: 224, c: 64, oc: 64, kh: 3, pad: 1 }))).toBe(4);
    expect(filterGradientParts(geometry({ n: 3, h: 28, w: 28, c: 1, oc: 6, kh: 5 }))).toBe(3);
  });

  for (const [name, spec] of Object.entries(ONE_IMAGE_PARTS)) {
    it(`one image in bands of output rows matches the JS twin: ${name}`, () => {
      expect(filterGradientParts(geometry(spec))).toBeGreaterThan(1);
      if (spec.h < 600) { compareConv('backwardFilter', spec); return; }
      // Each weight's gradient sums 384,400 products in float32: the usual 1e-5 is too tight.
      const ref = runConv(js, 'backwardFilter', spec, 3);
      for (const env of wasm) {
        const got = runConv(env, 'backwardFilter', spec, 3);
        expect(got.scratchClean && got.tailClean, `${env.name}: nothing past the output or the scratch touched`).toBe(true);
        expect(relativeL2(got.out, ref.out), env.name).toBeLessThan(5e-5);
      }
    });
  }

  it('sizes its scratch for the largest part: bands of an image too big for the planar kernels may fit them', () => {
    const g = geometry(ONE_IMAGE_PARTS['3 channels, 620², bands planar where the whole is not']!);
    expect(planarScratchFloats('backwardFilter', g)).toBeUndefined();
    const bands = Array.from({ length: 4 }, (_, p) => filterGradientPart(g, p, 4).words);
    expect(bands.some((b) => planarScratchFloats('backwardFilter', b) !== undefined)).toBe(true);
  });
});

describe('conv2d forward from a packed filter (conv2dPackFilter, CONV_FLAG_PACKED)', () => {
  const depthwise = (s: ConvSpec) => (s.groups ?? 1) === s.c && s.c === s.oc;
  const planar = (s: ConvSpec) => planarScratchFloats('forward', geometry(s)) !== undefined;

  it('asks for a packed filter exactly where the GEMM path runs, sized for whole register panels', () => {
    for (const env of wasm) {
      for (const [name, s] of Object.entries(CASES)) {
        const bytes = env.k.conv2dPackedFilterBytes(env.params(geometry(s)));
        const groups = s.groups ?? 1, taps = s.kh * (s.kw ?? s.kh) * (s.c / groups);
        const expected = depthwise(s) || planar(s) ? 0 : groups * taps * Math.ceil(s.oc / groups / 8) * 8 * 4;
        expect(bytes, `${env.name} ${name}`).toBe(expected);
      }
    }
    expect(js.k.conv2dPackedFilterBytes(js.params(geometry(CASES['batch 3']!))), 'the JS twins read the filter as stored').toBe(0);
  });

  for (const [name, spec] of Object.entries(CASES)) {
    if (depthwise(spec) || planar(spec)) continue;
    it(`gives the bits of the unpacked forward: ${name}`, () => {
      for (const env of wasm) {
        const plain = runConv(env, 'forward', spec, 7), packed = runConv(env, 'forward', spec, 7, true);
        const what = `${env.name} ${name}`;
        expect(packed.packedClean, `${what}: nothing past conv2dPackedFilterBytes written`).toBe(true);
        expect(packed.scratchClean, `${what}: the smaller packed-filter scratch suffices`).toBe(true);
        expect(packed.tailClean, `${what}: nothing past the output touched`).toBe(true);
        expect(packed.out, what).toEqual(plain.out);
      }
    });
  }

  it('needs no scratch for the filter once it is packed', () => {
    const g = geometry({ n: 1, h: 7, w: 7, c: 512, oc: 512, kh: 3, pad: 1 });
    const flagged = g.slice();
    flagged[CONV_FLAGS] = CONV_FLAG_PACKED;
    expect(conv2dScratchBytes('forward', g) - conv2dScratchBytes('forward', flagged)).toBe(512 * 9 * 512 * 4);
  });

  it('stays on the GEMM path with a packed filter where a band of rows alone would be planar', () => {
    // A 3-channel image too large for the planar kernels; a thread's band of its rows fits them.
    const whole: ConvSpec = { n: 1, h: 700, w: 700, c: 3, oc: 8, kh: 3, pad: 1 };
    expect(planarScratchFloats('forward', geometry(whole))).toBeUndefined();
    const band: ConvSpec = { ...whole, h: 20 };
    expect(planar(band)).toBe(true);
    const g = geometry(band);
    g[CONV_FLAGS] = CONV_FLAG_PACKED;
    expect(conv2dScratchBytes('forward', g), 'sized for the GEMM path').toBe(conv2dScratchBytes('forward', geometry(whole)) - 3 * 9 * 8 * 4);
    for (const env of wasm) {
      expect(env.k.conv2dPackedFilterBytes(env.params(geometry(band))), 'the band alone would not pack').toBe(0);
      const packed = runConv(env, 'forward', band, 9, whole), ref = runConv(js, 'forward', band, 9);
      expect(packed.scratchClean && packed.tailClean && packed.packedClean, env.name).toBe(true);
      expect(relativeL2(packed.out, ref.out), env.name).toBeLessThan(1e-6);
    }
  });
});

describe('conv2d scratch', () => {
  it('stays bounded as the image grows: only the packed filter (and the filter gradient\'s partial sums) depend on the layer', () => {
    for (const kind of ['forward', 'backwardInput', 'backwardFilter'] as const) {
      const small = conv2dScratchBytes(kind, geometry({ n: 1, h: 8, w: 8, c: 64, oc: 64, kh: 3, pad: 1 }));
      const bigGeometry = geometry({ n: 64, h: 224, w: 224, c: 64, oc: 64, kh: 3, pad: 1 });
      const big = conv2dScratchBytes(kind, bigGeometry);
      // Over many images the filter gradient keeps four partial filters and a geometry block.
      const partials = kind === 'backwardFilter' ? (4 * 64 * 9 * 64 + CONV_WORDS) * 4 : 0;
      if (kind === 'backwardFilter') expect(filterGradientParts(bigGeometry)).toBe(4);
      expect(big, kind).toBe(small + partials);
      expect(big, kind).toBeLessThan(8 * 1024 * 1024);
    }
  });

  it('sizes the planar paths where they run, and only there', () => {
    const lenetC1 = geometry(CASES['planar: LeNet C1 (32×32, 1 → 6, 5×5)']!);
    for (const kind of ['forward', 'backwardInput', 'backwardFilter'] as const) {
      // Two images: the filter gradient sums them in two parts (two partial filters first).
      const partials = kind === 'backwardFilter' ? (2 * 6 * 25 + CONV_WORDS) * 4 : 0;
      expect(conv2dScratchBytes(kind, lenetC1), kind).toBe(planarScratchFloats(kind, lenetC1)! * 4 + partials);
    }
    const lenetC3 = geometry(CASES['C = 6 (LeNet conv2)']!);
    for (const kind of ['forward', 'backwardInput', 'backwardFilter'] as const) expect(planarScratchFloats(kind, lenetC3), kind).toBeUndefined();
    const strided = geometry({ n: 1, h: 9, w: 9, c: 1, oc: 6, kh: 3, stride: 2 });
    for (const kind of ['forward', 'backwardInput', 'backwardFilter'] as const) expect(planarScratchFloats(kind, strided), kind).toBeUndefined();
    expect(planarScratchFloats('backwardInput', geometry(CASES['planar: padding as large as the kernel (the input gradient falls back)']!))).toBeUndefined();
    expect(planarScratchFloats('forward', geometry({ n: 1, h: 9, w: 9, c: 1, oc: 17, kh: 3 }))).toBeUndefined();
  });

  it('planar scratch stays under 4 MB: a one-channel 2048² image takes the GEMM path', () => {
    const g = geometry({ n: 1, h: 2048, w: 2048, c: 1, oc: 6, kh: 5, pad: 2 });
    for (const kind of ['forward', 'backwardInput', 'backwardFilter'] as const) {
      expect(planarScratchFloats(kind, g), kind).toBeUndefined();
      expect(conv2dScratchBytes(kind, g), kind).toBeLessThan(6 * 1024 * 1024);
    }
    const fits = geometry({ n: 1, h: 1000, w: 1000, c: 1, oc: 6, kh: 5, pad: 2 });
    expect(planarScratchFloats('forward', fits)! * 4).toBeLessThan(4.2 * 1024 * 1024);
  });

  it('filter-gradient blocks shrink for very long rows (K = 7·7·512), staying near 4 MB', () => {
    const g = geometry({ n: 1, h: 9, w: 9, c: 512, oc: 4, kh: 7, pad: 3 });
    expect(conv2dScratchBytes('backwardFilter', g)).toBeLessThan(6 * 1024 * 1024);
    compareConv('backwardFilter', { n: 1, h: 9, w: 9, c: 512, oc: 4, kh: 7, pad: 3 });
  });
});
