// The GEMM core behind gemm and the convolutions: C = alpha·op(A)·op(B) + beta·C, row-major.
//
// Goto-style blocking: k is cut into KC-deep slices; for each slice, B is packed into NR-wide
// column panels (contiguous, zero-padded past n) so the microkernel streams it from L1, and A is
// packed into MR-row panels of MC rows at a time (read in place, its MR rows are lda apart and at
// power-of-two lda fight over the same cache sets: 26 against 36 GFLOP/s at 1024). The
// microkernel keeps an MR×NR tile of C in f32x4 locals for the whole slice.
//
// This file is the shared core: gemm.ts exports the contract's gemm over it, and the conv kernels
// (conv.ts) pack their filters once and stream pixel blocks through the same tiles, reading the
// image in place through a tap-offset table (tileOffsets) where they can.
// It is not re-exported from assembly/index.ts, so none of these helpers become wasm exports.

/** Rows and columns of the register tile (6 × 8 floats: 12 f32x4 accumulators). */
export const MR = 6;
export const NR = 8;
/** Depth of a k slice: an NR panel of B (8 KB) and an MR panel of A stay in L1. */
export const KC = 256;
/** Columns of B packed at once for a plain gemm (a KC × NC slice is 1 MB, L2-sized). */
export const NC = 1024;
/** Bytes of scratch a plain gemm never exceeds beyond the packed panels: the edge tile. */
export const EDGE_BYTES: usize = <usize>(MR * NR * 4);

/** Epilogue flags of the macro kernel. */
export const EPI_RELU = 1;

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

@inline export function roundUp(x: i32, to: i32): i32 {
  return (x + to - 1) / to * to;
}

/** Floats a packed B slice of kc × n takes. */
@inline export function packedBFloats(kc: i32, n: i32): i32 {
  return kc * roundUp(n, NR);
}

/**
 * Packs op(B)[k0 .. k0+kc, n0 .. n0+nc] into NR-wide panels: panel j holds kc rows of NR floats
 * (columns past nc are zero, so the microkernel never branches on the width).
 */
export function packB(transB: i32, b: usize, ldb: i32, k0: i32, kc: i32, n0: i32, nc: i32, dst: usize): void {
  const panels = (nc + NR - 1) / NR;
  const ldbBytes = <usize>ldb << 2;
  for (let jp = 0; jp < panels; jp++) {
    const j0 = n0 + jp * NR;
    const w = min(NR, n0 + nc - j0);
    let out = dst + (<usize>(jp * kc * NR) << 2);
    if (!transB) {
      let src = b + <usize>k0 * ldbBytes + (<usize>j0 << 2);
      if (w == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(out, v128.load(src));
          v128.store(out, v128.load(src, 16), 16);
          src += ldbBytes;
          out += NR << 2;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          v128.store(out, f32x4.splat(0));
          v128.store(out, f32x4.splat(0), 16);
          for (let j = 0; j < w; j++) store<f32>(out + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
          src += ldbBytes;
          out += NR << 2;
        }
      }
    } else if (w == NR) {
      // op(B)[p, j] = B[j, p]: the panel's 8 columns are 8 source rows. Four k at a time: 8
      // vector loads, two 4×4 transposes in registers, 8 stores (instead of 32 single floats;
      // packing a conv's whole filter this way was a third of a 7×7×512 layer's time).
      const src = b + <usize>j0 * ldbBytes + (<usize>k0 << 2);
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        const v0 = v128.load(src + o), v1 = v128.load(src + ldbBytes + o);
        const v2 = v128.load(src + 2 * ldbBytes + o), v3 = v128.load(src + 3 * ldbBytes + o);
        const v4 = v128.load(src + 4 * ldbBytes + o), v5 = v128.load(src + 5 * ldbBytes + o);
        const v6 = v128.load(src + 6 * ldbBytes + o), v7 = v128.load(src + 7 * ldbBytes + o);
        const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5), t1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
        const t2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5), t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
        const t4 = i32x4.shuffle(v4, v5, 0, 4, 1, 5), t5 = i32x4.shuffle(v4, v5, 2, 6, 3, 7);
        const t6 = i32x4.shuffle(v6, v7, 0, 4, 1, 5), t7 = i32x4.shuffle(v6, v7, 2, 6, 3, 7);
        v128.store(out, i64x2.shuffle(t0, t2, 0, 2)); v128.store(out, i64x2.shuffle(t4, t6, 0, 2), 16);
        v128.store(out, i64x2.shuffle(t0, t2, 1, 3), 32); v128.store(out, i64x2.shuffle(t4, t6, 1, 3), 48);
        v128.store(out, i64x2.shuffle(t1, t3, 0, 2), 64); v128.store(out, i64x2.shuffle(t5, t7, 0, 2), 80);
        v128.store(out, i64x2.shuffle(t1, t3, 1, 3), 96); v128.store(out, i64x2.shuffle(t5, t7, 1, 3), 112);
        out += NR << 4;
      }
      for (; p < kc; p++) {
        for (let j = 0; j < NR; j++) store<f32>(out + (<usize>j << 2), load<f32>(src + <usize>j * ldbBytes + (<usize>p << 2)));
        out += NR << 2;
      }
    } else {
      // op(B)[p, j] = B[j, p]: each source row is one column of the panel.
      if (w < NR) {
        for (let i = 0; i < kc * NR; i += 4) v128.store(out + (<usize>i << 2), f32x4.splat(0));
      }
      for (let j = 0; j < w; j++) {
        let src = b + <usize>(j0 + j) * ldbBytes + (<usize>k0 << 2);
        let o = out + (<usize>j << 2);
        for (let p = 0; p < kc; p++) {
          store<f32>(o, load<f32>(src));
          src += 4;
          o += NR << 2;
        }
      }
    }
  }
}

