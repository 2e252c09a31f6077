/**
 * A contender of the peer benchmark: one library (or one simdnet backend) that can prepare each
 * problem. A prepared problem owns its inputs; `run` computes once (it may return a promise),
 * `output` returns the latest result in simdnet's layouts for the cross-check.
 */
import type { ConvProblem, GemmProblem, LeNetProblem, PoolProblem } from './problems.ts';
import type { Weights } from './resnet18-graph.ts';

export interface Prepared {
  run(): unknown;
  output(): Float32Array | Promise<Float32Array>;
  /** Peak bytes the library reports for this problem (inputs included), when it reports any. */
  peakBytes?(): number | undefined | Promise<number | undefined>;
  dispose(): void;
}

/** Why a contender does not run a problem: shown in the table instead of a time. */
export class Unsupported {
  constructor(readonly reason: string) {}
}

export type Preparation = Prepared | Unsupported | Promise<Prepared | Unsupported>;

export interface ResNetProblem {
  /** [1, 224, 224, 3] NHWC. The result is the 1000 logits. */
  input: Float32Array;
  weights: Weights;
}

export interface Contender {
  /** The label in the table. */
  name: string;
  /** simdnet's own backends (as opposed to the peers). */
  ours: boolean;
  /** Makes this contender's engine current (a tfjs backend, a fresh simdnet init). */
  activate(): Promise<void>;
  gemm(p: GemmProblem): Preparation;
  conv(p: ConvProblem): Preparation;
  pool(p: PoolProblem): Preparation;
  lenet(p: LeNetProblem): Preparation;
  resnet18(p: ResNetProblem): Preparation;
}

export const unsupported = (reason: string) => () => new Unsupported(reason);
