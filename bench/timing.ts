/**
 * Median timing for the peer benchmark. Unlike bench/lib.ts (benchmark.js, synchronous bodies)
 * this also times asynchronous runs (ONNX Runtime's session.run returns a promise), so it is a
 * plain loop: warm-up, then samples until a time budget is spent, then the median.
 */

export interface TimingOptions {
  /** Milliseconds of sampling after the warm-up (default 1000). */
  budgetMs: number;
  minSamples: number;
  maxSamples: number;
}

export interface Timing {
  medianMs: number;
  /** The fastest run: on shared cores the closest to an idle machine's time. */
  minMs: number;
  /** Process CPU time per run over the sampled runs (single-threaded contenders only): wall time
   *  inflated by other work waiting for a core does not count, though sharing a core's caches does. */
  cpuMs: number;
  samples: number;
}

/** A run slower than this is sampled at most twice (plain-JS loops on the big convolutions). */
const SLOW_RUN_MS = 1500;
/** How long fast cases warm up before sampling. */
const WARM_UP_MS = 200;

function isPromise(x: unknown): x is Promise<unknown> {
  return typeof (x as Promise<unknown> | undefined)?.then === 'function';
}

async function timeOnce(run: () => unknown): Promise<number> {
  const t0 = performance.now();
  const r = run();
  if (isPromise(r)) await r;
  return performance.now() - t0;
}

export async function measure(run: () => unknown, options: TimingOptions): Promise<Timing> {
  const first = await timeOnce(run); // warm-up: JIT, lazily packed weights, first-touch of memory
  if (first > SLOW_RUN_MS) {
    // The faster of the warm-up and one more run: the JIT is done by then.
    const cpu = process.cpuUsage();
    const second = await timeOnce(run);
    const used = process.cpuUsage(cpu);
    const best = Math.min(first, second);
    return { medianMs: best, minMs: best, cpuMs: (used.user + used.system) / 1e3, samples: 1 };
  }
  // Fast cases warm up for a fifth of a second (at most 50 runs): wasm engines first run a
  // baseline compile and swap in optimised code from a background thread once a function is hot
  // (V8's tier-up), which two runs need not reach; sampling then would time the baseline code
  // and count the compiler's CPU time.
  if (first < options.budgetMs / 10) {
    const warm = performance.now();
    for (let i = 0; i < 50 && (i < 2 || performance.now() - warm < WARM_UP_MS); i++) await timeOnce(run);
  }
  const samples: number[] = [];
  const start = performance.now();
  const cpu = process.cpuUsage();
  while (samples.length < options.maxSamples &&
    (samples.length < options.minSamples || performance.now() - start < options.budgetMs)) {
    samples.push(await timeOnce(run));
  }
  const used = process.cpuUsage(cpu);
  samples.sort((a, b) => a - b);
  return {
    medianMs: samples[samples.length >> 1]!, minMs: samples[0]!,
    cpuMs: (used.user + used.system) / 1e3 / samples.length, samples: samples.length,
  };
}
