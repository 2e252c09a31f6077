/** Ops that move or view data without arithmetic: reshape, flatten, concat, split. */
import { recordOp } from '../autograd/tape.ts';
import { formatShape, sizeOf, Tensor, type FloatDtype } from '../tensor.ts';
import { axisOf, checkFloat, fail, sameDtype } from './validate.ts';
import { kernels, scratchTensor } from './util.ts';

/** The same values viewed with another shape (no copy); one dimension may be -1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkFloat('reshape', 'x', x);
  const y = x.reshape(shape);
  y.requiresGrad = x.requiresGrad;
  recordOp('reshape', [x], [y], ([dy]) => [copyAs(dy!, x.shape)]);
  return y;
}

/** Collapses dimensions startDim… into one: [N, H, W, C] → [N, H·W·C] (NHWC order, see DESIGN.md). */
export function flatten(x: Tensor, startDim = 1): Tensor {
  checkFloat('flatten', 'x', x);
  const start = axisOf('flatten', startDim, x.rank, 'startDim');
  return reshape(x, [...x.shape.slice(0, start), sizeOf(x.shape.slice(start))]);
}

function copyAs(g: Tensor, shape: readonly number[]): Tensor {
  const r = scratchTensor(shape, g.dtype as FloatDtype);
  kernels(g.dtype as FloatDtype).copy2d(g.ptr, 0, 0, r.ptr, 0, 0, 1, g.size);
  return r;
}

/** [outer, len, inner] view of a shape around an axis. */
export function around(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

/** Joins tensors along an axis (channels, axis 3 of NHWC, for Inception's branches). */
export function concat(tensors: Tensor[], axis = -1): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) fail('concat', 'tensors must be a non-empty array of tensors');
  tensors.forEach((t, i) => checkFloat('concat', `tensors[${i}]`, t));
  const first = tensors[0]!;
  const dtype = sameDtype('concat', Object.fromEntries(tensors.map((t, i) => [`tensors[${i}]`, t])));
  const ax = axisOf('concat', axis, first.rank);
  tensors.forEach((t, i) => {
    if (t.rank !== first.rank || t.shape.some((d, j) => j !== ax && d !== first.shape[j])) {
      fail('concat', `tensors[${i}] has shape ${formatShape(t.shape)}, which differs from tensors[0] ${formatShape(first.shape)} outside axis ${ax}`);
    }
  });
  const total = tensors.reduce((s, t) => s + t.shape[ax]!, 0);
  const outShape = first.shape.map((d, j) => (j === ax ? total : d));
  const y = scratchTensor(outShape, dtype);
  y.requiresGrad = tensors.some((t) => t.requiresGrad);
  const [outer, , inner] = around(outShape, ax);
  const k = kernels(dtype);
  const widths = tensors.map((t) => t.shape[ax]! * inner);
  const offsets = widths.map((_, i) => widths.slice(0, i).reduce((s, w) => s + w, 0));
  tensors.forEach((t, i) => k.copy2d(t.ptr, widths[i]!, 0, y.ptr, total * inner, offsets[i]!, outer, widths[i]!));
  recordOp('concat', tensors, [y], ([dy], needs) => tensors.map((t, i) => {
    if (!needs[i]) return undefined;
    const g = scratchTensor(t.shape, dtype);
    k.copy2d(dy!.ptr, total * inner, offsets[i]!, g.ptr, widths[i]!, 0, outer, widths[i]!);
    return g;
  }));
  return y;
}

/** Splits along an axis into pieces of the given sizes (the inverse of concat). */
export function split(x: Tensor, sizes: number[], axis = -1): Tensor[] {
  checkFloat('split', 'x', x);
  const ax = axisOf('split', axis, x.rank);
  if (!Array.isArray(sizes) || sizes.some((s) => !Number.isSafeInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== x.shape[ax]) {
    fail('split', `sizes ${JSON.stringify(sizes)} must be non-negative integers summing to ${x.shape[ax]} (axis ${ax} of ${formatShape(x.shape)})`);
  }
  const dtype = x.dtype as FloatDtype;
  const [outer, len, inner] = around(x.shape, ax);
  const k = kernels(dtype);
  let offset = 0;
  const pieces = sizes.map((s) => {
    const p = scratchTensor(x.shape.map((d, j) => (j === ax ? s : d)), dtype);
    p.requiresGrad = x.requiresGrad;
    k.copy2d(x.ptr, len * inner, offset, p.ptr, s * inner, 0, outer, s * inner);
    offset += s * inner;
    return p;
  });
  recordOp('split', [x], pieces, (grads) => {
    const dx = scratchTensor(x.shape, dtype);
    k.fill(dx.ptr, 0, dx.size);
    let off = 0;
    grads.forEach((g, i) => {
      const w = sizes[i]! * inner;
      if (g) k.copy2d(g.ptr, w, 0, dx.ptr, len * inner, off, outer, w);
      off += w;
    });
    return [dx];
  });
  return pieces;
}
