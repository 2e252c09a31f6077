/** What every op needs besides validation: the kernels for a dtype and output allocation. */
import { backend } from '../runtime.ts';
import type { Kernels } from '../backend/kernels.ts';
import { empty, Tensor, type FloatDtype } from '../tensor.ts';

export function kernels(dtype: FloatDtype): Kernels {
  return backend().kernels(dtype);
}

/** A fresh output that needs a gradient when any of its inputs does. */
export function output(shape: readonly number[], dtype: FloatDtype, inputs: (Tensor | null | undefined)[]): Tensor {
  return empty(shape, dtype, inputs.some((t) => t?.requiresGrad));
}

/** A fresh tensor that takes no part in gradients (gradients themselves, masks, statistics). */
export function scratchTensor(shape: readonly number[], dtype: FloatDtype | 'int32'): Tensor {
  return empty(shape, dtype, false);
}
