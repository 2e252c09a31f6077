/** Matrix products: matmul and the fully connected layer y = x·Wᵀ + b. */
import { recordOp } from '../autograd/tape.ts';
import { gemmScratchBytes } from '../backend/scratch.ts';
import { backend } from '../runtime.ts';
import { formatShape, Tensor, type FloatDtype } from '../tensor.ts';
import { checkFloat, fail, sameDtype } from './validate.ts';
import { kernels, output, scratchTensor } from './util.ts';

/** C = alpha·op(A)·op(B) + beta·C on raw buffers, with the scratch the kernel asks for. */
export function gemm(dtype: FloatDtype, transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: number, lda: number, b: number, ldb: number, c: number, ldc: number, beta = 0): void {
  const be = backend();
  const scratch = be.scratch(gemmScratchBytes(transA ? 1 : 0, transB ? 1 : 0, m, n, k));
  kernels(dtype).gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, 1, a, lda, b, ldb, beta, c, ldc, scratch);
}

/** a [m, k] · b [k, n] → [m, n]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkFloat('matmul', 'a', a, 2);
  checkFloat('matmul', 'b', b, 2);
  const dtype = sameDtype('matmul', { a, b });
  const [m, k] = a.shape as [number, number];
  const [k2, n] = b.shape as [number, number];
  if (k !== k2) fail('matmul', `a ${formatShape(a.shape)} and b ${formatShape(b.shape)}: inner dimensions ${k} and ${k2} differ`);
  const y = output([m, n], dtype, [a, b]);
  gemm(dtype, false, false, m, n, k, a.ptr, k, b.ptr, n, y.ptr, n);
  recordOp('matmul', [a, b], [y], ([dy], needs) => {
    let da: Tensor | undefined, db: Tensor | undefined;
    if (needs[0]) { da = scratchTensor(a.shape, dtype); gemm(dtype, false, true, m, k, n, dy!.ptr, n, b.ptr, n, da.ptr, k); }
    if (needs[1]) { db = scratchTensor(b.shape, dtype); gemm(dtype, true, false, k, n, m, a.ptr, k, dy!.ptr, n, db.ptr, n); }
    return [da, db];
  });
  return y;
}

/** y = x·Wᵀ + b. x: [..., in] (leading dimensions are rows); w: [out, in]; b: [out] or null. */
export function linear(x: Tensor, w: Tensor, b: Tensor | null = null): Tensor {
  checkFloat('linear', 'x', x);
  checkFloat('linear', 'w', w, 2);
  if (b !== null && b !== undefined) checkFloat('linear', 'b', b, 1);
  const dtype = sameDtype('linear', { x, w, b });
  if (x.rank < 1) fail('linear', 'x must have at least one dimension');
  const [out, inF] = w.shape as [number, number];
  const features = x.shape[x.rank - 1]!;
  if (features !== inF) {
    fail('linear', `x has ${features} features in its last dimension (shape ${formatShape(x.shape)}) but w ${formatShape(w.shape)} expects ${inF}`);
  }
  if (b && b.size !== out) fail('linear', `b must have shape [${out}], got ${formatShape(b.shape)}`);
  const rows = x.size / Math.max(inF, 1);
  const k = kernels(dtype);
  const y = output([...x.shape.slice(0, -1), out], dtype, [x, w, b]);
  gemm(dtype, false, true, rows, out, inF, x.ptr, inF, w.ptr, inF, y.ptr, out);
  if (b) k.addRowVector(y.ptr, b.ptr, y.ptr, rows, out);
  const inputs = b ? [x, w, b] : [x, w];
  recordOp('linear', inputs, [y], ([dy], needs) => {
    const grads: (Tensor | undefined)[] = [undefined, undefined, undefined];
    if (needs[0]) { grads[0] = scratchTensor(x.shape, dtype); gemm(dtype, false, false, rows, inF, out, dy!.ptr, out, w.ptr, inF, grads[0].ptr, inF); }
    if (needs[1]) { grads[1] = scratchTensor(w.shape, dtype); gemm(dtype, true, false, out, inF, rows, dy!.ptr, out, x.ptr, inF, grads[1].ptr, inF); }
    if (b && needs[2]) { grads[2] = scratchTensor(b.shape, dtype); k.reduceSum(dy!.ptr, grads[2].ptr, 1, rows, out); }
    return grads.slice(0, inputs.length);
  });
  return y;
}
