// C = alpha·A·Bᵀ + beta·C for one to four rows of A: a Linear layer's forward at batch sizes 1 to 4,
// y = x·Wᵀ with W [out × in] row-major. Every element of C is a dot product of a row of A with a
// row of B, both contiguous, so B streams through once, as it is stored. The blocked GEMM would
// pack all of B first (read it, write a copy, read that): three passes over what is, at batch 1, a
// weight matrix read once for a handful of multiply-adds per element (VGG-16's first Linear
// layer is 411 MB). Each element sums its k products in the same order wherever it falls in a
// split over threads (tasks are ranges of columns).

/** The most rows of A this path takes. */
export const FEW_ROWS = 4;

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

@inline function lanesSum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

@inline function finish(c: usize, dot: f32, alpha: f32, beta: f32): void {
  store<f32>(c, beta == 0 ? alpha * dot : alpha * dot + beta * load<f32>(c));
}

/** Σ_p a[p]·w[p] over k floats: four independent sums of 16-float steps, then the tail. */
@inline function dot1(a: usize, w: usize, k: i32): f32 {
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let p = 0;
  for (; p + 16 <= k; p += 16) {
    const o = <usize>p << 2;
    s0 = madd(v128.load(a + o), v128.load(w + o), s0);
    s1 = madd(v128.load(a + o, 16), v128.load(w + o, 16), s1);
    s2 = madd(v128.load(a + o, 32), v128.load(w + o, 32), s2);
    s3 = madd(v128.load(a + o, 48), v128.load(w + o, 48), s3);
  }
  for (; p + 4 <= k; p += 4) s0 = madd(v128.load(a + (<usize>p << 2)), v128.load(w + (<usize>p << 2)), s0);
  let sum = lanesSum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
  for (; p < k; p++) sum += load<f32>(a + (<usize>p << 2)) * load<f32>(w + (<usize>p << 2));
  return sum;
}

/**
 * m ∈ [1, FEW_ROWS] rows: C[i, j] = alpha·Σ_p A[i, p]·B[j, p] + beta·C[i, j] (C unread when
 * beta = 0). Rows of two to four share each load of a B row (two sums per row).
 */
export function gemmFewRowsTransB(m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32,
  b: usize, ldb: i32, beta: f32, c: usize, ldc: i32): void {
  const ldaBytes = <usize>lda << 2, ldbBytes = <usize>ldb << 2, ldcBytes = <usize>ldc << 2;
  if (m == 1) {
    for (let j = 0; j < n; j++) finish(c + (<usize>j << 2), dot1(a, b + <usize>j * ldbBytes, k), alpha, beta);
    return;
  }
  // Rows past m repeat row 0 (their sums are dropped).
  const a0 = a, a1 = a + ldaBytes, a2 = m > 2 ? a + 2 * ldaBytes : a, a3 = m > 3 ? a + 3 * ldaBytes : a;
  for (let j = 0; j < n; j++) {
    const w = b + <usize>j * ldbBytes;
    let s00 = f32x4.splat(0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
    let p = 0;
    for (; p + 8 <= k; p += 8) {
      const o = <usize>p << 2;
      const w0 = v128.load(w + o), w1 = v128.load(w + o, 16);
      s00 = madd(v128.load(a0 + o), w0, s00); s01 = madd(v128.load(a0 + o, 16), w1, s01);
      s10 = madd(v128.load(a1 + o), w0, s10); s11 = madd(v128.load(a1 + o, 16), w1, s11);
      s20 = madd(v128.load(a2 + o), w0, s20); s21 = madd(v128.load(a2 + o, 16), w1, s21);
      s30 = madd(v128.load(a3 + o), w0, s30); s31 = madd(v128.load(a3 + o, 16), w1, s31);
    }
    for (; p + 4 <= k; p += 4) {
      const o = <usize>p << 2;
      const w0 = v128.load(w + o);
      s00 = madd(v128.load(a0 + o), w0, s00);
      s10 = madd(v128.load(a1 + o), w0, s10);
      s20 = madd(v128.load(a2 + o), w0, s20);
      s30 = madd(v128.load(a3 + o), w0, s30);
    }
    let d0 = lanesSum(f32x4.add(s00, s01)), d1 = lanesSum(f32x4.add(s10, s11));
    let d2 = lanesSum(f32x4.add(s20, s21)), d3 = lanesSum(f32x4.add(s30, s31));
    for (; p < k; p++) {
      const o = <usize>p << 2, x = load<f32>(w + o);
      d0 += load<f32>(a0 + o) * x; d1 += load<f32>(a1 + o) * x;
      d2 += load<f32>(a2 + o) * x; d3 += load<f32>(a3 + o) * x;
    }
    const cj = c + (<usize>j << 2);
    finish(cj, d0, alpha, beta);
    finish(cj + ldcBytes, d1, alpha, beta);
    if (m > 2) finish(cj + 2 * ldcBytes, d2, alpha, beta);
    if (m > 3) finish(cj + 3 * ldcBytes, d3, alpha, beta);
  }
}
