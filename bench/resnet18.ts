/**
 * ResNet-18 inference latency: one 224×224×3 image, evaluation mode, median of several forward
 * passes after a warm-up (which also packs the weights the kernels cache).
 *   npx tsx bench/resnet18.ts [runs]
 *   npx tsx --experimental-wasm-relaxed-simd bench/resnet18.ts     (the fused multiply-add build)
 * The peers (TensorFlow.js, ONNX Runtime Web, …) are to be added beside simdnet here.
 */
import * as sn from '../src/index.ts';

export interface LatencyResult {
  name: string;
  medianMs: number;
  minMs: number;
  /** Process CPU time per call: close to the latency of an idle machine when the wall clock is
   *  inflated by other work on shared cores (single-threaded runs only). */
  cpuMs: number;
  runs: number;
}

/** Times `forward` after one warm-up call: median and minimum of `runs` calls, in milliseconds. */
export function timeForward(name: string, forward: () => void, runs: number): LatencyResult {
  forward();
  const times: number[] = [];
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    forward();
    times.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpuStart);
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const medianMs = times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  return { name, medianMs, minMs: times[0]!, cpuMs: (cpu.user + cpu.system) / 1000 / runs, runs };
}

async function simdnet(runs: number): Promise<LatencyResult> {
  const info = await sn.init();
  const model = sn.zoo.resnet18({ seed: 1 }).eval();
  const x = sn.rand([1, 224, 224, 3], { seed: 2, requiresGrad: false });
  // 1.81 G multiply-adds per image (sn.summary), i.e. 3.6 GFLOP.
  const result = timeForward(`simdnet (${info.backend}${info.simd ? `, ${info.simd}` : ''})`, () => {
    sn.tidy(() => { model.forward(x).dataSync(); });
  }, runs);
  sn.dispose(x);
  model.dispose();
  return result;
}

const runs = Number(process.argv[2] ?? 7);
if (!Number.isSafeInteger(runs) || runs < 1) throw new TypeError(`runs must be a positive integer, got ${process.argv[2]}`);
const macs = 1_814_073_344;
console.log(`ResNet-18 forward, 1×224×224×3, median of ${runs} runs after a warm-up`);
for (const r of [await simdnet(runs)]) {
  console.log(`${r.name.padEnd(28)} ${r.medianMs.toFixed(1).padStart(8)} ms median  ${r.minMs.toFixed(1).padStart(8)} ms min  ` +
    `${r.cpuMs.toFixed(1).padStart(8)} ms CPU  ${(2 * macs / r.medianMs / 1e6).toFixed(1).padStart(6)} GFLOP/s (median)`);
}
