import { batchNorm2d, localResponseNorm, type LocalResponseNormOptions } from '../../ops/norm.ts';
import { positiveInt } from '../../ops/validate.ts';
import { full, writeValues, zeros, type Tensor } from '../../tensor.ts';
import { buffer, Module, parameter } from '../module.ts';

export interface BatchNorm2dOptions {
  eps?: number;
  momentum?: number;
  /** Learnable scale and shift (default true). */
  affine?: boolean;
}

/** Batch normalisation over the channels of NHWC activations, with PyTorch's state-dict names. */
export class BatchNorm2d extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  running_mean: Tensor;
  running_var: Tensor;
  num_batches_tracked: Tensor;
  readonly eps: number;
  readonly momentum: number;

  constructor(readonly numFeatures: number, options: BatchNorm2dOptions = {}) {
    super();
    positiveInt('BatchNorm2d', 'numFeatures', numFeatures);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    const affine = options.affine ?? true;
    this.weight = affine ? parameter(full([numFeatures], 1)) : null;
    this.bias = affine ? parameter(zeros([numFeatures])) : null;
    this.running_mean = buffer(zeros([numFeatures]));
    this.running_var = buffer(full([numFeatures], 1));
    this.num_batches_tracked = buffer(zeros([], 'int32'));
  }

  forward(x: Tensor): Tensor {
    const y = batchNorm2d(x, this.running_mean, this.running_var, this.weight, this.bias,
      { training: this.training, momentum: this.momentum, eps: this.eps });
    if (this.training) {
      writeValues(this.num_batches_tracked, [this.num_batches_tracked.dataSync()[0]! + 1]);
    }
    return y;
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}`;
  }
}

export class LocalResponseNorm extends Module {
  readonly options: LocalResponseNormOptions;
  constructor(size: number, options: Omit<LocalResponseNormOptions, 'size'> = {}) {
    super();
    this.options = { size, ...options };
  }
  forward(x: Tensor): Tensor { return localResponseNorm(x, this.options); }
  override extraRepr(): string { return JSON.stringify(this.options); }
}
