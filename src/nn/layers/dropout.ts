import { dropout } from '../../ops/dropout.ts';
import type { Tensor } from '../../tensor.ts';
import { Module } from '../module.ts';

/** Inverted dropout: active in training mode, the identity in eval mode. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) { super(); }
  forward(x: Tensor): Tensor { return dropout(x, { p: this.p, training: this.training }); }
  override extraRepr(): string { return `p=${this.p}`; }
}
