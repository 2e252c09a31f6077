// Reductions and normalisations along the middle axis of x viewed as [outer, len, inner].
// inner = 1 (a class axis, a flattened sum) runs SIMD along the axis with horizontal reductions;
// inner > 1 runs SIMD across four neighbouring columns at once and walks the axis with stride
// `inner`, so both layouts keep all four lanes busy. A leftover column uses the same code at
// width 1 (one loaded lane, one stored lane).
import { sumColumns, sumContiguous } from "./sums";
import { exp4, expf, hmax, hsum } from "./vmath";

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Loads `width` (4 or 1) adjacent floats; width 1 splats, so the lane-0 result is the scalar one. */
@inline function ld(width: i32, p: usize): v128 {
  return width == 4 ? v128.load(p) : v128.load32_splat(p);
}

@inline function st(width: i32, p: usize, v: v128): void {
  if (width == 4) v128.store(p, v);
  else v128.store32_lane(p, v, 0);
}

// ---- reduceSum / broadcastAxis ------------------------------------------------------------------

export function reduceSum(x: usize, y: usize, outer: i32, len: i32, inner: i32): void {
  const block = <usize>len * <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * block, yo = at(y, o * inner);
    if (inner == 1) store<f32>(yo, <f32>sumContiguous(xo, len));
    else sumColumns(xo, yo, len, inner, inner, false);
  }
}

export function broadcastAxis(x: usize, y: usize, outer: i32, len: i32, inner: i32): void {
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const xo = at(x, o * inner);
    let yo = y + <usize>o * <usize>len * rowBytes;
    if (inner == 1) {
      const v = load<f32>(xo), vv = f32x4.splat(v);
      let l = 0;
      for (; l + 4 <= len; l += 4) v128.store(at(yo, l), vv);
      for (; l < len; l++) store<f32>(at(yo, l), v);
      continue;
    }
    for (let l = 0; l < len; l++, yo += rowBytes) memory.copy(yo, xo, rowBytes);
  }
}

// ---- softmax family, inner = 1 (contiguous rows) -----------------------------------------------

function maxRun(x: usize, n: i32): f32 {
  let m = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 4 <= n; i += 4) m = f32x4.max(m, v128.load(at(x, i)));
  let s = hmax(m);
  for (; i < n; i++) s = max<f32>(s, load<f32>(at(x, i)));
  return s;
}

/** y = exp(x − shift), returning Σ y. */
function expShiftRun(x: usize, y: usize, n: i32, shift: f32): f32 {
  const sv = f32x4.splat(shift);
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const e = exp4(f32x4.sub(v128.load(at(x, i)), sv));
    v128.store(at(y, i), e);
    acc = f32x4.add(acc, e);
  }
  let s = hsum(acc);
  for (; i < n; i++) {
    const e = expf(load<f32>(at(x, i)) - shift);
    store<f32>(at(y, i), e);
    s += e;
  }
  return s;
}

/** Σ exp(x − shift) without storing. */
function sumExpShiftRun(x: usize, n: i32, shift: f32): f32 {
  const sv = f32x4.splat(shift);
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) acc = f32x4.add(acc, exp4(f32x4.sub(v128.load(at(x, i)), sv)));
  let s = hsum(acc);
  for (; i < n; i++) s += expf(load<f32>(at(x, i)) - shift);
  return s;
}

function scaleRun(y: usize, n: i32, divisor: f32): void {
  const dv = f32x4.splat(divisor);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(y, i), f32x4.div(v128.load(at(y, i)), dv));
  for (; i < n; i++) store<f32>(at(y, i), load<f32>(at(y, i)) / divisor);
}

function dotRun(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(at(a, i)), v128.load(at(b, i))));
  let s = hsum(acc);
  for (; i < n; i++) s += load<f32>(at(a, i)) * load<f32>(at(b, i));
  return s;
}

// ---- softmax family, inner > 1 (columns with stride `inner`) ------------------------------------

@inline function softmaxColumns(width: i32, x: usize, y: usize, len: i32, stride: usize, log: bool): void {
  let m = f32x4.splat(-Infinity);
  for (let l = 0; l < len; l++) m = f32x4.max(m, ld(width, x + <usize>l * stride));
  let s = f32x4.splat(0);
  for (let l = 0; l < len; l++) {
    const e = exp4(f32x4.sub(ld(width, x + <usize>l * stride), m));
    if (!log) st(width, y + <usize>l * stride, e);
    s = f32x4.add(s, e);
  }
  if (log) {
    // log of the sum per lane: there is one per column, so the scalar Mathf.log is cheap here.
    const ls = f32x4(Mathf.log(f32x4.extract_lane(s, 0)), Mathf.log(f32x4.extract_lane(s, 1)),
      Mathf.log(f32x4.extract_lane(s, 2)), Mathf.log(f32x4.extract_lane(s, 3)));
    for (let l = 0; l < len; l++) {
      const p = <usize>l * stride;
      st(width, y + p, f32x4.sub(f32x4.sub(ld(width, x + p), m), ls));
    }
  } else {
    for (let l = 0; l < len; l++) {
      const p = <usize>l * stride;
      st(width, y + p, f32x4.div(ld(width, y + p), s));
    }
  }
}

