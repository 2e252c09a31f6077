/**
 * The frame every experiment shares: parse the options (examples/lib/cli.ts), start simdnet,
 * seed it, open a Report with the settings, and at the end note the wall-clock time and print
 * the markdown.
 */
import * as sn from '../../src/index.ts';
import { parseArgs } from './cli.ts';
import { duration } from './format.ts';
import { Report } from './table.ts';

export interface Experiment<T> {
  args: T;
  report: Report;
  /** Notes the total time and prints every table again as markdown. */
  finish(): void;
}

export async function startExperiment<T extends { seed: number }>(title: string, defaults: T): Promise<Experiment<T>> {
  const args = parseArgs(defaults);
  if (!Number.isSafeInteger(args.seed)) throw new Error(`--seed must be an integer, got ${args.seed}`);
  const info = await sn.init();
  sn.seed(args.seed);
  const started = performance.now();
  const report = new Report(title);
  const settings = Object.entries(args).map(([k, v]) => `${k} ${v}`).join(', ');
  report.note(`Settings: ${settings}. simdnet ${info.backend} backend${info.simd ? ` (${info.simd} SIMD)` : ''}, one thread.`);
  return {
    args,
    report,
    finish() {
      report.note(`Wall-clock time: ${duration((performance.now() - started) / 1000)}.`);
      report.finish();
    },
  };
}

/** A comma-separated list of integers from an option ("1,2,3"). */
export function integerList(option: string, text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  // Number('') is 0: an empty entry must not pass as a zero.
  if (parts.some((s) => s === '') || values.some((v) => !Number.isSafeInteger(v))) throw new Error(`--${option} must be a comma-separated list of integers, got "${text}"`);
  return values;
}
