import type { Optimizer } from './optimizer.ts';

/** Learning-rate schedules: call step() once per epoch (or per iteration, as you define tMax). */
export abstract class LRScheduler {
  protected epoch = 0;
  constructor(readonly optimizer: Optimizer<{ lr: number }>) {}

  step(): void {
    this.epoch++;
    for (const g of this.optimizer.groups) g.options.lr = this.rate(g.initialLr, this.epoch);
  }

  /** The learning rates now, one per group. */
  get lastLr(): number[] {
    return this.optimizer.groups.map((g) => g.options.lr);
  }

  protected abstract rate(initial: number, epoch: number): number;
}

/** lr · gamma^⌊epoch / stepSize⌋. */
export class StepLR extends LRScheduler {
  constructor(optimizer: Optimizer<{ lr: number }>, readonly stepSize: number, readonly gamma = 0.1) {
    super(optimizer);
    if (!Number.isSafeInteger(stepSize) || stepSize < 1) throw new RangeError(`simdnet: StepLR: stepSize must be a positive integer, got ${stepSize}`);
  }
  protected rate(initial: number, epoch: number): number {
    return initial * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/** Cosine annealing from the initial rate to etaMin over tMax steps (Loshchilov & Hutter 2017). */
export class CosineAnnealingLR extends LRScheduler {
  constructor(optimizer: Optimizer<{ lr: number }>, readonly tMax: number, readonly etaMin = 0) {
    super(optimizer);
    if (!(tMax > 0)) throw new RangeError(`simdnet: CosineAnnealingLR: tMax must be positive, got ${tMax}`);
  }
  protected rate(initial: number, epoch: number): number {
    const t = Math.min(epoch, this.tMax);
    return this.etaMin + (initial - this.etaMin) * (1 + Math.cos(Math.PI * t / this.tMax)) / 2;
  }
}
