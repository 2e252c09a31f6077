import { adaptiveAvgPool2d, avgPool2d, lpPool2d, maxPool2d, type AvgPoolOptions, type LpPoolOptions, type PoolOptions } from '../../ops/pool.ts';
import type { Tensor } from '../../tensor.ts';
import { Module } from '../module.ts';

type Size = number | [number, number];

export class MaxPool2d extends Module {
  readonly options: PoolOptions;
  constructor(kernelSize: Size, options: Omit<PoolOptions, 'kernelSize'> = {}) {
    super();
    this.options = { kernelSize, ...options };
  }
  forward(x: Tensor): Tensor { return maxPool2d(x, this.options); }
  override extraRepr(): string { return JSON.stringify(this.options); }
}

export class AvgPool2d extends Module {
  readonly options: AvgPoolOptions;
  constructor(kernelSize: Size, options: Omit<AvgPoolOptions, 'kernelSize'> = {}) {
    super();
    this.options = { kernelSize, ...options };
  }
  forward(x: Tensor): Tensor { return avgPool2d(x, this.options); }
  override extraRepr(): string { return JSON.stringify(this.options); }
}

/** Power-average (L2 for normType 2) pooling, PyTorch's LPPool2d. */
export class LPPool2d extends Module {
  readonly options: LpPoolOptions;
  constructor(normType: number, kernelSize: Size, options: Omit<LpPoolOptions, 'kernelSize' | 'normType'> = {}) {
    super();
    this.options = { normType, kernelSize, ...options };
  }
  forward(x: Tensor): Tensor { return lpPool2d(x, this.options); }
  override extraRepr(): string { return JSON.stringify(this.options); }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Size) { super(); }
  forward(x: Tensor): Tensor { return adaptiveAvgPool2d(x, this.outputSize); }
  override extraRepr(): string { return JSON.stringify(this.outputSize); }
}
