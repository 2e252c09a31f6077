import type { Tensor } from '../tensor.ts';
import { checkHyper, Optimizer, type GroupSpec } from './optimizer.ts';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/** Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay (PyTorch's rule). */
export class SGD extends Optimizer<SGDOptions> {
  private velocity = new Map<Tensor, Float32Array | Float64Array>();

  constructor(params: Tensor[] | GroupSpec<SGDOptions>[], options: Partial<SGDOptions> & { lr: number }) {
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...options });
  }

  protected validate(o: SGDOptions, g: number): void {
    checkHyper('SGD', g, 'lr', o.lr, 0);
    checkHyper('SGD', g, 'momentum', o.momentum, 0);
    checkHyper('SGD', g, 'dampening', o.dampening, 0, 1);
    checkHyper('SGD', g, 'weightDecay', o.weightDecay, 0);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new RangeError(`simdnet: SGD: Nesterov momentum (group ${g}) needs momentum > 0 and dampening 0`);
    }
  }

  protected update(p: Tensor, w: Float32Array | Float64Array, grad: Float32Array | Float64Array, o: SGDOptions): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = o;
    if (momentum === 0) {
      for (let i = 0; i < w.length; i++) w[i] = w[i]! - lr * (grad[i]! + weightDecay * w[i]!);
      return;
    }
    let v = this.velocity.get(p);
    const first = v === undefined;
    if (!v) this.velocity.set(p, (v = new (w.constructor as Float32ArrayConstructor)(w.length)));
    for (let i = 0; i < w.length; i++) {
      const d = grad[i]! + weightDecay * w[i]!;
      const vi = first ? d : momentum * v[i]! + (1 - dampening) * d;
      v[i] = vi;
      w[i] = w[i]! - lr * (nesterov ? d + momentum * vi : vi);
    }
  }
}
