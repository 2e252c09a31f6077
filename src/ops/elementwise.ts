/** Elementwise ops with NumPy broadcasting, and the pointwise nonlinearities. */
import { recordOp } from '../autograd/tape.ts';
import {
  BINARY_ADD, BINARY_DIV, BINARY_MUL, BINARY_SUB, UNARY_EXP, UNARY_NEG, UNARY_RELU, UNARY_SCALED_TANH,
  UNARY_SIGMOID, UNARY_SQUARE, UNARY_TANH,
} from '../backend/kernels.ts';
import { BCAST_A_STRIDES, BCAST_B_STRIDES, BCAST_MAX_RANK, BCAST_RANK, BCAST_SHAPE, BCAST_WORDS } from '../backend/geometry.ts';
import { backend } from '../runtime.ts';
import { formatShape, Tensor, type FloatDtype } from '../tensor.ts';
import { checkFloat, fail, finiteNumber, sameDtype } from './validate.ts';
import { kernels, output, scratchTensor } from './util.ts';

// ---- broadcasting -------------------------------------------------------------------------------

export function broadcastShape(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1, db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      fail(op, `shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together (dimension ${i}: ${da} vs ${db})`);
    }
    out.push(da === 1 ? db : da);
  }
  if (rank > BCAST_MAX_RANK) fail(op, `broadcasting supports up to ${BCAST_MAX_RANK} dimensions, got ${rank}`);
  return out;
}

/** Strides (in elements) of `shape` read as `out`-shaped: 0 where it broadcasts, right-aligned to 6. */
function stridesFor(shape: readonly number[], out: readonly number[]): number[] {
  const strides = new Array<number>(BCAST_MAX_RANK).fill(0);
  let stride = 1;
  for (let i = 1; i <= out.length; i++) {
    const d = shape[shape.length - i];
    if (d !== undefined && d !== 1) strides[BCAST_MAX_RANK - i] = stride;
    stride *= d ?? 1;
  }
  return strides;
}

