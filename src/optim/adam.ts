import { ADAM_DECOUPLED, type Kernels } from '../backend/kernels.ts';
import type { Tensor } from '../tensor.ts';
import { checkHyper, Optimizer, type GroupSpec } from './optimizer.ts';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** Decoupled weight decay (AdamW) instead of L2 added to the gradient. */
  decoupled: boolean;
}

/** Adam (Kingma & Ba 2015) with bias correction; AdamW with `decoupled: true`. */
export class Adam extends Optimizer<AdamOptions> {
  private moments = new Map<Tensor, { m: Tensor; v: Tensor; t: number }>();

  constructor(params: Tensor[] | GroupSpec<AdamOptions>[], options: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupled: false, ...options });
  }

  protected validate(o: AdamOptions, g: number): void {
    checkHyper('Adam', g, 'lr', o.lr, 0);
    if (!Array.isArray(o.betas) || o.betas.length !== 2) throw new RangeError(`simdnet: Adam: betas of group ${g} must be [beta1, beta2]`);
    checkHyper('Adam', g, 'betas[0]', o.betas[0], 0, 1);
    checkHyper('Adam', g, 'betas[1]', o.betas[1], 0, 1);
    checkHyper('Adam', g, 'eps', o.eps, 0, Infinity, false);
    checkHyper('Adam', g, 'weightDecay', o.weightDecay, 0);
  }

  protected update(p: Tensor, g: Tensor, o: AdamOptions, k: Kernels): void {
    let s = this.moments.get(p);
    if (!s) this.moments.set(p, (s = { m: this.stateFor(p), v: this.stateFor(p), t: 0 }));
    const [b1, b2] = o.betas;
    const t = ++s.t;
    k.adamStep(p.ptr, g.ptr, s.m.ptr, s.v.ptr, p.size, o.lr, b1, b2, o.eps, o.weightDecay,
      o.decoupled ? ADAM_DECOUPLED : 0, 1 - b1 ** t, 1 - b2 ** t);
  }

  protected resetState(): void {
    this.moments.clear();
  }
}
