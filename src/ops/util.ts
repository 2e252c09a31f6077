/** What every op needs besides validation: the kernels for a dtype and output allocation. */
import { backend } from '../runtime.ts';
import type { Kernels } from '../backend/kernels.ts';
import { empty, Tensor, type FloatDtype } from '../tensor.ts';

export function kernels(dtype: FloatDtype): Kernels {
  return backend().kernels(dtype);
}

/**
 * The heap view of a float dtype and the shift from a byte address to its index, for the few ops
 * whose arithmetic is a small JS loop (losses over rows, gathers, per-channel statistics). Call
 * view() again after anything that may grow the memory.
 */
export function floatHeap(dtype: FloatDtype): { view: () => Float32Array | Float64Array; shift: 2 | 3 } {
  return dtype === 'float64'
    ? { view: () => backend().heap.f64, shift: 3 }
    : { view: () => backend().heap.f32, shift: 2 };
}

/** A fresh output that needs a gradient when any of its inputs does. */
export function output(shape: readonly number[], dtype: FloatDtype, inputs: (Tensor | null | undefined)[]): Tensor {
  return empty(shape, dtype, inputs.some((t) => t?.requiresGrad));
}

/** A fresh tensor that takes no part in gradients (gradients themselves, masks, statistics). */
export function scratchTensor(shape: readonly number[], dtype: FloatDtype | 'int32'): Tensor {
  return empty(shape, dtype, false);
}
