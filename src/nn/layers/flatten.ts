import { flatten } from '../../ops/shape.ts';
import type { Tensor } from '../../tensor.ts';
import { Module } from '../module.ts';

/** [N, H, W, C] → [N, H·W·C], in NHWC order (a torchvision checkpoint's first Linear after a
 *  flatten gets its columns permuted from CHW to HWC when loaded; see src/io). */
export class Flatten extends Module {
  constructor(readonly startDim = 1) { super(); }
  forward(x: Tensor): Tensor { return flatten(x, this.startDim); }
}

/** Passes its input through (a placeholder, e.g. for a removed classifier head). */
export class Identity extends Module {
  forward(x: Tensor): Tensor { return x; }
}