/**
 * Packs A[i0 .. i0+mc, k0 .. k0+kc] of a row-major A into MR-row panels (layout as packAT).
 * Reading A in place works too, but at large lda its MR rows fall into the same cache sets.
 */
export function packAN(a: usize, lda: i32, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  const panels = (mc + MR - 1) / MR;
  const ldaBytes = <usize>lda << 2;
  for (let ip = 0; ip < panels; ip++) {
    const r0 = i0 + ip * MR;
    const h = min(MR, i0 + mc - r0);
    let out = dst + (<usize>(ip * kc * MR) << 2);
    const src = a + <usize>r0 * ldaBytes + (<usize>k0 << 2);
    if (h == MR) {
      let s0 = src, s1 = src + ldaBytes, s2 = src + 2 * ldaBytes;
      let s3 = src + 3 * ldaBytes, s4 = src + 4 * ldaBytes, s5 = src + 5 * ldaBytes;
      for (let p = 0; p < kc; p++) {
        store<f32>(out, load<f32>(s0)); store<f32>(out, load<f32>(s1), 4);
        store<f32>(out, load<f32>(s2), 8); store<f32>(out, load<f32>(s3), 12);
        store<f32>(out, load<f32>(s4), 16); store<f32>(out, load<f32>(s5), 20);
        s0 += 4; s1 += 4; s2 += 4; s3 += 4; s4 += 4; s5 += 4;
        out += MR << 2;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(out + (<usize>r << 2), r < h ? load<f32>(src + <usize>r * ldaBytes + (<usize>p << 2)) : 0);
        }
        out += MR << 2;
      }
    }
  }
}

/**
 * Packs op(A)[i0 .. i0+mc, k0 .. k0+kc] for a transposed A into MR-row panels: panel i holds kc
 * groups of MR floats (rows past mc are zero). Each source row contributes a contiguous run.
 */
