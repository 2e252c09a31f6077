import type { Tensor } from '../../tensor.ts';
import { Module } from '../module.ts';

/** Runs its children in order; they are named '0', '1', … as in PyTorch's state dicts. */
export class Sequential extends Module {
  [index: number]: Module;
  private count = 0;

  constructor(...layers: Module[]) {
    super();
    for (const layer of layers) this.append(layer);
  }

  append(layer: Module): this {
    if (!(layer instanceof Module)) throw new TypeError(`simdnet: Sequential: item ${this.count} is not a Module`);
    this[this.count++] = layer;
    return this;
  }

  get length(): number {
    return this.count;
  }

  layers(): Module[] {
    return Array.from({ length: this.count }, (_, i) => this[i]!);
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (let i = 0; i < this.count; i++) y = this[i]!.forward(y);
    return y;
  }
}