/** softmax': dx = y·(dy − Σ dy·y);  log-softmax': dx = dy − exp(y)·Σ dy. */
@inline function softmaxBackwardColumns(width: i32, y: usize, dy: usize, dx: usize, len: i32, stride: usize, log: bool): void {
  let s = f32x4.splat(0);
  for (let l = 0; l < len; l++) {
    const p = <usize>l * stride;
    s = f32x4.add(s, log ? ld(width, dy + p) : f32x4.mul(ld(width, dy + p), ld(width, y + p)));
  }
  for (let l = 0; l < len; l++) {
    const p = <usize>l * stride;
    const yv = ld(width, y + p), g = ld(width, dy + p);
    st(width, dx + p, log ? f32x4.sub(g, f32x4.mul(exp4(yv), s)) : f32x4.mul(yv, f32x4.sub(g, s)));
  }
}

function softmaxImpl(x: usize, y: usize, outer: i32, len: i32, inner: i32, log: bool): void {
  const stride = <usize>inner << 2, block = <usize>len * stride;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * block, yo = y + <usize>o * block;
    if (inner == 1) {
      const m = maxRun(xo, len);
      if (log) {
        const ls = Mathf.log(sumExpShiftRun(xo, len, m));
        const shift = f32x4.splat(m), lsv = f32x4.splat(ls);
        let l = 0;
        for (; l + 4 <= len; l += 4) {
          v128.store(at(yo, l), f32x4.sub(f32x4.sub(v128.load(at(xo, l)), shift), lsv));
        }
        for (; l < len; l++) store<f32>(at(yo, l), load<f32>(at(xo, l)) - m - ls);
      } else {
        scaleRun(yo, len, expShiftRun(xo, yo, len, m));
      }
      continue;
    }
    let i = 0;
    if (log) {
      for (; i + 4 <= inner; i += 4) softmaxColumns(4, at(xo, i), at(yo, i), len, stride, true);
      for (; i < inner; i++) softmaxColumns(1, at(xo, i), at(yo, i), len, stride, true);
    } else {
      for (; i + 4 <= inner; i += 4) softmaxColumns(4, at(xo, i), at(yo, i), len, stride, false);
      for (; i < inner; i++) softmaxColumns(1, at(xo, i), at(yo, i), len, stride, false);
    }
  }
}

function softmaxBackwardImpl(y: usize, dy: usize, dx: usize, outer: i32, len: i32, inner: i32, log: bool): void {
  const stride = <usize>inner << 2, block = <usize>len * stride;
  for (let o = 0; o < outer; o++) {
    const off = <usize>o * block;
    const yo = y + off, dyo = dy + off, dxo = dx + off;
    if (inner == 1) {
      let l = 0;
      if (log) {
        const s = <f32>sumContiguous(dyo, len), sv = f32x4.splat(s);
        for (; l + 4 <= len; l += 4) {
          v128.store(at(dxo, l), f32x4.sub(v128.load(at(dyo, l)), f32x4.mul(exp4(v128.load(at(yo, l))), sv)));
        }
        for (; l < len; l++) store<f32>(at(dxo, l), load<f32>(at(dyo, l)) - expf(load<f32>(at(yo, l))) * s);
      } else {
        const s = dotRun(dyo, yo, len), sv = f32x4.splat(s);
        for (; l + 4 <= len; l += 4) {
          v128.store(at(dxo, l), f32x4.mul(v128.load(at(yo, l)), f32x4.sub(v128.load(at(dyo, l)), sv)));
        }
        for (; l < len; l++) store<f32>(at(dxo, l), load<f32>(at(yo, l)) * (load<f32>(at(dyo, l)) - s));
      }
      continue;
    }
    let i = 0;
    if (log) {
      for (; i + 4 <= inner; i += 4) softmaxBackwardColumns(4, at(yo, i), at(dyo, i), at(dxo, i), len, stride, true);
      for (; i < inner; i++) softmaxBackwardColumns(1, at(yo, i), at(dyo, i), at(dxo, i), len, stride, true);
    } else {
      for (; i + 4 <= inner; i += 4) softmaxBackwardColumns(4, at(yo, i), at(dyo, i), at(dxo, i), len, stride, false);
      for (; i < inner; i++) softmaxBackwardColumns(1, at(yo, i), at(dyo, i), at(dxo, i), len, stride, false);
    }
  }
}

export function softmax(x: usize, y: usize, outer: i32, len: i32, inner: i32): void {
  softmaxImpl(x, y, outer, len, inner, false);
}

export function logSoftmax(x: usize, y: usize, outer: i32, len: i32, inner: i32): void {
  softmaxImpl(x, y, outer, len, inner, true);
}

export function softmaxBackward(y: usize, dy: usize, dx: usize, outer: i32, len: i32, inner: i32): void {
  softmaxBackwardImpl(y, dy, dx, outer, len, inner, false);
}

export function logSoftmaxBackward(y: usize, dy: usize, dx: usize, outer: i32, len: i32, inner: i32): void {
  softmaxBackwardImpl(y, dy, dx, outer, len, inner, true);
}

// ---- negative log-likelihood ---------------------------------------------------------------

export function nllLoss(logp: usize, labels: usize, loss: usize, rows: i32, classes: i32): void {
  for (let r = 0; r < rows; r++) {
    const label = load<i32>(at(labels, r));
    store<f32>(at(loss, r), -load<f32>(at(logp, r * classes + label)));
  }
}

export function nllLossBackward(dloss: usize, labels: usize, dlogp: usize, rows: i32, classes: i32): void {
  const total = rows * classes, zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= total; i += 4) v128.store(at(dlogp, i), zero);
  for (; i < total; i++) store<f32>(at(dlogp, i), 0);
  for (let r = 0; r < rows; r++) {
    store<f32>(at(dlogp, r * classes + load<i32>(at(labels, r))), -load<f32>(at(dloss, r)));
  }
}
