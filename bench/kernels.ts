/**
 * Kernel micro-benchmarks: each wasm build against its JS twin, median time and GFLOP/s.
 *   npx tsx bench/kernels.ts [filter]          (filter: a substring of "suite/case", e.g. "lenet")
 * Relaxed SIMD is timed when Node allows it:
 *   npx tsx --experimental-wasm-relaxed-simd bench/kernels.ts [filter]
 * Kernel families add a Suite to the list at the bottom.
 */
import {
  CONV_C, CONV_DH, CONV_DW, CONV_GROUPS, CONV_H, CONV_KH, CONV_KW, CONV_N, CONV_OC, CONV_OH, CONV_OW,
  CONV_PAD_L, CONV_PAD_T, CONV_SH, CONV_SW, CONV_W, CONV_WORDS,
} from '../src/backend/geometry.ts';
import { conv2dScratchBytes, gemmScratchBytes, type ConvKind } from '../src/backend/scratch.ts';
import { allocBuffer, freeAll, randomBuffer, runSuites, type BenchCase, type Suite } from './lib.ts';

function gemmCase(size: number): BenchCase {
  return {
    name: `${size}×${size}×${size}`,
    flops: 2 * size ** 3,
    prepare(backend) {
      const owned: number[] = [];
      const a = randomBuffer(backend, size * size, 1, owned), b = randomBuffer(backend, size * size, 2, owned);
      const c = allocBuffer(backend, size * size * 4, owned);
      const scratch = allocBuffer(backend, gemmScratchBytes(0, 0, size, size, size), owned);
      const k = backend.kernels();
      return { run: () => k.gemm(0, 0, size, size, size, 1, a, size, b, size, 0, c, size, scratch), dispose: () => freeAll(backend, owned) };
    },
  };
}

interface ConvShape { label: string; n: number; hw: number; c: number; oc: number; k: number; stride?: number; pad?: number; groups?: number }

function convGeometry(s: ConvShape): number[] {
  const stride = s.stride ?? 1, pad = s.pad ?? 0;
  const o = Math.floor((s.hw + 2 * pad - (s.k - 1) - 1) / stride) + 1;
  const g = new Array<number>(CONV_WORDS).fill(0);
  g[CONV_N] = s.n; g[CONV_H] = s.hw; g[CONV_W] = s.hw; g[CONV_C] = s.c; g[CONV_OC] = s.oc;
  g[CONV_KH] = s.k; g[CONV_KW] = s.k; g[CONV_SH] = stride; g[CONV_SW] = stride;
  g[CONV_PAD_T] = pad; g[CONV_PAD_L] = pad; g[CONV_DH] = 1; g[CONV_DW] = 1; g[CONV_GROUPS] = s.groups ?? 1;
  g[CONV_OH] = o; g[CONV_OW] = o;
  return g;
}

function convCase(s: ConvShape, kind: ConvKind): BenchCase {
  const g = convGeometry(s);
  const cinG = s.c / (s.groups ?? 1);
  const xLen = s.n * s.hw * s.hw * s.c, wLen = s.oc * s.k * s.k * cinG, yLen = s.n * g[CONV_OH]! * g[CONV_OW]! * s.oc;
  return {
    name: s.label,
    flops: 2 * yLen * s.k * s.k * cinG,
    prepare(backend) {
      const owned: number[] = [];
      const x = randomBuffer(backend, xLen, 1, owned), w = randomBuffer(backend, wLen, 2, owned);
      const bias = randomBuffer(backend, s.oc, 3, owned), dy = randomBuffer(backend, yLen, 4, owned);
      const out = allocBuffer(backend, 4 * (kind === 'forward' ? yLen : kind === 'backwardInput' ? xLen : wLen), owned);
      const scratch = allocBuffer(backend, conv2dScratchBytes(kind, g), owned);
      const k = backend.kernels();
      const geom = backend.params(g);
      const run = kind === 'forward' ? () => k.conv2dForward(geom, x, w, bias, out, scratch)
        : kind === 'backwardInput' ? () => k.conv2dBackwardInput(geom, dy, w, out, scratch)
          : () => k.conv2dBackwardFilter(geom, x, dy, out, scratch);
      return { run, dispose: () => freeAll(backend, owned) };
    },
  };
}

const CONV_SHAPES: ConvShape[] = [
  { label: '224²×64→64 3×3 pad 1', n: 1, hw: 224, c: 64, oc: 64, k: 3, pad: 1 },
  { label: '56²×64→64 3×3 pad 1', n: 1, hw: 56, c: 64, oc: 64, k: 3, pad: 1 },
  { label: '28²×128→128 3×3 pad 1', n: 1, hw: 28, c: 128, oc: 128, k: 3, pad: 1 },
  { label: '56²×256→64 1×1', n: 1, hw: 56, c: 256, oc: 64, k: 1 },
  { label: '224²×3→64 7×7/2 pad 3', n: 1, hw: 224, c: 3, oc: 64, k: 7, stride: 2, pad: 3 },
  { label: 'LeNet 64×32²×1→6 5×5', n: 64, hw: 32, c: 1, oc: 6, k: 5 },
  { label: 'LeNet 64×14²×6→16 5×5', n: 64, hw: 14, c: 6, oc: 16, k: 5 },
  { label: 'depthwise 112²×32 3×3 pad 1', n: 1, hw: 112, c: 32, oc: 32, k: 3, pad: 1, groups: 32 },
];

const suites: Suite[] = [
  { name: 'gemm', cases: [256, 512, 1024].map(gemmCase) },
  ...(['forward', 'backwardInput', 'backwardFilter'] as const).map((kind) => ({
    name: `conv2d ${kind}`,
    cases: CONV_SHAPES.map((s) => convCase(s, kind)),
  })),
];

await runSuites(suites, process.argv[2]);
