import { crossEntropy, mseLoss, type Reduction } from '../../ops/reduce.ts';
import type { Tensor } from '../../tensor.ts';

/** Softmax cross-entropy of logits [N, C] against int32 labels [N]. */
export class CrossEntropyLoss {
  constructor(readonly options: { reduction?: Reduction } = {}) {}
  forward(logits: Tensor, labels: Tensor): Tensor { return crossEntropy(logits, labels, this.options); }
}

export class MSELoss {
  constructor(readonly options: { reduction?: Reduction } = {}) {}
  forward(prediction: Tensor, target: Tensor): Tensor { return mseLoss(prediction, target, this.options); }
}
