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
  samples: number;
}

/** A run slower than this is sampled at most twice (plain-JS loops on the big convolutions). */
const SLOW_RUN_MS = 1500;

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
    const second = await timeOnce(run);
    return { medianMs: Math.min(first, second), samples: 1 };
  }
  // A second warm-up for fast cases: some engines compile on the first call and tune on the second.
  if (first < options.budgetMs / 10) await timeOnce(run);
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < options.maxSamples &&
    (samples.length < options.minSamples || performance.now() - start < options.budgetMs)) {
    samples.push(await timeOnce(run));
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[samples.length >> 1]!, samples: samples.length };
}
