import { relu, scaledTanh, sigmoid, tanh } from '../../ops/elementwise.ts';
import { logSoftmax, softmax } from '../../ops/reduce.ts';
import type { Tensor } from '../../tensor.ts';
import { Module } from '../module.ts';

export class ReLU extends Module { forward(x: Tensor): Tensor { return relu(x); } }
export class Sigmoid extends Module { forward(x: Tensor): Tensor { return sigmoid(x); } }
export class Tanh extends Module { forward(x: Tensor): Tensor { return tanh(x); } }
/** LeCun's 1.7159·tanh(2x/3). */
export class ScaledTanh extends Module { forward(x: Tensor): Tensor { return scaledTanh(x); } }

export class Softmax extends Module {
  constructor(readonly axis = -1) { super(); }
  forward(x: Tensor): Tensor { return softmax(x, { axis: this.axis }); }
  override extraRepr(): string { return `axis=${this.axis}`; }
}

export class LogSoftmax extends Module {
  constructor(readonly axis = -1) { super(); }
  forward(x: Tensor): Tensor { return logSoftmax(x, { axis: this.axis }); }
  override extraRepr(): string { return `axis=${this.axis}`; }
}
