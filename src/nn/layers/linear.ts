import { linear } from '../../ops/linear.ts';
import { fail, positiveInt } from '../../ops/validate.ts';
import { formatShape, Tensor } from '../../tensor.ts';
import { initWeight, pytorchDefault, type InitOptions, type Initializer } from '../init.ts';
import { Module, parameter } from '../module.ts';

export interface LinearOptions extends InitOptions {
  bias?: boolean;
  init?: Initializer;
}

/** Fully connected layer y = x·Wᵀ + b; weight [outFeatures, inFeatures]. */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    positiveInt('Linear', 'inFeatures', inFeatures);
    positiveInt('Linear', 'outFeatures', outFeatures);
    this.weight = parameter(initWeight(options.init ?? 'pytorch', [outFeatures, inFeatures], options));
    this.bias = options.bias === false ? null : parameter(pytorchDefault([outFeatures], inFeatures, options));
  }

  forward(x: Tensor): Tensor {
    if (x instanceof Tensor && x.shape[x.rank - 1] !== this.inFeatures) {
      fail('Linear', `expected inputs with ${this.inFeatures} features in the last dimension, got ${formatShape(x.shape)}`);
    }
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `${this.inFeatures}, ${this.outFeatures}${this.bias ? '' : ', bias=false'}`;
  }
}
