import {
  BCAST_A_STRIDES, BCAST_B_STRIDES, BCAST_MAX_RANK, BCAST_SHAPE,
} from '../geometry.ts';
import {
  BINARY_ADD, BINARY_DIV, BINARY_MUL, BINARY_SUB, SCALED_TANH_A, SCALED_TANH_S, UNARY_EXP,
  UNARY_NEG, UNARY_RELU, UNARY_SCALED_TANH, UNARY_SIGMOID, UNARY_SQUARE, UNARY_TANH,
  type Kernels,
} from '../kernels.ts';
import type { JsMemory } from './memory.ts';

type ElementwiseKernels = Pick<Kernels, 'fill' | 'binary' | 'binaryBroadcast' | 'sumToShape' | 'affine' |
  'addRowVector' | 'copy2d' | 'unary' | 'unaryBackward'>;

function binaryFn(op: number): (a: number, b: number) => number {
  switch (op) {
    case BINARY_ADD: return (a, b) => a + b;
    case BINARY_SUB: return (a, b) => a - b;
    case BINARY_MUL: return (a, b) => a * b;
    case BINARY_DIV: return (a, b) => a / b;
    default: throw new RangeError(`simdnet: unknown binary op ${op}`);
  }
}

/** The logistic function written so that neither branch overflows. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const z = Math.exp(x);
  return z / (1 + z);
}

function unaryFn(op: number): (x: number) => number {
  switch (op) {
    case UNARY_RELU: return (x) => Math.max(x, 0);
    case UNARY_SIGMOID: return sigmoid;
    case UNARY_TANH: return Math.tanh;
    case UNARY_SCALED_TANH: return (x) => SCALED_TANH_A * Math.tanh(SCALED_TANH_S * x);
    case UNARY_EXP: return Math.exp;
    case UNARY_NEG: return (x) => -x;
    case UNARY_SQUARE: return (x) => x * x;
    default: throw new RangeError(`simdnet: unknown unary op ${op}`);
  }
}

/** f'(·)·dy from `saved`: the input x for relu and square, the output y for the others. */
function derivativeFn(op: number): (saved: number, dy: number) => number {
  switch (op) {
    case UNARY_RELU: return (x, dy) => (x > 0 ? dy : 0);
    case UNARY_SIGMOID: return (y, dy) => dy * y * (1 - y);
    case UNARY_TANH: return (y, dy) => dy * (1 - y * y);
    case UNARY_SCALED_TANH:
      return (y, dy) => dy * SCALED_TANH_S * (SCALED_TANH_A - (y * y) / SCALED_TANH_A);
    case UNARY_EXP: return (y, dy) => dy * y;
    case UNARY_NEG: return (_, dy) => -dy;
    case UNARY_SQUARE: return (x, dy) => dy * 2 * x;
    default: throw new RangeError(`simdnet: unknown unary op ${op}`);
  }
}

/**
 * Calls visit(outIndex, aOffset, bOffset) for every element of a broadcast's output in row-major
 * order, with the operands' offsets from their strides (an odometer over the 6 slots).
 */
function forEachBroadcast(i32: Int32Array, geom: number, visit: (i: number, ao: number, bo: number) => void): void {
  const g = geom >> 2;
  const shape: number[] = [], as: number[] = [], bs: number[] = [];
  let total = 1;
  for (let d = 0; d < BCAST_MAX_RANK; d++) {
    shape.push(i32[g + BCAST_SHAPE + d]!);
    as.push(i32[g + BCAST_A_STRIDES + d]!);
    bs.push(i32[g + BCAST_B_STRIDES + d]!);
    total *= shape[d]!;
  }
  const idx = new Array<number>(BCAST_MAX_RANK).fill(0);
  let ao = 0, bo = 0;
  for (let i = 0; i < total; i++) {
    visit(i, ao, bo);
    for (let d = BCAST_MAX_RANK - 1; d >= 0; d--) {
      idx[d]!++;
      ao += as[d]!;
      bo += bs[d]!;
      if (idx[d]! < shape[d]!) break;
      ao -= as[d]! * shape[d]!;
      bo -= bs[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** JS twins of assembly/kernels/elementwise.ts. */
export function elementwiseKernels(mem: JsMemory): ElementwiseKernels {
  return {
    fill(y, value, n) {
      const f = mem.float, o = y >> mem.shift;
      f.fill(value, o, o + n);
    },

    binary(op, a, b, y, n) {
      const f = mem.float, s = mem.shift, fn = binaryFn(op);
      const ao = a >> s, bo = b >> s, yo = y >> s;
      for (let i = 0; i < n; i++) f[yo + i] = fn(f[ao + i]!, f[bo + i]!);
    },

    binaryBroadcast(op, geom, a, b, y) {
      const f = mem.float, s = mem.shift, fn = binaryFn(op);
      const ao = a >> s, bo = b >> s, yo = y >> s;
      forEachBroadcast(mem.i32, geom, (i, ai, bi) => { f[yo + i] = fn(f[ao + ai]!, f[bo + bi]!); });
    },

    sumToShape(geom, dy, da, daSize) {
      const f = mem.float, s = mem.shift;
      const dyo = dy >> s, dao = da >> s;
      // Summed in float64 and rounded once, so the reference stays exact for long reductions.
      const sums = new Float64Array(daSize);
      forEachBroadcast(mem.i32, geom, (i, ai) => { sums[ai] = sums[ai]! + f[dyo + i]!; });
      f.set(sums, dao);
    },

    affine(x, alpha, beta, y, n) {
      const f = mem.float, s = mem.shift, xo = x >> s, yo = y >> s;
      for (let i = 0; i < n; i++) f[yo + i] = alpha * f[xo + i]! + beta;
    },

    addRowVector(x, b, y, rows, cols) {
      const f = mem.float, s = mem.shift, xo = x >> s, bo = b >> s, yo = y >> s;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) f[yo + r * cols + c] = f[xo + r * cols + c]! + f[bo + c]!;
      }
    },

    copy2d(src, srcStride, srcOffset, dst, dstStride, dstOffset, rows, cols) {
      const f = mem.float, s = mem.shift;
      for (let r = 0; r < rows; r++) {
        const from = (src >> s) + r * srcStride + srcOffset, to = (dst >> s) + r * dstStride + dstOffset;
        for (let c = 0; c < cols; c++) f[to + c] = f[from + c]!;
      }
    },

    unary(op, x, y, n) {
      const f = mem.float, s = mem.shift, fn = unaryFn(op), xo = x >> s, yo = y >> s;
      for (let i = 0; i < n; i++) f[yo + i] = fn(f[xo + i]!);
    },

    unaryBackward(op, saved, dy, dx, n) {
      const f = mem.float, s = mem.shift, fn = derivativeFn(op);
      const so = saved >> s, dyo = dy >> s, dxo = dx >> s;
      for (let i = 0; i < n; i++) f[dxo + i] = fn(op === UNARY_NEG ? 0 : f[so + i]!, f[dyo + i]!);
    },
  };
}