export function packAT(a: usize, lda: i32, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  const panels = (mc + MR - 1) / MR;
  const ldaBytes = <usize>lda << 2;
  for (let ip = 0; ip < panels; ip++) {
    const r0 = i0 + ip * MR;
    const h = min(MR, i0 + mc - r0);
    let out = dst + (<usize>(ip * kc * MR) << 2);
    let src = a + <usize>k0 * ldaBytes + (<usize>r0 << 2);
    if (h == MR) {
      for (let p = 0; p < kc; p++) {
        v128.store(out, v128.load(src));
        store<u64>(out, load<u64>(src, 16), 16);
        src += ldaBytes;
        out += MR << 2;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(out + (<usize>r << 2), r < h ? load<f32>(src + (<usize>r << 2)) : 0);
        }
        src += ldaBytes;
        out += MR << 2;
      }
    }
  }
}

/**
 * One MR × NR tile: acc = A-panel · B-panel over kc, then
 * C = alpha·acc + beta·C (C unread when beta = 0) + bias, ReLU'd when flags say so.
 * A element (r, p) lives at a + r·rs + p·cs (bytes): a packed panel (rs = 4, cs = MR·4) or a
 * row-major A in place (rs = lda·4, cs = 4).
 * Only the first h rows and w columns are stored; partial tiles go through `edge`.
 * bias, when given, must be readable for NR floats past any column (callers pad it).
 */
function tile(a: usize, rs: usize, cs: usize, bp: usize, kc: i32,
  c: usize, ldcBytes: usize, h: i32, w: i32,
  alpha: f32, beta: f32, bias: usize, flags: i32, edge: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  let a0 = a, a1 = a + rs, a2 = a + 2 * rs, a3 = a + 3 * rs, a4 = a + 4 * rs, a5 = a + 5 * rs;
  // Rows past h would read outside A when it is read in place: point them at row 0 (discarded).
  if (h < 6) { a5 = a0; if (h < 5) { a4 = a0; if (h < 4) { a3 = a0; if (h < 3) { a2 = a0; if (h < 2) a1 = a0; } } } }
  let b = bp;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a1);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a2);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a3);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    x = v128.load32_splat(a4);
    c40 = madd(x, b0, c40); c41 = madd(x, b1, c41);
    x = v128.load32_splat(a5);
    c50 = madd(x, b0, c50); c51 = madd(x, b1, c51);
    a0 += cs; a1 += cs; a2 += cs; a3 += cs; a4 += cs; a5 += cs;
    b += NR << 2;
  }
  storeTile(c, ldcBytes, h, w, alpha, beta, bias, flags, edge,
    c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
}

/**
 * The same tile for an implicit GEMM: A element (r, p) is at ar + offs[p] (offs: i32 bytes), so
 * row r can be an output pixel's window corner in the image and offs the taps' offsets from it
 * (conv.ts), with no im2col copy. Rows past h must repeat a valid pointer.
 */
export function tileOffsets(a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
  offs: usize, bp: usize, kc: i32, c: usize, ldcBytes: usize, h: i32, w: i32,
  beta: f32, bias: usize, flags: i32, edge: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  let b = bp;
  const end = offs + (<usize>kc << 2);
  for (let o = offs; o < end; o += 4) {
    const d = <usize>load<i32>(o);
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0 + d);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a1 + d);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a2 + d);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a3 + d);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    x = v128.load32_splat(a4 + d);
    c40 = madd(x, b0, c40); c41 = madd(x, b1, c41);
    x = v128.load32_splat(a5 + d);
    c50 = madd(x, b0, c50); c51 = madd(x, b1, c51);
    b += NR << 2;
  }
  storeTile(c, ldcBytes, h, w, 1, beta, bias, flags, edge,
    c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
}

