// Long sums for reductions (reduceSum, and sumToShape's gradients of broadcasts such as a bias):
// float32 data accumulated in float64 lanes. A float32 running sum over 10^5 values was measured
// here at ~8e-6 relative error; these stay at float32 rounding. The loads dominate either way.

@inline export function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

@inline export function lo2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

@inline export function hi2(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** Σ x[0..n). */
export function sumContiguous(x: usize, n: i32): f64 {
  let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const v = v128.load(at(x, i)), w = v128.load(at(x, i), 16);
    a0 = f64x2.add(a0, lo2(v));
    a1 = f64x2.add(a1, hi2(v));
    a2 = f64x2.add(a2, lo2(w));
    a3 = f64x2.add(a3, hi2(w));
  }
  const t = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
  let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; i < n; i++) s += <f64>load<f32>(at(x, i));
  return s;
}

@inline export function narrow(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

@inline function storeSums(y: usize, j: i32, s: v128, accumulate: bool): void {
  v128.store(at(y, j), accumulate ? f32x4.add(s, v128.load(at(y, j))) : s);
}

/**
 * y[j] = Σ_r x[r·stride + j] for j < cols over `rows` rows (stride in elements); with
 * `accumulate` the sums are added to y instead. Walks 16, 8 or 4 columns at a time down the rows.
 */
export function sumColumns(x: usize, y: usize, rows: i32, cols: i32, stride: i32, accumulate: bool): void {
  const step = <usize>stride << 2;
  let j = 0;
  // 16 columns use a whole 64-byte line of each row per pass down the rows.
  for (; j + 16 <= cols; j += 16) {
    let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    let p = at(x, j);
    for (let r = 0; r < rows; r++, p += step) {
      const u = v128.load(p), v = v128.load(p, 16), w = v128.load(p, 32), z = v128.load(p, 48);
      a0 = f64x2.add(a0, lo2(u)); a1 = f64x2.add(a1, hi2(u));
      a2 = f64x2.add(a2, lo2(v)); a3 = f64x2.add(a3, hi2(v));
      a4 = f64x2.add(a4, lo2(w)); a5 = f64x2.add(a5, hi2(w));
      a6 = f64x2.add(a6, lo2(z)); a7 = f64x2.add(a7, hi2(z));
    }
    storeSums(y, j, narrow(a0, a1), accumulate);
    storeSums(y, j + 4, narrow(a2, a3), accumulate);
    storeSums(y, j + 8, narrow(a4, a5), accumulate);
    storeSums(y, j + 12, narrow(a6, a7), accumulate);
  }
  for (; j + 8 <= cols; j += 8) {
    let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0;
    let p = at(x, j);
    for (let r = 0; r < rows; r++, p += step) {
      const v = v128.load(p), w = v128.load(p, 16);
      a0 = f64x2.add(a0, lo2(v));
      a1 = f64x2.add(a1, hi2(v));
      a2 = f64x2.add(a2, lo2(w));
      a3 = f64x2.add(a3, hi2(w));
    }
    let s = narrow(a0, a1), t = narrow(a2, a3);
    if (accumulate) {
      s = f32x4.add(s, v128.load(at(y, j)));
      t = f32x4.add(t, v128.load(at(y, j), 16));
    }
    v128.store(at(y, j), s);
    v128.store(at(y, j), t, 16);
  }
  for (; j + 4 <= cols; j += 4) {
    let a0 = f64x2.splat(0), a1 = a0;
    let p = at(x, j);
    for (let r = 0; r < rows; r++, p += step) {
      const v = v128.load(p);
      a0 = f64x2.add(a0, lo2(v));
      a1 = f64x2.add(a1, hi2(v));
    }
    let s = narrow(a0, a1);
    if (accumulate) s = f32x4.add(s, v128.load(at(y, j)));
    v128.store(at(y, j), s);
  }
  for (; j < cols; j++) {
    let s: f64 = 0;
    let p = at(x, j);
    for (let r = 0; r < rows; r++, p += step) s += <f64>load<f32>(p);
    store<f32>(at(y, j), accumulate ? load<f32>(at(y, j)) + <f32>s : <f32>s);
  }
}
