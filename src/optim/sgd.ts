import { SGD_FIRST, SGD_NESTEROV, type Kernels } from '../backend/kernels.ts';
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
  private velocity = new Map<Tensor, Tensor>();

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

  protected update(p: Tensor, g: Tensor, o: SGDOptions, k: Kernels): void {
    let v = 0, flags = o.nesterov ? SGD_NESTEROV : 0;
    if (o.momentum !== 0) {
      let state = this.velocity.get(p);
      if (!state) {
        this.velocity.set(p, (state = this.stateFor(p)));
        flags |= SGD_FIRST; // PyTorch starts the buffer at the first gradient, not at zero
      }
      v = state.ptr;
    }
    k.sgdStep(p.ptr, g.ptr, v, p.size, o.lr, o.momentum, o.dampening, o.weightDecay, flags);
  }

  protected resetState(): void {
    this.velocity.clear();
  }
}