/** The epilogue of a tile; partial tiles go through `edge`. */
@inline function storeTile(c: usize, ldcBytes: usize, h: i32, w: i32,
  alpha: f32, beta: f32, bias: usize, flags: i32, edge: usize,
  c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128,
  c30: v128, c31: v128, c40: v128, c41: v128, c50: v128, c51: v128): void {
  if (h == MR && w == NR) {
    storeRow(c, c00, c01, alpha, beta, bias, flags);
    storeRow(c + ldcBytes, c10, c11, alpha, beta, bias, flags);
    storeRow(c + 2 * ldcBytes, c20, c21, alpha, beta, bias, flags);
    storeRow(c + 3 * ldcBytes, c30, c31, alpha, beta, bias, flags);
    storeRow(c + 4 * ldcBytes, c40, c41, alpha, beta, bias, flags);
    storeRow(c + 5 * ldcBytes, c50, c51, alpha, beta, bias, flags);
    return;
  }
  v128.store(edge, c00); v128.store(edge, c01, 16);
  v128.store(edge, c10, 32); v128.store(edge, c11, 48);
  v128.store(edge, c20, 64); v128.store(edge, c21, 80);
  v128.store(edge, c30, 96); v128.store(edge, c31, 112);
  v128.store(edge, c40, 128); v128.store(edge, c41, 144);
  v128.store(edge, c50, 160); v128.store(edge, c51, 176);
  if (beta == 0) {
    // Narrow outputs (a conv with 6 or 16 channels) hit this path on every tile: finish the
    // epilogue in vectors (bias is padded to NR by the caller), then store only w columns.
    for (let r = 0; r < h; r++) {
      const e = edge + (<usize>(r * NR) << 2);
      storeRow(e, v128.load(e), v128.load(e, 16), alpha, 0, bias, flags);
      const row = c + <usize>r * ldcBytes;
      let j = 0;
      if (w >= 4) { v128.store(row, v128.load(e)); j = 4; }
      for (; j < w; j++) store<f32>(row + (<usize>j << 2), load<f32>(e + (<usize>j << 2)));
    }
    return;
  }
  for (let r = 0; r < h; r++) {
    const row = c + <usize>r * ldcBytes;
    const e = edge + (<usize>(r * NR) << 2);
    for (let j = 0; j < w; j++) {
      const o = <usize>j << 2;
      let v = alpha * load<f32>(e + o) + beta * load<f32>(row + o);
      if (bias) v += load<f32>(bias + o);
      if (flags & EPI_RELU) v = max(v, <f32>0);
      store<f32>(row + o, v);
    }
  }
}

@inline function storeRow(c: usize, lo: v128, hi: v128, alpha: f32, beta: f32, bias: usize, flags: i32): void {
  if (alpha != 1) {
    const va = f32x4.splat(alpha);
    lo = f32x4.mul(lo, va);
    hi = f32x4.mul(hi, va);
  }
  if (beta != 0) {
    const vb = f32x4.splat(beta);
    lo = madd(vb, v128.load(c), lo);
    hi = madd(vb, v128.load(c, 16), hi);
  }
  if (bias) {
    lo = f32x4.add(lo, v128.load(bias));
    hi = f32x4.add(hi, v128.load(bias, 16));
  }
  if (flags & EPI_RELU) {
    const z = f32x4.splat(0);
    lo = f32x4.max(lo, z);
    hi = f32x4.max(hi, z);
  }
  v128.store(c, lo);
  v128.store(c, hi, 16);
}

/**
 * C[mc × nc] (+)= A-block · packed B slice, tile by tile. A element (r, p) of a tile's rows is at
 * a + r·rs + p·cs (bytes); successive MR-row tiles start `panelStride` bytes apart (0: MR·rs,
 * for an A read in place). bias is offset with the columns.
 */
export function macroKernel(a: usize, rs: usize, cs: usize, panelStride: usize,
  bp: usize, mc: i32, nc: i32, kc: i32, c: usize, ldc: i32,
  alpha: f32, beta: f32, bias: usize, flags: i32, edge: usize): void {
  const ldcBytes = <usize>ldc << 2;
  const aStep = panelStride ? panelStride : <usize>MR * rs;
  // B panel outermost: its 8 KB stay in L1 while every A panel of the block passes over it.
  for (let j = 0; j < nc; j += NR) {
    const w = min(NR, nc - j);
    const bPanel = bp + (<usize>(j * kc) << 2);
    const cCol = c + (<usize>j << 2);
    const biasCol = bias ? bias + (<usize>j << 2) : 0;
    let ap = a;
    for (let i = 0; i < mc; i += MR) {
      tile(ap, rs, cs, bPanel, kc, cCol + <usize>i * ldcBytes, ldcBytes, min(MR, mc - i), w,
        alpha, beta, biasCol, flags, edge);
      ap += aStep;
    }
  }
}

