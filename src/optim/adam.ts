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
  private moments = new Map<Tensor, { m: Float64Array; v: Float64Array; t: number }>();

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

  protected update(p: Tensor, w: Float32Array | Float64Array, grad: Float32Array | Float64Array, o: AdamOptions): void {
    let s = this.moments.get(p);
    if (!s) this.moments.set(p, (s = { m: new Float64Array(w.length), v: new Float64Array(w.length), t: 0 }));
    const [b1, b2] = o.betas;
    const t = ++s.t;
    const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
    const stepSize = o.lr / c1;
    for (let i = 0; i < w.length; i++) {
      let g = grad[i]!;
      if (o.weightDecay && !o.decoupled) g += o.weightDecay * w[i]!;
      if (o.weightDecay && o.decoupled) w[i] = w[i]! * (1 - o.lr * o.weightDecay);
      const m = (s.m[i] = b1 * s.m[i]! + (1 - b1) * g);
      const v = (s.v[i] = b2 * s.v[i]! + (1 - b2) * g * g);
      w[i] = w[i]! - stepSize * m / (Math.sqrt(v / c2) + o.eps);
    }
  }
}
