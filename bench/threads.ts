/**
 * One thread against two: the same kernels on a one-thread backend and on a two-thread backend,
 * both alive in this process, timed alternately (one run of each in turn) so that load from other
 * processes hits both alike. Prints medians, GFLOP/s and the ratio 1 thread / 2 threads, with the
 * load average before and after (the cores may be shared: read ratios together with it), and the
 * CPU time of each run (all threads): the two-thread CPU time over the one-thread CPU time is the
 * work the split adds, which load does not change much. Under load the fastest runs (when both
 * cores happened to be free) say more than the medians: their ratio is printed too.
 *   npx tsx --experimental-wasm-relaxed-simd bench/threads.ts [rounds] [filter]
 *
 * Cases: the 224²×64→64 3×3 convolution (forward, input gradient, filter gradient), and a
 * ResNet-18-like stack at batch 1 — its twenty convolutions (with the stem's max pooling) forward,
 * and their input and filter gradients — run kernel after kernel on preallocated buffers.
 * Last, the whole model: sn.zoo.resnet18 in eval mode through the public API (batch norm, ReLU,
 * residual adds, pooling and the classifier included), in blocks that alternate init({ threads: 1 })
 * and init({ threads: 2 }), each block warmed up first.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createBackend, type Backend, type WasmModules } from '../src/backend/backend.ts';
import {
  CONV_C, CONV_DH, CONV_DW, CONV_GROUPS, CONV_H, CONV_KH, CONV_KW, CONV_N, CONV_OC, CONV_OH, CONV_OW,
  CONV_PAD_L, CONV_PAD_T, CONV_SH, CONV_SW, CONV_W, CONV_WORDS, POOL_C, POOL_H, POOL_KH, POOL_KW, POOL_N,
  POOL_OH, POOL_OW, POOL_PAD_B, POOL_PAD_L, POOL_PAD_R, POOL_PAD_T, POOL_SH, POOL_SW, POOL_W, POOL_WORDS,
} from '../src/backend/geometry.ts';
import { conv2dScratchBytes, type ConvKind } from '../src/backend/scratch.ts';
import { allocBuffer, freeAll, randomBuffer } from './lib.ts';
import * as sn from '../src/index.ts';
import '../src/threads.node.ts';

const rounds = Number(process.argv[2] ?? 7);
const filter = process.argv[3]?.toLowerCase();

interface Layer { hw: number; c: number; oc: number; k: number; stride: number; pad: number }

const conv = (hw: number, c: number, oc: number, k: number, stride = 1, pad = k >> 1): Layer => ({ hw, c, oc, k, stride, pad });

/** ResNet-18's convolutions at 224² (two 3×3 per block, a 1×1 stride-2 shortcut where the width doubles). */
const RESNET18: Layer[] = [
  conv(224, 3, 64, 7, 2, 3),
  ...Array.from({ length: 4 }, () => conv(56, 64, 64, 3)),
  conv(56, 64, 128, 3, 2), conv(56, 64, 128, 1, 2, 0), ...Array.from({ length: 3 }, () => conv(28, 128, 128, 3)),
  conv(28, 128, 256, 3, 2), conv(28, 128, 256, 1, 2, 0), ...Array.from({ length: 3 }, () => conv(14, 256, 256, 3)),
  conv(14, 256, 512, 3, 2), conv(14, 256, 512, 1, 2, 0), ...Array.from({ length: 3 }, () => conv(7, 512, 512, 3)),
];

function convWords(l: Layer, n = 1): number[] {
  const o = Math.floor((l.hw + 2 * l.pad - l.k) / l.stride) + 1;
  const g = new Array<number>(CONV_WORDS).fill(0);
  g[CONV_N] = n; g[CONV_H] = l.hw; g[CONV_W] = l.hw; g[CONV_C] = l.c; g[CONV_OC] = l.oc;
  g[CONV_KH] = l.k; g[CONV_KW] = l.k; g[CONV_SH] = l.stride; g[CONV_SW] = l.stride;
  g[CONV_PAD_T] = l.pad; g[CONV_PAD_L] = l.pad; g[CONV_DH] = 1; g[CONV_DW] = 1; g[CONV_GROUPS] = 1;
  g[CONV_OH] = o; g[CONV_OW] = o;
  return g;
}