/** Scales C by beta (zeroing it when beta = 0, without reading it): the k = 0 product. */
function scaleC(m: i32, n: i32, beta: f32, c: usize, ldc: i32): void {
  for (let i = 0; i < m; i++) {
    const row = c + (<usize>(i * ldc) << 2);
    for (let j = 0; j < n; j++) {
      const o = row + (<usize>j << 2);
      store<f32>(o, beta == 0 ? 0 : beta * load<f32>(o));
    }
  }
}

/** Rows of A packed at once (a 96 × KC block is 96 KB, L2-resident while B panels pass). */
export const MC = 96;

/**
 * The general gemm with an epilogue: bias (a row vector over n, added once, readable NR floats
 * past n) and fused ReLU. Scratch (src/backend/scratch.ts gemmScratchBytes):
 * packed B slice [KC·⌈min(n, NC)⌉₈] | packed A block [MC·KC] | edge tile.
 */
export function gemmEx(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32,
  bias: usize, flags: i32, scratch: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    scaleC(m, n, beta, c, ldc);
    if (bias || flags) macroKernel(a, 0, 0, 0, scratch, m, n, 0, c, ldc, 0, 1, bias, flags, scratch);
    return;
  }
  const ncMax = min(n, NC);
  const bp = scratch;
  const ap = bp + (<usize>packedBFloats(KC, ncMax) << 2);
  const edge = ap + (<usize>(MC * KC) << 2);
  for (let n0 = 0; n0 < n; n0 += NC) {
    const nc = min(NC, n - n0);
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = min(KC, k - k0);
      const first = k0 == 0, last = k0 + kc == k;
      packB(transB, b, ldb, k0, kc, n0, nc, bp);
      const cb = c + (<usize>n0 << 2);
      const bb = first && bias ? bias + (<usize>n0 << 2) : 0;
      const fl = last ? flags : 0;
      const be: f32 = first ? beta : 1;
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        if (transA) packAT(a, lda, i0, mc, k0, kc, ap);
        else packAN(a, lda, i0, mc, k0, kc, ap);
        macroKernel(ap, 4, MR << 2, <usize>(MR * kc) << 2, bp, mc, nc, kc,
          cb + (<usize>(i0 * ldc) << 2), ldc, alpha, be, bb, fl, edge);
      }
    }
  }
}

/** Packs all of op(B) (k × n) as consecutive KC slices: slice k0 starts k0·roundUp(n, NR) floats in. */
export function packBAll(transB: i32, b: usize, ldb: i32, k: i32, n: i32, dst: usize): void {
  const ncPad = roundUp(n, NR);
  for (let k0 = 0; k0 < k; k0 += KC) {
    packB(transB, b, ldb, k0, min(KC, k - k0), 0, n, dst + (<usize>(k0 * ncPad) << 2));
  }
}

/**
 * C[m × n] = A · B (+ beta·C) + bias, ReLU'd per flags, with B already packed by packBAll:
 * the conv kernels pack their filter once and stream row blocks of A through here.
 * ap: MC·KC floats for the packed A block; edge: EDGE_BYTES.
 */
export function gemmPackedB(a: usize, lda: i32, m: i32, n: i32, k: i32, bp: usize,
  c: usize, ldc: i32, beta: f32, bias: usize, flags: i32, ap: usize, edge: usize): void {
  const ncPad = roundUp(n, NR);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    const first = k0 == 0, last = k0 + kc == k;
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = min(MC, m - i0);
      packAN(a, lda, i0, mc, k0, kc, ap);
      macroKernel(ap, 4, MR << 2, <usize>(MR * kc) << 2, bp + (<usize>(k0 * ncPad) << 2), mc, n, kc,
        c + (<usize>(i0 * ldc) << 2), ldc, 1, first ? beta : 1, first ? bias : 0, last ? flags : 0, edge);
    }
  }
}
