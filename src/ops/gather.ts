/** Gathering elements by index: how a sparsely connected layer (LeNet-5's C3) builds its dense filter. */
import { recordOp } from '../autograd/tape.ts';
import { backend } from '../runtime.ts';
import { sizeOf, Tensor, type FloatDtype } from '../tensor.ts';
import { checkFloat, checkInt, fail } from './validate.ts';
import { floatHeap, output, scratchTensor } from './util.ts';

/**
 * y[i] = x[indices[i]], or 0 where indices[i] is −1, reshaped to `shape`. The backward adds each
 * y gradient back into x at its index. Indices are checked before anything runs.
 */
export function gather(x: Tensor, indices: Tensor, shape: readonly number[]): Tensor {
  checkFloat('gather', 'x', x);
  checkInt('gather', 'indices', indices);
  if (sizeOf(shape) !== indices.size) fail('gather', `shape [${shape.join(', ')}] holds ${sizeOf(shape)} elements but indices has ${indices.size}`);
  const heap = () => backend().heap;
  const idx = heap().i32.subarray(indices.ptr >> 2, (indices.ptr >> 2) + indices.size);
  for (let i = 0; i < idx.length; i++) {
    if (idx[i]! < -1 || idx[i]! >= x.size) fail('gather', `indices[${i}] is ${idx[i]}, outside [-1, ${x.size - 1}]`);
  }
  const dtype = x.dtype as FloatDtype;
  const { view, shift } = floatHeap(dtype);
  const y = output(shape, dtype, [x]);
  {
    const f = view(), xo = x.ptr >> shift, yo = y.ptr >> shift, ix = indices.ptr >> 2, i32 = heap().i32;
    for (let i = 0; i < y.size; i++) {
      const j = i32[ix + i]!;
      f[yo + i] = j < 0 ? 0 : f[xo + j]!;
    }
  }
  recordOp('gather', [x, indices], [y], ([dy]) => {
    const dx = scratchTensor(x.shape, dtype);
    const f = view(), g = dx.ptr >> shift, d = dy!.ptr >> shift, ix = indices.ptr >> 2, i32 = heap().i32;
    f.fill(0, g, g + dx.size);
    for (let i = 0; i < y.size; i++) {
      const j = i32[ix + i]!;
      if (j >= 0) f[g + j] = f[g + j]! + f[d + i]!;
    }
    return [dx, undefined];
  });
  return y;
}