const flopsOf = (l: Layer) => {
  const o = Math.floor((l.hw + 2 * l.pad - l.k) / l.stride) + 1;
  return 2 * o * o * l.oc * l.k * l.k * l.c;
};

/** One layer's buffers on a backend and a run of the chosen kernels over them. */
function prepareLayer(backend: Backend, l: Layer, kinds: ConvKind[], owned: number[]): () => void {
  const g = convWords(l);
  const xLen = l.hw * l.hw * l.c, wLen = l.oc * l.k * l.k * l.c, yLen = g[CONV_OH]! * g[CONV_OW]! * l.oc;
  const x = randomBuffer(backend, xLen, 1, owned), w = randomBuffer(backend, wLen, 2, owned);
  const b = randomBuffer(backend, l.oc, 3, owned), dy = randomBuffer(backend, yLen, 4, owned);
  const y = allocBuffer(backend, yLen * 4, owned), dx = allocBuffer(backend, xLen * 4, owned), dw = allocBuffer(backend, wLen * 4, owned);
  const scratch = allocBuffer(backend, Math.max(...kinds.map((k) => conv2dScratchBytes(k, g))), owned);
  const k = backend.kernels();
  return () => {
    for (const kind of kinds) {
      const geom = backend.params(g);
      if (kind === 'forward') k.conv2dForward(geom, x, w, b, y, scratch);
      else if (kind === 'backwardInput') k.conv2dBackwardInput(geom, dy, w, dx, scratch);
      else k.conv2dBackwardFilter(geom, x, dy, dw, scratch);
    }
  };
}

/** The stem's 3×3/2 pad 1 max pooling, 112² × 64 → 56². */
function prepareStemPool(backend: Backend, owned: number[]): () => void {
  const g = new Array<number>(POOL_WORDS).fill(0);
  g[POOL_N] = 1; g[POOL_H] = 112; g[POOL_W] = 112; g[POOL_C] = 64; g[POOL_KH] = 3; g[POOL_KW] = 3;
  g[POOL_SH] = 2; g[POOL_SW] = 2; g[POOL_PAD_T] = 1; g[POOL_PAD_L] = 1; g[POOL_PAD_B] = 1; g[POOL_PAD_R] = 1;
  g[POOL_OH] = 56; g[POOL_OW] = 56;
  const x = randomBuffer(backend, 112 * 112 * 64, 5, owned), y = allocBuffer(backend, 56 * 56 * 64 * 4, owned);
  const k = backend.kernels();
  return () => k.maxPool2dForward(backend.params(g), x, y, 0);
}

interface Case { name: string; flops: number; prepare(backend: Backend, owned: number[]): () => void }

const big = conv(224, 64, 64, 3);
const cases: Case[] = [
  ...(['forward', 'backwardInput', 'backwardFilter'] as const).map((kind): Case => ({
    name: `conv 224²×64→64 3×3 ${kind}`, flops: flopsOf(big), prepare: (b, owned) => prepareLayer(b, big, [kind], owned),
  })),
  {
    name: 'ResNet-18 convs forward (batch 1)',
    flops: RESNET18.reduce((s, l) => s + flopsOf(l), 0),
    prepare: (b, owned) => {
      const runs = RESNET18.map((l) => prepareLayer(b, l, ['forward'], owned));
      runs.splice(1, 0, prepareStemPool(b, owned));
      return () => { for (const r of runs) r(); };
    },
  },
  {
    name: 'ResNet-18 convs input+filter gradients',
    flops: RESNET18.reduce((s, l) => s + 2 * flopsOf(l), 0),
    prepare: (b, owned) => {
      const runs = RESNET18.map((l) => prepareLayer(b, l, ['backwardInput', 'backwardFilter'], owned));
      return () => { for (const r of runs) r(); };
    },
  },
];