export function broadcastGeometry(out: readonly number[], a: readonly number[], b: readonly number[]): Int32Array {
  const words = new Int32Array(BCAST_WORDS);
  words[BCAST_RANK] = out.length;
  for (let i = 0; i < BCAST_MAX_RANK; i++) words[BCAST_SHAPE + i] = out[out.length - BCAST_MAX_RANK + i] ?? 1;
  words.set(stridesFor(a, out), BCAST_A_STRIDES);
  words.set(stridesFor(b, out), BCAST_B_STRIDES);
  return words;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** y = a (op) b with broadcasting into a fresh tensor of shape `out`. */
function runBinary(code: number, a: Tensor, b: Tensor, out: readonly number[], dtype: FloatDtype, y: Tensor): void {
  const k = kernels(dtype);
  if (sameShape(a.shape, b.shape)) k.binary(code, a.ptr, b.ptr, y.ptr, y.size);
  else k.binaryBroadcast(code, backend().params(broadcastGeometry(out, a.shape, b.shape)), a.ptr, b.ptr, y.ptr);
}

/** Sums a gradient of shape `out` down to `shape` (the backward of broadcasting); always a new tensor. */
export function reduceToShape(g: Tensor, shape: readonly number[]): Tensor {
  const dtype = g.dtype as FloatDtype;
  const r = scratchTensor(shape, dtype);
  const k = kernels(dtype);
  if (sameShape(g.shape, shape)) k.copy2d(g.ptr, 0, 0, r.ptr, 0, 0, 1, g.size);
  else k.sumToShape(backend().params(broadcastGeometry(g.shape, shape, shape)), g.ptr, r.ptr, r.size);
  return r;
}

function binaryOp(name: string, code: number, a: Tensor, b: Tensor,
  backward: (dy: Tensor, needs: boolean[], out: readonly number[]) => (Tensor | undefined)[]): Tensor {
  checkFloat(name, 'a', a);
  checkFloat(name, 'b', b);
  const dtype = sameDtype(name, { a, b });
  const out = broadcastShape(name, a.shape, b.shape);
  const y = output(out, dtype, [a, b]);
  runBinary(code, a, b, out, dtype, y);
  recordOp(name, [a, b], [y], ([dy], needs) => backward(dy!, needs, out));
  return y;
}

/** a + b, broadcasting. */
export function add(a: Tensor, b: Tensor): Tensor {
  return binaryOp('add', BINARY_ADD, a, b, (dy, needs) => [
    needs[0] ? reduceToShape(dy, a.shape) : undefined,
    needs[1] ? reduceToShape(dy, b.shape) : undefined,
  ]);
}

/** a − b, broadcasting. */
export function sub(a: Tensor, b: Tensor): Tensor {
  return binaryOp('sub', BINARY_SUB, a, b, (dy, needs) => {
    let db: Tensor | undefined;
    if (needs[1]) {
      db = reduceToShape(dy, b.shape);
      kernels(db.dtype as FloatDtype).unary(UNARY_NEG, db.ptr, db.ptr, db.size);
    }
    return [needs[0] ? reduceToShape(dy, a.shape) : undefined, db];
  });
}

/** a · b elementwise, broadcasting. */
export function mul(a: Tensor, b: Tensor): Tensor {
  return binaryOp('mul', BINARY_MUL, a, b, (dy, needs, out) => {
    const grad = (other: Tensor, shape: readonly number[]) => {
      const t = scratchTensor(out, dy.dtype as FloatDtype);
      runBinary(BINARY_MUL, dy, other, out, dy.dtype as FloatDtype, t);
      const r = reduceToShape(t, shape);
      t.dispose();
      return r;
    };
    return [needs[0] ? grad(b, a.shape) : undefined, needs[1] ? grad(a, b.shape) : undefined];
  });
}

/** a / b elementwise, broadcasting. */
export function div(a: Tensor, b: Tensor): Tensor {
  return binaryOp('div', BINARY_DIV, a, b, (dy, needs, out) => {
    const dtype = dy.dtype as FloatDtype;
    const k = kernels(dtype);
    let da: Tensor | undefined, db: Tensor | undefined;
    if (needs[0]) {
      const t = scratchTensor(out, dtype);
      runBinary(BINARY_DIV, dy, b, out, dtype, t);
      da = reduceToShape(t, a.shape);
      t.dispose();
    }
    if (needs[1]) {
      // d(a/b)/db = −a/b²
      const t = scratchTensor(out, dtype);
      runBinary(BINARY_MUL, dy, a, out, dtype, t);
      const b2 = scratchTensor(b.shape, dtype);
      k.unary(UNARY_SQUARE, b.ptr, b2.ptr, b.size);
      runBinary(BINARY_DIV, t, b2, out, dtype, t);
      k.unary(UNARY_NEG, t.ptr, t.ptr, t.size);
      db = reduceToShape(t, b.shape);
      t.dispose();
      b2.dispose();
    }
    return [da, db];
  });
}

/** alpha · x + beta. */
export function affine(x: Tensor, alpha: number, beta = 0): Tensor {
  checkFloat('affine', 'x', x);
  finiteNumber('affine', 'alpha', alpha);
  finiteNumber('affine', 'beta', beta);
  const dtype = x.dtype as FloatDtype;
  const y = output(x.shape, dtype, [x]);
  kernels(dtype).affine(x.ptr, alpha, beta, y.ptr, x.size);
  recordOp('affine', [x], [y], ([dy]) => {
    const dx = scratchTensor(x.shape, dtype);
    kernels(dtype).affine(dy!.ptr, alpha, 0, dx.ptr, dx.size);
    return [dx];
  });
  return y;
}

/** x · s for a number s. */
export function scale(x: Tensor, s: number): Tensor {
  return affine(x, s, 0);
}

// ---- pointwise nonlinearities ---------------------------------------------------------------------

/** How a unary op's backward reads its saved tensor: the input, the output, or neither. */
type Saved = 'input' | 'output' | 'none';

function unaryOp(name: string, code: number, saved: Saved, x: Tensor): Tensor {
  checkFloat(name, 'x', x);
  const dtype = x.dtype as FloatDtype;
  const y = output(x.shape, dtype, [x]);
  kernels(dtype).unary(code, x.ptr, y.ptr, x.size);
  recordOp(name, [x], [y], ([dy]) => {
    const dx = scratchTensor(x.shape, dtype);
    const s = saved === 'input' ? x.ptr : saved === 'output' ? y.ptr : 0;
    kernels(dtype).unaryBackward(code, s, dy!.ptr, dx.ptr, x.size);
    return [dx];
  });
  return y;
}

export const relu = (x: Tensor): Tensor => unaryOp('relu', UNARY_RELU, 'input', x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', UNARY_SIGMOID, 'output', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', UNARY_TANH, 'output', x);
/** LeCun's squashing function 1.7159 · tanh(2x/3) (LeNet-5, 1998, appendix A). */
export const scaledTanh = (x: Tensor): Tensor => unaryOp('scaledTanh', UNARY_SCALED_TANH, 'output', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', UNARY_EXP, 'output', x);
export const neg = (x: Tensor): Tensor => unaryOp('neg', UNARY_NEG, 'none', x);
export const square = (x: Tensor): Tensor => unaryOp('square', UNARY_SQUARE, 'input', x);
