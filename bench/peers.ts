/**
 * simdnet against its peers, in one process, single-threaded, on identical seeded data:
 * TensorFlow.js (wasm/XNNPACK and cpu backends), ONNX Runtime Web (wasm EP), ConvNetJS and plain
 * JS loops, next to simdnet's relaxed-SIMD build, plain-SIMD build and JS twins. Every result is
 * cross-checked against simdnet's (relative L2). Prints one table per case and a summary against
 * the targets of the performance issue, and writes them as markdown to bench/results.md.
 *
 *   npm run bench                          the full run (writes bench/results.md)
 *   npm run bench -- --quick               short sampling; slow JS contenders skip the big cases
 *   npm run bench -- --filter conv --only tfjs,simdnet     cases / contenders by substring
 *
 * Node 20 validates relaxed SIMD only when started with --experimental-wasm-relaxed-simd (and
 * refuses it in NODE_OPTIONS), which is why the npm script starts node itself.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { relativeL2 } from '../tests/helpers/compare.ts';
import { Unsupported, type Contender, type Preparation, type ResNetProblem } from './contender.ts';
import { convnetjs, convnetjsVersion } from './contenders/convnetjs.ts';
import { onnxRuntime, ortVersion } from './contenders/ort.ts';
import { plainJs } from './contenders/plain.ts';
import { simdnet } from './contenders/simdnet.ts';
import { tfjs, tfjsVersions, tfjsWasmHeapBytes } from './contenders/tfjs.ts';
import {
  convFlops, convProblem, gemmProblem, lenetParameterOrder, lenetProblem, poolBytes, poolProblem, seededFloats,
  type ConvKind, type ConvShape,
} from './problems.ts';
import {
  markdownTable, summaryMarkdown, summaryText, textTable, throughput, type CaseResult, type Row, type Unit,
} from './report.ts';
import { resnet18Flops, resnet18Weights } from './resnet18-graph.ts';
import { measure, type TimingOptions } from './timing.ts';

// ---- options -----------------------------------------------------------------------------------------

function parseArgs(argv: string[]) {
  const value = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
  const list = (flag: string) => value(flag)?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const known = new Set(['--quick', '--filter', '--only', '--out']);
  for (let i = 0; i < argv.length; i++) {
    if (!known.has(argv[i]!)) throw new Error(`bench: unknown argument ${argv[i]} (use --quick, --filter a,b, --only a,b, --out file)`);
    if (argv[i] !== '--quick') i++;
  }
  const quick = argv.includes('--quick');
  const filter = list('--filter'), only = list('--only');
  return { quick, filter, only, out: value('--out') ?? (quick || filter || only ? undefined : 'bench/results.md') };
}

const args = parseArgs(process.argv.slice(2));
const timing: TimingOptions = args.quick
  ? { budgetMs: 250, minSamples: 3, maxSamples: 15 }
  : { budgetMs: 1500, minSamples: 5, maxSamples: 200 };
/** In a quick run the pure-JS contenders skip cases bigger than this (they take seconds each). */
const QUICK_SLOW_LIMIT = 3e8;
const SLOW_CONTENDERS = ['simdnet JS twin', 'tfjs-cpu', 'convnetjs', 'plain JS loops'];

// ---- cases -------------------------------------------------------------------------------------------

interface Case {
  suite: string;
  name: string;
  unit: Unit;
  work: number;
  /** Builds the problem data (once per case) and returns how each contender prepares it. */
  setup(): (c: Contender) => Preparation;
  /** Turns an output into what is cross-checked (LeNet: the update rather than the weights). */
  checked?: (output: Float32Array) => Float32Array;
}

const gemmCase = (m: number, n: number, k: number, name: string): Case => ({
  suite: 'GEMM', name, unit: 'GFLOP/s', work: 2 * m * n * k,
  setup() { const p = gemmProblem(m, n, k); return (c) => c.gemm(p); },
});

const CONV_LABEL: Record<ConvKind, string> = { forward: 'conv forward', backwardInput: 'conv input gradient', backwardFilter: 'conv filter gradient' };

