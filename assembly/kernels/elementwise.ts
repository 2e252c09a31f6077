// Elementwise kernels: binary ops (plain and broadcasting), the broadcast's gradient reduction,
// affine maps, row-vector adds, strided 2-D copies and the activation functions.
// Each @inline helper below takes the op as an argument; called with a literal op, the optimiser
// folds the dispatch away so every inner loop is branch-free.
import { BCAST_A_STRIDES, BCAST_B_STRIDES, BCAST_SHAPE, word } from "../geometry";
import { sumColumns, sumContiguous } from "./sums";
import { exp4, sigmoid4, tanh4 } from "./vmath";

// Mirrors BINARY_* and UNARY_* of src/backend/kernels.ts.
const ADD = 0, SUB = 1, MUL = 2, DIV = 3;
const RELU = 0, SIGMOID = 1, TANH = 2, SCALED_TANH = 3, EXP = 4, NEG = 5, SQUARE = 6;
// LeCun's scaled tanh: A·tanh(S·x).
const TANH_A: f32 = 1.7159, TANH_S: f32 = 2.0 / 3.0;

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

export function fill(y: usize, value: f32, n: i32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(y, i), v);
  for (; i < n; i++) store<f32>(at(y, i), value);
}

// ---- binary ------------------------------------------------------------------------------------

@inline function op4(op: i32, a: v128, b: v128): v128 {
  if (op == ADD) return f32x4.add(a, b);
  if (op == SUB) return f32x4.sub(a, b);
  if (op == MUL) return f32x4.mul(a, b);
  return f32x4.div(a, b);
}

@inline function op1(op: i32, a: f32, b: f32): f32 {
  if (op == ADD) return a + b;
  if (op == SUB) return a - b;
  if (op == MUL) return a * b;
  return a / b;
}

/** y[i] = a[i] op b[i]; two vectors per step so the loads of one overlap the other's op. */
@inline function rowVV(op: i32, a: usize, b: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const r0 = op4(op, v128.load(at(a, i)), v128.load(at(b, i)));
    const r1 = op4(op, v128.load(at(a, i), 16), v128.load(at(b, i), 16));
    v128.store(at(y, i), r0);
    v128.store(at(y, i), r1, 16);
  }
  for (; i + 4 <= n; i += 4) v128.store(at(y, i), op4(op, v128.load(at(a, i)), v128.load(at(b, i))));
  for (; i < n; i++) store<f32>(at(y, i), op1(op, load<f32>(at(a, i)), load<f32>(at(b, i))));
}

/** y[i] = a[i] op s. */
@inline function rowVS(op: i32, a: usize, s: f32, y: usize, n: i32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(y, i), op4(op, v128.load(at(a, i)), sv));
  for (; i < n; i++) store<f32>(at(y, i), op1(op, load<f32>(at(a, i)), s));
}

/** y[i] = s op b[i]. */
@inline function rowSV(op: i32, s: f32, b: usize, y: usize, n: i32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(y, i), op4(op, sv, v128.load(at(b, i))));
  for (; i < n; i++) store<f32>(at(y, i), op1(op, s, load<f32>(at(b, i))));
}

/** y[i] = a[i·aInc] op b[i·bInc] for any element strides (the rare transposed-view case). */
@inline function rowStrided(op: i32, a: usize, aInc: i32, b: usize, bInc: i32, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    store<f32>(at(y, i), op1(op, load<f32>(at(a, i * aInc)), load<f32>(at(b, i * bInc))));
  }
}

@inline function rowFor(op: i32, a: usize, aInc: i32, b: usize, bInc: i32, y: usize, n: i32): void {
  if (aInc == 1 && bInc == 1) rowVV(op, a, b, y, n);
  else if (aInc == 1 && bInc == 0) rowVS(op, a, load<f32>(b), y, n);
  else if (aInc == 0 && bInc == 1) rowSV(op, load<f32>(a), b, y, n);
  else if (aInc == 0 && bInc == 0) fill(y, op1(op, load<f32>(a), load<f32>(b)), n);
  else rowStrided(op, a, aInc, b, bInc, y, n);
}