const wasm = (variant: string) => () => readFileSync(new URL(`../build/simdnet.${variant}.wasm`, import.meta.url));
const modules: WasmModules = {
  simd: wasm('simd'), relaxed: wasm('relaxed'), simdThreads: wasm('simd-threads'), relaxedThreads: wasm('relaxed-threads'),
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const one = await createBackend({ threads: 1 }, modules);
const two = await createBackend({ threads: 2 }, modules);
if (two.threads !== 2) throw new Error(`two threads did not start: ${two.notice}`);
console.log(`kernels: ${one.variant} build; ${availableParallelism()} cores; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`${'case'.padEnd(42)}${'1 thread ms'.padStart(13)}${'2 threads ms'.padStart(14)}${'GFLOP/s 1→2'.padStart(16)}` +
  `${'ratio'.padStart(8)}${'CPU ms 1 → 2'.padStart(16)}${'fastest ms 1 → 2'.padStart(20)}${'ratio'.padStart(8)}`);
for (const c of cases) {
  if (filter && !c.name.toLowerCase().includes(filter)) continue;
  const ownedOne: number[] = [], ownedTwo: number[] = [];
  const runOne = c.prepare(one, ownedOne), runTwo = c.prepare(two, ownedTwo);
  runOne(); runTwo(); // warm-up: compilation tiers, scratch, page faults
  const t1: number[] = [], t2: number[] = [], cpu1: number[] = [], cpu2: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [run, times, cpu] of [[runOne, t1, cpu1], [runTwo, t2, cpu2]] as const) {
      const start = performance.now(), cpuStart = process.cpuUsage();
      run();
      times.push(performance.now() - start);
      const used = process.cpuUsage(cpuStart);
      cpu.push((used.user + used.system) / 1e3);
    }
  }
  const m1 = median(t1), m2 = median(t2);
  const gflops = (ms: number) => (c.flops / ms / 1e6).toFixed(1);
  console.log(`${c.name.padEnd(42)}${m1.toFixed(1).padStart(13)}${m2.toFixed(1).padStart(14)}` +
    `${`${gflops(m1)} → ${gflops(m2)}`.padStart(16)}${`${(m1 / m2).toFixed(2)}×`.padStart(8)}` +
    `${`${median(cpu1).toFixed(0)} → ${median(cpu2).toFixed(0)}`.padStart(16)}` +
    `${`${Math.min(...t1).toFixed(1)} → ${Math.min(...t2).toFixed(1)}`.padStart(20)}${`${(Math.min(...t1) / Math.min(...t2)).toFixed(2)}×`.padStart(8)}`);
  freeAll(one, ownedOne);
  freeAll(two, ownedTwo);
}
await two.stopThreads();

/** ResNet-18 forward latency through the public API: blocks of runs alternating 1 and 2 threads. */
async function wholeResnet18(blocks: number, runsPerBlock: number): Promise<void> {
  const times: Record<1 | 2, number[]> = { 1: [], 2: [] };
  const cpu: Record<1 | 2, number[]> = { 1: [], 2: [] };
  for (let block = 0; block < blocks; block++) {
    for (const threads of [1, 2] as const) {
      const info = await sn.init({ threads });
      if (info.threads !== threads) throw new Error(`${threads} threads did not start: ${info.notice}`);
      const model = sn.zoo.resnet18({ seed: 1 }).eval();
      const x = sn.rand([1, 224, 224, 3], { seed: 2, requiresGrad: false });
      const forward = () => sn.tidy(() => { model.forward(x).dataSync(); });
      for (let i = 0; i < 4; i++) forward(); // compilation tiers, packed filters, scratch
      for (let i = 0; i < runsPerBlock; i++) {
        const start = performance.now(), cpuStart = process.cpuUsage();
        forward();
        times[threads].push(performance.now() - start);
        const used = process.cpuUsage(cpuStart);
        cpu[threads].push((used.user + used.system) / 1e3);
      }
      sn.dispose(x);
      model.dispose();
      await sn.shutdown();
    }
  }
  const m1 = median(times[1]), m2 = median(times[2]), f1 = Math.min(...times[1]), f2 = Math.min(...times[2]);
  const flops = 2 * 1_814_073_344;
  const gflops = (ms: number) => (flops / ms / 1e6).toFixed(1);
  console.log(`${'ResNet-18 forward, whole model (public API)'.padEnd(42)}${m1.toFixed(1).padStart(13)}${m2.toFixed(1).padStart(14)}` +
    `${`${gflops(m1)} → ${gflops(m2)}`.padStart(16)}${`${(m1 / m2).toFixed(2)}×`.padStart(8)}` +
    `${`${median(cpu[1]).toFixed(0)} → ${median(cpu[2]).toFixed(0)}`.padStart(16)}` +
    `${`${f1.toFixed(1)} → ${f2.toFixed(1)}`.padStart(20)}${`${(f1 / f2).toFixed(2)}×`.padStart(8)}`);
}

if (!filter || 'resnet-18 forward, whole model'.includes(filter)) await wholeResnet18(3, rounds);
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