function convCase(name: string, s: ConvShape, kind: ConvKind): Case {
  const oh = Math.floor((s.h + 2 * s.pad - s.k) / s.stride) + 1, ow = Math.floor((s.w + 2 * s.pad - s.k) / s.stride) + 1;
  return {
    suite: CONV_LABEL[kind], name, unit: 'GFLOP/s', work: 2 * s.n * oh * ow * s.oc * s.k * s.k * s.c,
    setup() { const p = convProblem(s, kind); if (convFlops(p) !== this.work) throw new Error('bench: conv flops'); return (c) => c.conv(p); },
  };
}

const shape = (n: number, hw: number, c: number, oc: number, k: number, stride = 1, pad = 0): ConvShape =>
  ({ n, h: hw, w: hw, c, oc, k, stride, pad });

const CONV_FORWARD: [string, ConvShape][] = [
  ['224²×64→64 3×3 pad 1', shape(1, 224, 64, 64, 3, 1, 1)],
  ['56²×64→64 3×3 pad 1', shape(1, 56, 64, 64, 3, 1, 1)],
  ['28²×128→128 3×3 pad 1', shape(1, 28, 128, 128, 3, 1, 1)],
  ['56²×256→64 1×1', shape(1, 56, 256, 64, 1)],
  ['224²×3→64 7×7/2 pad 3', shape(1, 224, 3, 64, 7, 2, 3)],
  ['LeNet C1 64×32²×1→6 5×5', shape(64, 32, 1, 6, 5)],
  ['LeNet C3 64×14²×6→16 5×5', shape(64, 14, 6, 16, 5)],
];
const CONV_GRADIENT = [CONV_FORWARD[1]!, CONV_FORWARD[5]!];

function poolCase(kind: 'forward' | 'backward'): Case {
  const probe = poolProblem(1, 112, 64, 2, 2, kind);
  return {
    suite: `max pool ${kind}`, name: '2×2/2 on 1×112²×64', unit: 'GB/s', work: poolBytes(probe),
    setup: () => (c) => c.pool(probe),
  };
}

const LENET_BATCH = 64;
const lenetCase: Case = {
  suite: 'LeNet-5 training step', name: `batch ${LENET_BATCH}, SGD momentum 0.9`, unit: 'img/s', work: LENET_BATCH,
  setup() { const p = lenetProblem(LENET_BATCH); return (c) => c.lenet(p); },
  // One step moves the weights by about lr·gradient: compare that move, which the initial weights would swamp.
  checked(after) {
    const initial = lenetParameterOrder().flatMap((key) => Array.from(lenetProblem(LENET_BATCH).weights.get(key)!.data));
    return after.map((v, i) => v - initial[i]!);
  },
};

const resnetCase: Case = {
  suite: 'ResNet-18 forward', name: '1×224×224×3, eval', unit: 'GFLOP/s', work: resnet18Flops(),
  setup() {
    const p: ResNetProblem = { input: seededFloats(224 * 224 * 3, 71), weights: resnet18Weights() };
    return (c) => c.resnet18(p);
  },
};

const CASES: Case[] = [
  gemmCase(128, 128, 128, '128×128×128'),
  gemmCase(512, 512, 512, '512×512×512'),
  gemmCase(1024, 1024, 1024, '1024×1024×1024'),
  gemmCase(3136, 64, 576, '3136×576·576×64 (56²×64 3×3 as im2col)'),
  ...CONV_FORWARD.map(([name, s]) => convCase(name, s, 'forward')),
  ...CONV_GRADIENT.map(([name, s]) => convCase(name, s, 'backwardInput')),
  ...CONV_GRADIENT.map(([name, s]) => convCase(name, s, 'backwardFilter')),
  poolCase('forward'),
  poolCase('backward'),
  lenetCase,
  resnetCase,
];

const CONTENDERS: Contender[] = [
  simdnet('relaxed'), simdnet('simd'), simdnet('js'),
  tfjs('wasm'), tfjs('cpu'), onnxRuntime(), convnetjs(), plainJs(),
];

// ---- running -----------------------------------------------------------------------------------------