function binaryRow(op: i32, a: usize, aInc: i32, b: usize, bInc: i32, y: usize, n: i32): void {
  switch (op) {
    case ADD: rowFor(ADD, a, aInc, b, bInc, y, n); break;
    case SUB: rowFor(SUB, a, aInc, b, bInc, y, n); break;
    case MUL: rowFor(MUL, a, aInc, b, bInc, y, n); break;
    default: rowFor(DIV, a, aInc, b, bInc, y, n);
  }
}

export function binary(op: i32, a: usize, b: usize, y: usize, n: i32): void {
  binaryRow(op, a, 1, b, 1, y, n);
}

// ---- broadcasting --------------------------------------------------------------------------------

@inline function shapeAt(geom: usize, d: i32): i32 {
  return word(geom, BCAST_SHAPE + d);
}

/**
 * The broadcast kernels walk the output as rows: a run of trailing dimensions that each operand
 * steps through with one uniform stride is merged into one long row (same shapes and scalars
 * become a single row; a row vector over the innermost dimension becomes rows of that length).
 * Returns the first merged dimension k; dimensions [0, k) are looped over.
 */
function runStart(geom: usize, withB: bool): i32 {
  let n: i32 = 1, ai: i32 = 0, bi: i32 = 0, k = 5;
  for (let d = 5; d >= 0; d--) {
    const ext = shapeAt(geom, d);
    if (ext == 1) { k = d; continue; }
    const sa = word(geom, BCAST_A_STRIDES + d);
    const sb = withB ? word(geom, BCAST_B_STRIDES + d) : 0;
    if (n == 1) { ai = sa; bi = sb; n = ext; k = d; continue; }
    if (sa != ai * n || (withB && sb != bi * n)) break;
    n *= ext;
    k = d;
  }
  return k;
}

/** Element count of the merged run [k, 6). */
function runLength(geom: usize, k: i32): i32 {
  let n = 1;
  for (let d = k; d < 6; d++) n *= shapeAt(geom, d);
  return n;
}

/** An operand's step along the merged run: its stride in the innermost dimension of extent > 1. */
function runInc(geom: usize, k: i32, strides: i32): i32 {
  for (let d = 5; d >= k; d--) if (shapeAt(geom, d) != 1) return word(geom, strides + d);
  return 0;
}

/** Extent of outer dimension d, or 1 when it belongs to the merged run. */
@inline function outerExtent(geom: usize, d: i32, k: i32): i32 {
  return d < k ? shapeAt(geom, d) : 1;
}

export function binaryBroadcast(op: i32, geom: usize, a: usize, b: usize, y: usize): void {
  const k = runStart(geom, true);
  const len = runLength(geom, k);
  const aInc = runInc(geom, k, BCAST_A_STRIDES), bInc = runInc(geom, k, BCAST_B_STRIDES);
  const e0 = outerExtent(geom, 0, k), e1 = outerExtent(geom, 1, k), e2 = outerExtent(geom, 2, k),
    e3 = outerExtent(geom, 3, k), e4 = outerExtent(geom, 4, k);
  const a0 = word(geom, BCAST_A_STRIDES), a1 = word(geom, BCAST_A_STRIDES + 1),
    a2 = word(geom, BCAST_A_STRIDES + 2), a3 = word(geom, BCAST_A_STRIDES + 3),
    a4 = word(geom, BCAST_A_STRIDES + 4);
  const b0 = word(geom, BCAST_B_STRIDES), b1 = word(geom, BCAST_B_STRIDES + 1),
    b2 = word(geom, BCAST_B_STRIDES + 2), b3 = word(geom, BCAST_B_STRIDES + 3),
    b4 = word(geom, BCAST_B_STRIDES + 4);
  let out = y;
  const rowBytes = <usize>len << 2;
  for (let i0 = 0; i0 < e0; i0++) for (let i1 = 0; i1 < e1; i1++) for (let i2 = 0; i2 < e2; i2++) {
    for (let i3 = 0; i3 < e3; i3++) for (let i4 = 0; i4 < e4; i4++) {
      const ao = i0 * a0 + i1 * a1 + i2 * a2 + i3 * a3 + i4 * a4;
      const bo = i0 * b0 + i1 * b1 + i2 * b2 + i3 * b3 + i4 * b4;
      binaryRow(op, at(a, ao), aInc, at(b, bo), bInc, out, len);
      out += rowBytes;
    }
  }
}