async function runContender(c: Contender, prepare: (c: Contender) => Preparation, kase: Case): Promise<{ row: Row; output?: Float32Array }> {
  const row: Row = { contender: c.name, ours: c.ours };
  if (args.quick && kase.unit !== 'img/s' && SLOW_CONTENDERS.includes(c.name) && kase.work > QUICK_SLOW_LIMIT) {
    row.note = 'skipped in --quick';
    return { row };
  }
  try {
    await c.activate();
    const prepared = await prepare(c);
    if (prepared instanceof Unsupported) { row.note = prepared.reason; return { row }; }
    try {
      const once = prepared.run();
      if (once instanceof Promise) await once;
      const first = Float32Array.from(await prepared.output()); // the first run's result (LeNet: after one step)
      const output = kase.checked ? kase.checked(first) : first;
      const t = await measure(() => prepared.run(), timing);
      row.ms = t.medianMs;
      row.minMs = t.minMs;
      row.cpuMs = t.cpuMs;
      row.samples = t.samples;
      if (t.samples < 3) row.note = `${t.samples === 1 ? 'one run' : `${t.samples} runs`} (slow)`;
      row.peakBytes = await prepared.peakBytes?.();
      return { row, output };
    } finally {
      prepared.dispose();
    }
  } catch (e) {
    row.ms = undefined;
    row.note = `error: ${(e as Error).message.split('\n')[0]!.slice(0, 120)}`;
    return { row };
  }
}

async function runCase(kase: Case): Promise<CaseResult> {
  const prepare = kase.setup();
  const rows: Row[] = [];
  const outputs: (Float32Array | undefined)[] = [];
  for (const c of CONTENDERS) {
    if (args.only && !args.only.some((o) => c.name.toLowerCase().includes(o))) continue;
    const { row, output } = await runContender(c, prepare, kase);
    rows.push(row);
    outputs.push(output);
  }
  const refIndex = outputs.findIndex((o) => o !== undefined);
  const result: CaseResult = { suite: kase.suite, name: kase.name, unit: kase.unit, work: kase.work, rows };
  if (refIndex >= 0) {
    const ref = outputs[refIndex]!;
    result.reference = rows[refIndex]!.contender;
    rows.forEach((r, i) => {
      const out = outputs[i];
      if (!out) return;
      if (out.length !== ref.length) { r.note = `${r.note ? `${r.note}; ` : ''}output has ${out.length} values, expected ${ref.length}`; return; }
      r.relL2 = relativeL2(out, ref);
    });
  }
  return result;
}

// ---- targets (part 2 of the performance issue) ----------------------------------------------------------

const oursBest = (c: CaseResult) => c.rows.filter((r) => r.ours && r.ms !== undefined && !r.contender.includes('JS')).sort((a, b) => a.ms! - b.ms!)[0];
const rowOf = (c: CaseResult | undefined, name: string) => c?.rows.find((r) => r.contender.startsWith(name) && r.ms !== undefined);

function atLeast(ours: number | undefined, other: number | undefined, factor: number): boolean | undefined {
  return ours === undefined || other === undefined ? undefined : ours >= factor * other;
}

function applyTargets(results: CaseResult[]): void {
  const speed = (c: CaseResult | undefined, r: Row | undefined) => (c && r?.ms !== undefined ? throughput(c.unit, c.work, r.ms) : undefined);
  const find = (suite: string, name: string) => results.find((c) => c.suite === suite && c.name === name);
  for (const c of results) {
    const ours = speed(c, oursBest(c));
    const vsTfjsWasm = (factor: number) => ({ text: `≥ ${factor}× tfjs-wasm`, met: atLeast(ours, speed(c, rowOf(c, 'tfjs-wasm')), factor) });
    if (c.suite === 'GEMM' && (c.name.startsWith('512') || c.name.startsWith('1024'))) c.target = vsTfjsWasm(1.25);
    if (c.suite === 'conv forward') {
      c.target = vsTfjsWasm(1.25);
      if (c.name.includes('×1→6')) {
        const peers = c.rows.filter((r) => !r.ours && r.ms !== undefined).map((r) => speed(c, r)!);
        const best = peers.length ? Math.max(...peers) : undefined;
        const both = [c.target.met, atLeast(ours, best, 1.5)];
        c.target = { text: '≥ 1.25× tfjs-wasm and ≥ 1.5× best peer', met: both.includes(undefined) ? undefined : both.every(Boolean) };
      }
    }
    if (c.suite === 'conv input gradient' || c.suite === 'conv filter gradient') {
      const forward = find('conv forward', c.name);
      c.target = { text: '≥ 0.8× our forward', met: atLeast(ours, speed(forward, forward && oursBest(forward)), 0.8) };
    }
    if (c.suite === 'max pool forward') c.target = vsTfjsWasm(1);
    if (c.suite === 'max pool backward') c.target = vsTfjsWasm(10);
    if (c.suite === 'LeNet-5 training step') c.target = { text: '≥ 5,000 img/s', met: ours === undefined ? undefined : ours >= 5000 };
  }
}