export function sumToShape(geom: usize, dy: usize, da: usize, daSize: i32): void {
  fill(da, 0, daSize);
  const k = runStart(geom, false);
  const len = runLength(geom, k);
  const aInc = runInc(geom, k, BCAST_A_STRIDES);
  // The outer dimensions just before the run along which `a` does not move send consecutive rows
  // to the same target: they are summed as one group of rows (a bias gradient is one group).
  let k2 = k;
  while (k2 > 0 && (word(geom, BCAST_A_STRIDES + k2 - 1) == 0 || shapeAt(geom, k2 - 1) == 1)) k2--;
  let group = 1;
  for (let d = k2; d < k; d++) group *= shapeAt(geom, d);
  const e0 = outerExtent(geom, 0, k2), e1 = outerExtent(geom, 1, k2), e2 = outerExtent(geom, 2, k2),
    e3 = outerExtent(geom, 3, k2), e4 = outerExtent(geom, 4, k2);
  const a0 = word(geom, BCAST_A_STRIDES), a1 = word(geom, BCAST_A_STRIDES + 1),
    a2 = word(geom, BCAST_A_STRIDES + 2), a3 = word(geom, BCAST_A_STRIDES + 3),
    a4 = word(geom, BCAST_A_STRIDES + 4);
  let src = dy;
  const groupBytes = <usize>group * <usize>len << 2;
  for (let i0 = 0; i0 < e0; i0++) for (let i1 = 0; i1 < e1; i1++) for (let i2 = 0; i2 < e2; i2++) {
    for (let i3 = 0; i3 < e3; i3++) for (let i4 = 0; i4 < e4; i4++) {
      const dst = at(da, i0 * a0 + i1 * a1 + i2 * a2 + i3 * a3 + i4 * a4);
      if (aInc == 1) sumColumns(src, dst, group, len, len, true);
      else if (aInc == 0) store<f32>(dst, load<f32>(dst) + <f32>sumContiguous(src, group * len));
      else {
        for (let r = 0; r < group; r++) for (let j = 0; j < len; j++) {
          const t = at(dst, j * aInc);
          store<f32>(t, load<f32>(t) + load<f32>(at(src, r * len + j)));
        }
      }
      src += groupBytes;
    }
  }
}

// ---- affine, row vectors, copies -------------------------------------------------------------

export function affine(x: usize, alpha: f32, beta: f32, y: usize, n: i32): void {
  const av = f32x4.splat(alpha), bv = f32x4.splat(beta);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(y, i), f32x4.add(f32x4.mul(v128.load(at(x, i)), av), bv));
  for (; i < n; i++) store<f32>(at(y, i), load<f32>(at(x, i)) * alpha + beta);
}

export function addRowVector(x: usize, b: usize, y: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    rowVV(ADD, x, b, y, cols);
    x += rowBytes;
    y += rowBytes;
  }
}

export function copy2d(src: usize, srcStride: i32, srcOffset: i32, dst: usize, dstStride: i32,
  dstOffset: i32, rows: i32, cols: i32): void {
  if (rows <= 0 || cols <= 0) return;
  let s = at(src, srcOffset), d = at(dst, dstOffset);
  // Whole contiguous blocks (a plain copy, or concatenation along the first axis) move at once.
  if (srcStride == cols && dstStride == cols) {
    memory.copy(d, s, <usize>rows * <usize>cols << 2);
    return;
  }
  const rowBytes = <usize>cols << 2;
  const sStep = <usize>srcStride << 2, dStep = <usize>dstStride << 2;
  for (let r = 0; r < rows; r++) {
    memory.copy(d, s, rowBytes);
    s += sStep;
    d += dStep;
  }
}