// ---- main --------------------------------------------------------------------------------------------

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const started = new Date();
const loadBefore = os.loadavg();
const header = [
  `simdnet peer benchmark — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${args.quick ? ' (quick run)' : ''}`,
  `machine: ${cpu}, ${os.cpus().length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; every contender single-threaded`,
  `peers: @tensorflow/tfjs-core + tfjs-backend-wasm + tfjs-backend-cpu ${tfjsVersions().core}, onnxruntime-web ${ortVersion()}, convnetjs ${convnetjsVersion()}`,
  `measured under load: the cores are shared with other work (load average at start ${loadBefore.map((l) => l.toFixed(2)).join(' ')}); numbers are indicative`,
];
console.log(header.join('\n'));

const results: CaseResult[] = [];
for (const kase of CASES) {
  const label = `${kase.suite}/${kase.name}`.toLowerCase();
  if (args.filter && !args.filter.some((f) => label.includes(f))) continue;
  const result = await runCase(kase);
  results.push(result);
  console.log(`\n${textTable(result)}`);
}
applyTargets(results);
const loadAfter = os.loadavg();
const heap = tfjsWasmHeapBytes();
const footer = [
  `load average at end: ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
  'rel. L2: ‖out − ref‖₂ / ‖ref‖₂ against the reference named in each table (simdnet relaxed-SIMD where it ran).',
  'peak memory: simdnet — sn.memory().peakBytes (allocator high-water mark: inputs, outputs, scratch; fresh init per case);',
  '  tf.js — tf.profile().peakBytes (tensor bytes only: XNNPACK\'s packed weights and scratch are not counted);',
  `  others expose nothing ("n/a"). tfjs-wasm's linear memory at the end of the run: ${heap === undefined ? 'n/a' : `${(heap / 2 ** 20).toFixed(0)} MiB`}.`,
  'GB/s (pooling): bytes of input and output (and dy) per run over the median time. LeNet: images per second of a training step.',
  'simdnet wasm relaxed-SIMD (fused multiply-add) runs where the runtime validates relaxed SIMD (Chromium, workerd, Node 20 with',
  '  --experimental-wasm-relaxed-simd); elsewhere the plain SIMD build runs. "best build" in the summary is the faster of the two.',
  'min ms: the fastest run; CPU ms: process CPU time per run. On shared cores the median is inflated by waiting for a core;',
  '  the fastest run and the CPU time are closer to an idle machine (both still pay for caches shared with other work).',
];
console.log(`\n## summary: simdnet's fastest wasm build against the fastest peer\n${summaryText(results)}\n\n${footer.join('\n')}`);

if (args.out) {
  const md = [
    '# simdnet against its peers', '',
    ...header.map((l) => `${l}  `), '',
    'Generated by `npm run bench` (bench/peers.ts). Medians of repeated runs; throughput from the median.', '',
    '## Summary', '', summaryMarkdown(results), '',
    ...footer.map((l) => `${l}  `), '',
    '## Details', '',
    ...results.flatMap((r) => [markdownTable(r), '']),
  ].join('\n');
  writeFileSync(args.out, md);
  console.log(`\nwritten to ${args.out}`);
}