// ---- activations ------------------------------------------------------------------------------

@inline function unary4(op: i32, x: v128): v128 {
  if (op == RELU) return f32x4.max(x, f32x4.splat(0));
  if (op == SIGMOID) return sigmoid4(x);
  if (op == TANH) return tanh4(x);
  if (op == SCALED_TANH) return f32x4.mul(tanh4(f32x4.mul(x, f32x4.splat(TANH_S))), f32x4.splat(TANH_A));
  if (op == EXP) return exp4(x);
  if (op == NEG) return f32x4.neg(x);
  return f32x4.mul(x, x);
}

/** The remainder goes through the same vector code (one padded lane set), so it agrees bit for bit. */
@inline function unaryLoop(op: i32, x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(y, i), unary4(op, v128.load(at(x, i))));
  for (; i < n; i++) store<f32>(at(y, i), f32x4.extract_lane(unary4(op, f32x4.splat(load<f32>(at(x, i)))), 0));
}

export function unary(op: i32, x: usize, y: usize, n: i32): void {
  switch (op) {
    case RELU: unaryLoop(RELU, x, y, n); break;
    case SIGMOID: unaryLoop(SIGMOID, x, y, n); break;
    case TANH: unaryLoop(TANH, x, y, n); break;
    case SCALED_TANH: unaryLoop(SCALED_TANH, x, y, n); break;
    case EXP: unaryLoop(EXP, x, y, n); break;
    case NEG: unaryLoop(NEG, x, y, n); break;
    default: unaryLoop(SQUARE, x, y, n);
  }
}

/** f'(·) · dy from the saved tensor: the input for relu and square, the output otherwise. */
@inline function derivative4(op: i32, s: v128, dy: v128): v128 {
  const one = f32x4.splat(1);
  if (op == RELU) return v128.and(dy, f32x4.gt(s, f32x4.splat(0)));
  if (op == SIGMOID) return f32x4.mul(dy, f32x4.mul(s, f32x4.sub(one, s)));
  if (op == TANH) return f32x4.mul(dy, f32x4.sub(one, f32x4.mul(s, s)));
  if (op == SCALED_TANH) {
    // d/dx A·tanh(Sx) = A·S·(1 − tanh²) = S·(A − y²/A)
    const d = f32x4.sub(f32x4.splat(TANH_A), f32x4.div(f32x4.mul(s, s), f32x4.splat(TANH_A)));
    return f32x4.mul(dy, f32x4.mul(d, f32x4.splat(TANH_S)));
  }
  if (op == EXP) return f32x4.mul(dy, s);
  if (op == NEG) return f32x4.neg(dy);
  return f32x4.mul(dy, f32x4.add(s, s));
}

@inline function unaryBackwardLoop(op: i32, saved: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    // neg never reads `saved` (the caller may pass 0).
    const s = op == NEG ? f32x4.splat(0) : v128.load(at(saved, i));
    v128.store(at(dx, i), derivative4(op, s, v128.load(at(dy, i))));
  }
  for (; i < n; i++) {
    const s = f32x4.splat(op == NEG ? 0 : load<f32>(at(saved, i)));
    store<f32>(at(dx, i), f32x4.extract_lane(derivative4(op, s, f32x4.splat(load<f32>(at(dy, i)))), 0));
  }
}

export function unaryBackward(op: i32, saved: usize, dy: usize, dx: usize, n: i32): void {
  switch (op) {
    case RELU: unaryBackwardLoop(RELU, saved, dy, dx, n); break;
    case SIGMOID: unaryBackwardLoop(SIGMOID, saved, dy, dx, n); break;
    case TANH: unaryBackwardLoop(TANH, saved, dy, dx, n); break;
    case SCALED_TANH: unaryBackwardLoop(SCALED_TANH, saved, dy, dx, n); break;
    case EXP: unaryBackwardLoop(EXP, saved, dy, dx, n); break;
    case NEG: unaryBackwardLoop(NEG, saved, dy, dx, n); break;
    default: unaryBackwardLoop(SQUARE, saved, dy, dx, n);
  }
}
