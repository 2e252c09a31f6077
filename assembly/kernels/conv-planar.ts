// Direct convolutions over channel planes, for convolutions with very few input channels: the
// forward and the filter gradient of a layer with one to three input channels (LeNet's C1: 1 → 6,
// 5×5; an RGB first layer with stride 1) and the input gradient of a one-channel layer. As GEMMs
// these have a depth of 25 taps or a width of one to six columns, so the register tiles are
// mostly epilogue and zero padding.
//
// Here SIMD runs across four adjacent output pixels of a row (a "group") instead of across
// channels. The image is first copied into zero-padded channel planes (one image at a time, so
// the copy stays in L1/L2), which makes every tap of a group one unaligned vector load with no
// bounds tests; the weights are splatted. Only a horizontal stride and dilation of 1 qualify
// (the four pixels of a group then read four consecutive floats).
//
// Tiles: 6 outputs × 2 groups (12 accumulators) when there are several output channels, the
// groups consecutive in row-major order and free to straddle rows, so no row width wastes a
// tile; for one output, 2 rows × 4 groups sharing their plane rows (stride 1), else 1 × 8
// groups. The last group of a row may be short ("lanes" < 4): its extra lanes read past the row
// (into the next row or the zeroed slack after the planes) and are never stored. The filter
// gradient keeps 6 outputs × 2 taps in registers over a whole image, reading dy in a
// group-major copy (one pointer, constant offsets).
import {
  word, CONV_N, CONV_H, CONV_W, CONV_C, CONV_OC, CONV_KH, CONV_KW, CONV_SH, CONV_SW, CONV_PAD_T,
  CONV_PAD_L, CONV_DH, CONV_DW, CONV_GROUPS, CONV_OH, CONV_OW, CONV_FLAGS, CONV_FLAG_RELU,
} from "../geometry";

/** Output channels per tile when there are several. */
export const PLANAR_R = 6;
/** Planes of one image may take at most this many floats (4 MB); bigger images use the GEMM path. */
export const PLANAR_MAX_PLANE_FLOATS = 1 << 20;
/** Floats of zeroed slack after the planes: a short group reads up to 3 floats past a row, the
 *  groups of a two-row tile that lie past the row up to 15. */
export const PLANAR_SLACK = 16;

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

@inline function roundUp(x: i32, to: i32): i32 {
  return (x + to - 1) / to * to;
}

// ---- eligibility and scratch (src/backend/scratch.ts mirrors these) ------------------------------

/** Padded plane height and width of the forward / filter-gradient input planes. */
@inline function forwardPlaneH(geom: usize): i32 {
  return (word(geom, CONV_OH) - 1) * word(geom, CONV_SH) + (word(geom, CONV_KH) - 1) * word(geom, CONV_DH) + 1;
}
@inline function forwardPlaneW(geom: usize): i32 {
  return word(geom, CONV_OW) + word(geom, CONV_KW) - 1;
}

@inline function rowStepOne(geom: usize): bool {
  return word(geom, CONV_GROUPS) == 1 && word(geom, CONV_SW) == 1 && word(geom, CONV_DW) == 1;
}

// Where each path wins was measured (bench/peers.ts shapes and a few neighbours): the forward
// with up to 3 input and 16 output channels (with more outputs the transposed stores and repeated
// passes over the planes cost more than the GEMM's padding); the input gradient of a one-channel
// layer only (for more channels the zero-padded dy planes, about twice the work on LeNet's C3, lose
// to the GEMM); the filter gradient with up to 3 input channels.

/** Forward: one to three input channels, at most 16 outputs, horizontal stride and dilation 1. */
export function planarForwardEligible(geom: usize): bool {
  const C = word(geom, CONV_C);
  return rowStepOne(geom) && C <= 3 && word(geom, CONV_OC) <= 16 &&
    C * forwardPlaneH(geom) * forwardPlaneW(geom) <= PLANAR_MAX_PLANE_FLOATS;
}

/** Input gradient: one input channel, stride and dilation 1, padding smaller than the kernel. */
export function planarInputGradEligible(geom: usize): bool {
  const KH = word(geom, CONV_KH), KW = word(geom, CONV_KW);
  return rowStepOne(geom) && word(geom, CONV_SH) == 1 && word(geom, CONV_DH) == 1 &&
    word(geom, CONV_C) == 1 && word(geom, CONV_PAD_T) < KH && word(geom, CONV_PAD_L) < KW &&
    word(geom, CONV_OC) * (word(geom, CONV_H) + KH - 1) * (word(geom, CONV_W) + KW - 1) <= PLANAR_MAX_PLANE_FLOATS;
}

@inline function chunkSize(outs: i32): i32 {
  return outs == 1 ? 1 : PLANAR_R;
}

/** Floats of weights packed for `outs` outputs over `depth` input planes of KH·KW taps, plus a bias row. */
@inline function packedFloats(outs: i32, depth: i32, taps: i32): i32 {
  const R = chunkSize(outs);
  return roundUp(outs, R) * (depth * taps + 1);
}

// ---- copying into planes ----------------------------------------------------------------------------

function zeroFloats(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(dst, i), z);
  for (; i < n; i++) store<f32>(at(dst, i), 0);
}

/**
 * planes[c][r][q] = img[r − top][q − left][c0 + c] of an NHWC image (zero outside it), for
 * `count` channels of an image with C channels, planes of ph × pw floats, then PLANAR_SLACK zeros.
 */
function toPlanes(img: usize, H: i32, W: i32, C: i32, c0: i32, count: i32, top: i32, left: i32,
  planes: usize, ph: i32, pw: i32, pitch: i32): void {
  const r0 = max(top, 0), r1 = max(r0, min(H + top, ph));
  const q0 = max(left, 0), q1 = max(q0, min(W + left, pw));
  // Zero what the copy below leaves: the padding rows and columns, the row pitch's tail, the slack.
  for (let c = 0; c < count; c++) {
    const plane = at(planes, c * ph * pitch);
    zeroFloats(plane, r0 * pitch);
    zeroFloats(at(plane, r1 * pitch), (ph - r1) * pitch);
    for (let r = r0; r < r1; r++) {
      zeroFloats(at(plane, r * pitch), q0);
      zeroFloats(at(plane, r * pitch + q1), pitch - q1);
    }
  }
  zeroFloats(at(planes, count * ph * pitch), PLANAR_SLACK);
  if (count == 1) {
    for (let r = r0; r < r1; r++) {
      let src = img + ((<usize>((r - top) * W + (q0 - left)) * C + c0) << 2);
      let dst = at(planes, r * pitch + q0);
      if (C == 1) {
        let q = q0;
        for (; q + 4 <= q1; q += 4, src += 16, dst += 16) v128.store(dst, v128.load(src));
        for (; q < q1; q++, src += 4, dst += 4) store<f32>(dst, load<f32>(src));
      } else {
        for (let q = q0; q < q1; q++, src += <usize>C << 2, dst += 4) store<f32>(dst, load<f32>(src));
      }
    }
    return;
  }
  const planeBytes = <usize>(ph * pitch) << 2;
  const pxBytes = <usize>C << 2;
  for (let r = r0; r < r1; r++) {
    let src = img + ((<usize>((r - top) * W + (q0 - left)) * C + c0) << 2);
    let dst = at(planes, r * pitch + q0);
    let q = q0;
    if (count == C && C >= 4) {
      // Four pixels × four channels at a time, transposed in registers; the last channels in a
      // vector overlapping the previous one (planes written twice with the same values).
      for (; q + 4 <= q1; q += 4, src += 4 * pxBytes, dst += 16) {
        for (let c = 0; c < C; c += 4) {
          const cc = min(c, C - 4);
          const o = <usize>cc << 2;
          const v0 = v128.load(src + o), v1 = v128.load(src + pxBytes + o);
          const v2 = v128.load(src + 2 * pxBytes + o), v3 = v128.load(src + 3 * pxBytes + o);
          const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5), t1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
          const t2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5), t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
          const d = dst + <usize>cc * planeBytes;
          v128.store(d, i64x2.shuffle(t0, t2, 0, 2));
          v128.store(d + planeBytes, i64x2.shuffle(t0, t2, 1, 3));
          v128.store(d + 2 * planeBytes, i64x2.shuffle(t1, t3, 0, 2));
          v128.store(d + 3 * planeBytes, i64x2.shuffle(t1, t3, 1, 3));
        }
      }
    }
    for (; q < q1; q++, src += pxBytes, dst += 4) {
      let d = dst;
      for (let c = 0; c < count; c++, d += planeBytes) store<f32>(d, load<f32>(src + (<usize>c << 2)));
    }
  }
}

// ---- the tiles ----------------------------------------------------------------------------------------

/**
 * Stores one group of a 6-output tile: acc0..acc5 hold outputs 0..5 of four pixels; pixel p goes to
 * dst + p·ldoBytes. Full groups of six outputs transpose in registers; others go lane by lane.
 */
@inline function storeGroup6(dst: usize, ldoBytes: usize, lanes: i32, outs: i32, relu: bool, edge: usize,
  acc0: v128, acc1: v128, acc2: v128, acc3: v128, acc4: v128, acc5: v128): void {
  if (relu) {
    const z = f32x4.splat(0);
    acc0 = f32x4.max(acc0, z); acc1 = f32x4.max(acc1, z); acc2 = f32x4.max(acc2, z);
    acc3 = f32x4.max(acc3, z); acc4 = f32x4.max(acc4, z); acc5 = f32x4.max(acc5, z);
  }
  if (lanes == 4 && outs == 6) {
    // 4×4 transpose of outputs 0..3, then outputs 4 and 5 interleaved pairwise.
    const t0 = i32x4.shuffle(acc0, acc1, 0, 4, 1, 5), t1 = i32x4.shuffle(acc0, acc1, 2, 6, 3, 7);
    const t2 = i32x4.shuffle(acc2, acc3, 0, 4, 1, 5), t3 = i32x4.shuffle(acc2, acc3, 2, 6, 3, 7);
    const p0 = i64x2.shuffle(t0, t2, 0, 2), p1 = i64x2.shuffle(t0, t2, 1, 3);
    const p2 = i64x2.shuffle(t1, t3, 0, 2), p3 = i64x2.shuffle(t1, t3, 1, 3);
    const e01 = i32x4.shuffle(acc4, acc5, 0, 4, 1, 5), e23 = i32x4.shuffle(acc4, acc5, 2, 6, 3, 7);
    v128.store(dst, p0); v128.store64_lane(dst, e01, 0, 16);
    let d = dst + ldoBytes;
    v128.store(d, p1); v128.store64_lane(d, e01, 1, 16);
    d += ldoBytes;
    v128.store(d, p2); v128.store64_lane(d, e23, 0, 16);
    d += ldoBytes;
    v128.store(d, p3); v128.store64_lane(d, e23, 1, 16);
    return;
  }
  v128.store(edge, acc0); v128.store(edge, acc1, 16); v128.store(edge, acc2, 32);
  v128.store(edge, acc3, 48); v128.store(edge, acc4, 64); v128.store(edge, acc5, 80);
  for (let p = 0; p < lanes; p++) {
    const d = dst + <usize>p * ldoBytes;
    for (let r = 0; r < outs; r++) store<f32>(d + (<usize>r << 2), load<f32>(at(edge, r * 4 + p)));
  }
}

/**
 * Six outputs × two groups. sK, dK: the group's first tap in the planes and its first output
 * pixel; nK its lanes. wp: this chunk's packed weights [depth][KH][KW][6], then 6 bias values.
 */
function tile6x2(s0: usize, d0: usize, n0: i32, s1: usize, d1: usize, n1: i32, wp: usize,
  depth: i32, KH: i32, KW: i32, planeBytes: usize, tapRowBytes: usize,
  ldoBytes: usize, outs: i32, relu: bool, edge: usize): void {
  const bias = wp + (<usize>(depth * KH * KW * PLANAR_R) << 2);
  let a00 = v128.load32_splat(bias), a10 = v128.load32_splat(bias, 4), a20 = v128.load32_splat(bias, 8);
  let a30 = v128.load32_splat(bias, 12), a40 = v128.load32_splat(bias, 16), a50 = v128.load32_splat(bias, 20);
  let a01 = a00, a11 = a10, a21 = a20, a31 = a30, a41 = a40, a51 = a50;
  let w = wp;
  for (let c = 0; c < depth; c++) {
    const plane = <usize>c * planeBytes;
    for (let kh = 0; kh < KH; kh++) {
      let p0 = s0 + plane + <usize>kh * tapRowBytes, p1 = s1 + plane + <usize>kh * tapRowBytes;
      for (let kw = 0; kw < KW; kw++) {
        const x0 = v128.load(p0), x1 = v128.load(p1);
        let k = v128.load32_splat(w);
        a00 = madd(x0, k, a00); a01 = madd(x1, k, a01);
        k = v128.load32_splat(w, 4);
        a10 = madd(x0, k, a10); a11 = madd(x1, k, a11);
        k = v128.load32_splat(w, 8);
        a20 = madd(x0, k, a20); a21 = madd(x1, k, a21);
        k = v128.load32_splat(w, 12);
        a30 = madd(x0, k, a30); a31 = madd(x1, k, a31);
        k = v128.load32_splat(w, 16);
        a40 = madd(x0, k, a40); a41 = madd(x1, k, a41);
        k = v128.load32_splat(w, 20);
        a50 = madd(x0, k, a50); a51 = madd(x1, k, a51);
        p0 += 4; p1 += 4; w += PLANAR_R << 2;
      }
    }
  }
  storeGroup6(d0, ldoBytes, n0, outs, relu, edge, a00, a10, a20, a30, a40, a50);
  if (n1 > 0) storeGroup6(d1, ldoBytes, n1, outs, relu, edge, a01, a11, a21, a31, a41, a51);
}

@inline function storeGroup1(dst: usize, ldoBytes: usize, lanes: i32, relu: bool, acc: v128): void {
  if (relu) acc = f32x4.max(acc, f32x4.splat(0));
  if (lanes == 4 && ldoBytes == 4) { v128.store(dst, acc); return; }
  if (lanes > 0) v128.store32_lane(dst, acc, 0);
  if (lanes > 1) v128.store32_lane(dst + ldoBytes, acc, 1);
  if (lanes > 2) v128.store32_lane(dst + 2 * ldoBytes, acc, 2);
  if (lanes > 3) v128.store32_lane(dst + 3 * ldoBytes, acc, 3);
}

/**
 * One output × eight groups, given as a table of (src, dst, lanes) triples (i32 each). Only kernel
 * rows kh0 .. kh1 run: the others read nothing but zero padding for every row of the tile (the
 * input gradient pads dy by KH − 1 rows above and below).
 */
function tile1x8(groups: usize, wp: usize, depth: i32, KH: i32, KW: i32, kh0: i32, kh1: i32, planeBytes: usize,
  tapRowBytes: usize, ldoBytes: usize, relu: bool): void {
  const s0 = <usize>load<i32>(groups), s1 = <usize>load<i32>(groups, 12), s2 = <usize>load<i32>(groups, 24);
  const s3 = <usize>load<i32>(groups, 36), s4 = <usize>load<i32>(groups, 48), s5 = <usize>load<i32>(groups, 60);
  const s6 = <usize>load<i32>(groups, 72), s7 = <usize>load<i32>(groups, 84);
  const b = v128.load32_splat(wp + (<usize>(depth * KH * KW) << 2));
  let a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
  for (let c = 0; c < depth; c++) {
    for (let kh = kh0; kh < kh1; kh++) {
      let o = <usize>c * planeBytes + <usize>kh * tapRowBytes;
      let w = wp + (<usize>((c * KH + kh) * KW) << 2);
      for (let kw = 0; kw < KW; kw++) {
        const k = v128.load32_splat(w);
        a0 = madd(v128.load(s0 + o), k, a0); a1 = madd(v128.load(s1 + o), k, a1);
        a2 = madd(v128.load(s2 + o), k, a2); a3 = madd(v128.load(s3 + o), k, a3);
        a4 = madd(v128.load(s4 + o), k, a4); a5 = madd(v128.load(s5 + o), k, a5);
        a6 = madd(v128.load(s6 + o), k, a6); a7 = madd(v128.load(s7 + o), k, a7);
        o += 4; w += 4;
      }
    }
  }
  storeGroup1(<usize>load<i32>(groups, 4), ldoBytes, load<i32>(groups, 8), relu, a0);
  storeGroup1(<usize>load<i32>(groups, 16), ldoBytes, load<i32>(groups, 20), relu, a1);
  storeGroup1(<usize>load<i32>(groups, 28), ldoBytes, load<i32>(groups, 32), relu, a2);
  storeGroup1(<usize>load<i32>(groups, 40), ldoBytes, load<i32>(groups, 44), relu, a3);
  storeGroup1(<usize>load<i32>(groups, 52), ldoBytes, load<i32>(groups, 56), relu, a4);
  storeGroup1(<usize>load<i32>(groups, 64), ldoBytes, load<i32>(groups, 68), relu, a5);
  storeGroup1(<usize>load<i32>(groups, 76), ldoBytes, load<i32>(groups, 80), relu, a6);
  storeGroup1(<usize>load<i32>(groups, 88), ldoBytes, load<i32>(groups, 92), relu, a7);
}

/**
 * One output × two rows × four groups (stride and dilation 1 only). The rows share their plane
 * rows: plane row ih + r feeds kernel row r of output row ih and kernel row r − 1 of row ih + 1,
 * so each loaded vector serves two accumulators (0.75 loads per multiply-add instead of 1.1 for
 * the 1 × 8 tile). s: the first tap of group 0 in row ih; groups are 16 bytes apart (one pointer,
 * constant offsets), and groups past `groups` read past the row (at most 15 floats: the slack)
 * and store nothing. Plane rows outside [z0, z1) are zero and skipped.
 */
function tile2x4(s: usize, groups: i32, lastLanes: i32, two: bool, ih: i32, z0: i32, z1: i32,
  d: usize, ldoBytes: usize, rowOutBytes: usize, wp: usize, depth: i32, KH: i32, KW: i32,
  planeBytes: usize, rowBytes: usize, relu: bool): void {
  const b = v128.load32_splat(wp + (<usize>(depth * KH * KW) << 2));
  let a0 = b, a1 = b, a2 = b, a3 = b, c0 = b, c1 = b, c2 = b, c3 = b;
  // Plane rows ih + r for r in [r0, r1): r < KH feeds row ih, r ≥ 1 feeds row ih + 1.
  const r0 = max(0, z0 - ih), r1 = min(two ? KH + 1 : KH, z1 - ih);
  for (let c = 0; c < depth; c++) {
    const plane = <usize>c * planeBytes;
    const wc = wp + (<usize>(c * KH * KW) << 2);
    for (let r = r0; r < r1; r++) {
      let o = plane + <usize>r * rowBytes;
      const top = r < KH, bottom = two && r >= 1;
      let w0 = wc + (<usize>(r * KW) << 2), w1 = w0 - (<usize>KW << 2);
      if (top && bottom) {
        for (let kw = 0; kw < KW; kw++, o += 4, w0 += 4, w1 += 4) {
          const k0 = v128.load32_splat(w0), k1 = v128.load32_splat(w1);
          const p = s + o;
          let x = v128.load(p); a0 = madd(x, k0, a0); c0 = madd(x, k1, c0);
          x = v128.load(p, 16); a1 = madd(x, k0, a1); c1 = madd(x, k1, c1);
          x = v128.load(p, 32); a2 = madd(x, k0, a2); c2 = madd(x, k1, c2);
          x = v128.load(p, 48); a3 = madd(x, k0, a3); c3 = madd(x, k1, c3);
        }
      } else if (top) {
        for (let kw = 0; kw < KW; kw++, o += 4, w0 += 4) {
          const k0 = v128.load32_splat(w0);
          const p = s + o;
          a0 = madd(v128.load(p), k0, a0); a1 = madd(v128.load(p, 16), k0, a1);
          a2 = madd(v128.load(p, 32), k0, a2); a3 = madd(v128.load(p, 48), k0, a3);
        }
      } else if (bottom) {
        for (let kw = 0; kw < KW; kw++, o += 4, w1 += 4) {
          const k1 = v128.load32_splat(w1);
          const p = s + o;
          c0 = madd(v128.load(p), k1, c0); c1 = madd(v128.load(p, 16), k1, c1);
          c2 = madd(v128.load(p, 32), k1, c2); c3 = madd(v128.load(p, 48), k1, c3);
        }
      }
    }
  }
  const n0 = laneCount(0, groups, lastLanes), n1 = laneCount(1, groups, lastLanes);
  const n2 = laneCount(2, groups, lastLanes), n3 = laneCount(3, groups, lastLanes);
  storeGroup1(d, ldoBytes, n0, relu, a0);
  storeGroup1(d + 4 * ldoBytes, ldoBytes, n1, relu, a1);
  storeGroup1(d + 8 * ldoBytes, ldoBytes, n2, relu, a2);
  storeGroup1(d + 12 * ldoBytes, ldoBytes, n3, relu, a3);
  if (!two) return;
  const e = d + rowOutBytes;
  storeGroup1(e, ldoBytes, n0, relu, c0);
  storeGroup1(e + 4 * ldoBytes, ldoBytes, n1, relu, c1);
  storeGroup1(e + 8 * ldoBytes, ldoBytes, n2, relu, c2);
  storeGroup1(e + 12 * ldoBytes, ldoBytes, n3, relu, c3);
}

/** Lanes group j of a run of `groups` stores: 4, the last one `lastLanes`, none past the run. */
@inline function laneCount(j: i32, groups: i32, lastLanes: i32): i32 {
  return j < groups - 1 ? 4 : j == groups - 1 ? lastLanes : 0;
}

/** Slots in the group table of a 1 × 8 tile: eight (src, dst, lanes) triples. */
const GROUP_TABLE_WORDS = 8 * 3;

/**
 * Runs the tiles over every output pixel of one image: `outs` outputs (channels oc0.. of an NHWC
 * output with ldo channels per pixel), OH × OW pixels reading planes at row step `sh` floats·pw.
 * Plane rows outside [z0, z1) are known to be zero padding.
 */
function planarImage(planes: usize, ph: i32, pw: i32, sh: i32, depth: i32, KH: i32, KW: i32, dh: i32,
  OH: i32, OW: i32, packed: usize, outs: i32, out: usize, ldo: i32, relu: bool, edge: usize, z0: i32, z1: i32): void {
  const planeBytes = <usize>(ph * pw) << 2, tapRowBytes = <usize>(dh * pw) << 2;
  const ldoBytes = <usize>ldo << 2;
  const groupsPerRow = (OW + 3) >> 2;
  const total = OH * groupsPerRow;
  if (outs == 1 && sh == 1 && dh == 1) {
    // Two output rows at a time, four groups of each.
    const rowOutBytes = <usize>OW * ldoBytes;
    for (let oh = 0; oh < OH; oh += 2) {
      const two = oh + 1 < OH;
      for (let ow = 0; ow < OW; ow += 16) {
        const groups = min(4, (OW - ow + 3) >> 2);
        const lastLanes = min(4, OW - ow - 4 * (groups - 1));
        tile2x4(planes + (<usize>(oh * pw + ow) << 2), groups, lastLanes, two, oh, z0, z1,
          out + <usize>(oh * OW + ow) * ldoBytes, ldoBytes, rowOutBytes, packed, depth, KH, KW,
          planeBytes, <usize>pw << 2, relu);
      }
    }
    return;
  }
  if (outs == 1) {
    // Table of eight groups per tile; groups past the image repeat the last one and store nothing.
    let oh = 0, ow = 0;
    for (let g = 0; g < total; g += 8) {
      const ohFirst = oh;
      for (let j = 0; j < 8; j++) {
        const slot = edge + (<usize>(j * 3) << 2);
        if (g + j < total) {
          store<i32>(slot, <i32>(planes + (<usize>(oh * sh * pw + ow) << 2)));
          store<i32>(slot, <i32>(out + <usize>(oh * OW + ow) * ldoBytes), 4);
          store<i32>(slot, min(4, OW - ow), 8);
          ow += 4;
          if (ow >= OW) { ow = 0; oh++; }
        } else {
          store<i32>(slot, <i32>planes);
          store<i32>(slot, <i32>out, 4);
          store<i32>(slot, 0, 8);
        }
      }
      const ohLast = min(ow == 0 ? oh - 1 : oh, OH - 1);
      // Kernel rows that reach a nonzero plane row for some output row of the tile.
      const kh0 = max(0, (z0 - ohLast * sh + dh - 1) / dh);
      const kh1 = min(KH, (z1 - 1 - ohFirst * sh) / dh + 1);
      tile1x8(edge, packed, depth, KH, KW, kh0, max(kh0, kh1), planeBytes, tapRowBytes, ldoBytes, relu);
    }
    return;
  }
  const chunkFloats = depth * KH * KW * PLANAR_R + PLANAR_R;
  for (let oc0 = 0; oc0 < outs; oc0 += PLANAR_R) {
    const wp = at(packed, (oc0 / PLANAR_R) * chunkFloats);
    const valid = min(PLANAR_R, outs - oc0);
    let oh = 0, ow = 0;
    for (let g = 0; g < total; g += 2) {
      const s0 = planes + (<usize>(oh * sh * pw + ow) << 2);
      const d0 = out + <usize>(oh * OW + ow) * ldoBytes + (<usize>oc0 << 2);
      const n0 = min(4, OW - ow);
      ow += 4;
      if (ow >= OW) { ow = 0; oh++; }
      let s1 = s0, d1 = d0, n1 = 0;
      if (g + 1 < total) {
        s1 = planes + (<usize>(oh * sh * pw + ow) << 2);
        d1 = out + <usize>(oh * OW + ow) * ldoBytes + (<usize>oc0 << 2);
        n1 = min(4, OW - ow);
        ow += 4;
        if (ow >= OW) { ow = 0; oh++; }
      }
      tile6x2(s0, d0, n0, s1, d1, n1, wp, depth, KH, KW, planeBytes, tapRowBytes, ldoBytes, valid, relu, edge);
    }
  }
}

/** Packed weights of chunk-major layout: [chunk][depth][KH·KW][R] then R biases per chunk. The
 *  value of (output o, plane c, tap t) is read at src + (o·so + c·sc + t·st)·4 (taps may run backwards). */
function packPlanar(src: usize, outs: i32, depth: i32, taps: i32, so: i32, sc: i32, st: i32, t0: i32,
  bias: usize, dst: usize): void {
  const R = chunkSize(outs);
  let d = dst;
  for (let o0 = 0; o0 < outs; o0 += R) {
    for (let c = 0; c < depth; c++) {
      for (let t = 0; t < taps; t++) {
        for (let r = 0; r < R; r++) {
          const o = o0 + r;
          store<f32>(d, o < outs ? load<f32>(at(src, o * so + c * sc + (t0 + t * st))) : 0);
          d += 4;
        }
      }
    }
    for (let r = 0; r < R; r++) {
      store<f32>(d, bias && o0 + r < outs ? load<f32>(at(bias, o0 + r)) : 0);
      d += 4;
    }
  }
}

// ---- the kernels --------------------------------------------------------------------------------------

/** Scratch floats of planarForward: packed weights | planes + slack | edge (24 floats + table). */
export function planarForwardScratchFloats(geom: usize): i32 {
  const C = word(geom, CONV_C), OC = word(geom, CONV_OC);
  return packedFloats(OC, C, word(geom, CONV_KH) * word(geom, CONV_KW)) +
    C * forwardPlaneH(geom) * forwardPlaneW(geom) + PLANAR_SLACK + GROUP_TABLE_WORDS;
}

export function planarForward(geom: usize, x: usize, w: usize, bias: usize, y: usize, scratch: usize): void {
  const N = word(geom, CONV_N), H = word(geom, CONV_H), W = word(geom, CONV_W), C = word(geom, CONV_C);
  const OC = word(geom, CONV_OC), KH = word(geom, CONV_KH), KW = word(geom, CONV_KW);
  const OH = word(geom, CONV_OH), OW = word(geom, CONV_OW);
  const relu = (word(geom, CONV_FLAGS) & CONV_FLAG_RELU) != 0;
  const taps = KH * KW;
  const ph = forwardPlaneH(geom), pw = forwardPlaneW(geom);
  const packed = scratch;
  const planes = at(packed, packedFloats(OC, C, taps));
  const edge = at(planes, C * ph * pw + PLANAR_SLACK);
  // (o, c, t) of OHWI: o·taps·C + t·C + c.
  packPlanar(w, OC, C, taps, taps * C, 1, C, 0, bias, packed);
  for (let n = 0; n < N; n++) {
    toPlanes(x + (<usize>(n * H * W * C) << 2), H, W, C, 0, C, word(geom, CONV_PAD_T), word(geom, CONV_PAD_L), planes, ph, pw, pw);
    const pt = word(geom, CONV_PAD_T);
    planarImage(planes, ph, pw, word(geom, CONV_SH), C, KH, KW, word(geom, CONV_DH), OH, OW, packed, OC,
      y + (<usize>(n * OH * OW * OC) << 2), OC, relu, edge, pt, pt + H);
  }
}

/** Scratch floats of planarInputGrad: packed flipped weights | dy planes + slack | edge. */
export function planarInputGradScratchFloats(geom: usize): i32 {
  const C = word(geom, CONV_C), OC = word(geom, CONV_OC), KH = word(geom, CONV_KH), KW = word(geom, CONV_KW);
  return packedFloats(C, OC, KH * KW) + OC * (word(geom, CONV_H) + KH - 1) * (word(geom, CONV_W) + KW - 1) +
    PLANAR_SLACK + GROUP_TABLE_WORDS;
}

/**
 * dx as a stride-1 convolution of dy, zero-padded by (KH − 1 − padTop, KW − 1 − padLeft), with the
 * filter flipped and its input and output channels swapped: every dx pixel is written once.
 */
export function planarInputGrad(geom: usize, dy: usize, w: usize, dx: usize, scratch: usize): void {
  const N = word(geom, CONV_N), H = word(geom, CONV_H), W = word(geom, CONV_W), C = word(geom, CONV_C);
  const OC = word(geom, CONV_OC), KH = word(geom, CONV_KH), KW = word(geom, CONV_KW);
  const OH = word(geom, CONV_OH), OW = word(geom, CONV_OW);
  const taps = KH * KW;
  const ph = H + KH - 1, pw = W + KW - 1;
  const packed = scratch;
  const planes = at(packed, packedFloats(C, OC, taps));
  const edge = at(planes, OC * ph * pw + PLANAR_SLACK);
  // Output c, plane oc, tap t = (a, b) reads w[oc][KH−1−a][KW−1−b][c]: the taps run backwards.
  packPlanar(w, C, OC, taps, 1, taps * C, -C, (taps - 1) * C, 0, packed);
  for (let n = 0; n < N; n++) {
    toPlanes(dy + (<usize>(n * OH * OW * OC) << 2), OH, OW, OC, 0, OC, KH - 1 - word(geom, CONV_PAD_T),
      KW - 1 - word(geom, CONV_PAD_L), planes, ph, pw, pw);
    const top = KH - 1 - word(geom, CONV_PAD_T);
    planarImage(planes, ph, pw, 1, OC, KH, KW, 1, H, W, packed, C, dx + (<usize>(n * H * W * C) << 2), C, false, edge,
      top, top + OH);
  }
}

/** Floats of dy in the filter gradient's group-major layout: per output row, per group of four
 *  pixels, the channels (padded to a multiple of six) as vectors of four pixels. */
@inline function dyGroupFloats(geom: usize): i32 {
  return word(geom, CONV_OH) * ((word(geom, CONV_OW) + 3) >> 2) * roundUp(word(geom, CONV_OC), PLANAR_R) * 4;
}

/** Filter gradient: one to three input channels, horizontal stride and dilation 1. */
export function planarFilterGradEligible(geom: usize): bool {
  const C = word(geom, CONV_C);
  return rowStepOne(geom) && C <= 3 &&
    C * forwardPlaneH(geom) * forwardPlaneW(geom) + dyGroupFloats(geom) <= PLANAR_MAX_PLANE_FLOATS;
}

/** Scratch floats of planarFilterGrad: x planes + slack | dy, group-major | vector accumulators
 *  [chunk][tap pair · 2][6] · 4 | tap offsets. */
export function planarFilterGradScratchFloats(geom: usize): i32 {
  const C = word(geom, CONV_C), OC = word(geom, CONV_OC);
  const taps = C * word(geom, CONV_KH) * word(geom, CONV_KW);
  return C * forwardPlaneH(geom) * forwardPlaneW(geom) + PLANAR_SLACK + dyGroupFloats(geom) +
    roundUp(OC, PLANAR_R) * roundUp(taps, 2) * 4 + roundUp(taps, 2);
}

/**
 * dy of one NHWC image in group-major order: for each row and group of four pixels, ocPad vectors
 * (channel c's four pixels at c·16 bytes), zero past the row's end and past OC. The six vectors a
 * tile reads for a group are then one pointer with constant offsets.
 */
function toGroups(img: usize, OH: i32, OW: i32, OC: i32, ocPad: i32, dst: usize): void {
  const pxBytes = <usize>OC << 2;
  let d = dst;
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow += 4, d += <usize>ocPad << 4) {
      const src = img + (<usize>(oh * OW + ow) * pxBytes);
      if (ow + 4 <= OW && OC >= 4) {
        for (let c = 0; c < OC; c += 4) {
          const cc = min(c, OC - 4);
          const o = <usize>cc << 2;
          const v0 = v128.load(src + o), v1 = v128.load(src + pxBytes + o);
          const v2 = v128.load(src + 2 * pxBytes + o), v3 = v128.load(src + 3 * pxBytes + o);
          const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5), t1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
          const t2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5), t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
          const b = d + (<usize>cc << 4);
          v128.store(b, i64x2.shuffle(t0, t2, 0, 2));
          v128.store(b, i64x2.shuffle(t0, t2, 1, 3), 16);
          v128.store(b, i64x2.shuffle(t1, t3, 0, 2), 32);
          v128.store(b, i64x2.shuffle(t1, t3, 1, 3), 48);
        }
        zeroFloats(d + (<usize>OC << 4), (ocPad - OC) * 4);
      } else {
        const lanes = min(4, OW - ow);
        for (let c = 0; c < ocPad; c++) {
          for (let p = 0; p < 4; p++) {
            store<f32>(d + (<usize>(c * 4 + p) << 2), p < lanes && c < OC ? load<f32>(src + <usize>p * pxBytes + (<usize>c << 2)) : 0);
          }
        }
      }
    }
  }
}

/**
 * dw[oc][tap] = Σ over pixels of dy[pixel][oc] · x[tap of pixel], four pixels of a row per vector:
 * accumulators for 6 outputs × 2 taps stay in registers over a whole image (x planes and dy in
 * L1), then go back to a per-(output, tap) vector in scratch; lanes are summed at the very end.
 */
export function planarFilterGrad(geom: usize, x: usize, dy: usize, dw: usize, scratch: usize): void {
  const N = word(geom, CONV_N), H = word(geom, CONV_H), W = word(geom, CONV_W), C = word(geom, CONV_C);
  const OC = word(geom, CONV_OC), KH = word(geom, CONV_KH), KW = word(geom, CONV_KW);
  const OH = word(geom, CONV_OH), OW = word(geom, CONV_OW), sh = word(geom, CONV_SH), dh = word(geom, CONV_DH);
  const taps = C * KH * KW, pairs = (taps + 1) >> 1;
  const ph = forwardPlaneH(geom), pw = forwardPlaneW(geom);
  const groupsPerRow = (OW + 3) >> 2, ocPad = roundUp(OC, PLANAR_R);
  const groupBytes = <usize>ocPad << 4;
  const planes = scratch;
  const dyG = at(planes, C * ph * pw + PLANAR_SLACK);
  const accs = at(dyG, dyGroupFloats(geom));
  const chunks = ocPad / PLANAR_R;
  const offs = at(accs, chunks * pairs * 2 * PLANAR_R * 4);
  const z = f32x4.splat(0);
  for (let i = 0; i < chunks * pairs * 2 * PLANAR_R; i++) v128.store(at(accs, i * 4), z);
  // Tap t (in the dw order kh, kw, c) reads the planes at this byte offset from a pixel's corner.
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      for (let c = 0; c < C; c++) store<i32>(at(offs, (kh * KW + kw) * C + c), ((c * ph + kh * dh) * pw + kw) << 2);
    }
  }
  if (taps & 1) store<i32>(at(offs, taps), 0); // the odd tap's partner: tap 0 again, discarded
  // Lanes past the row's end in the last group: x is masked there (dy is zero there too, but x
  // may hold an infinity from the next row, and 0 · ∞ would be NaN).
  const tailLanes = OW & 3;
  let tailMask = i32x4.splat(0);
  if (tailLanes > 0) tailMask = i32x4.replace_lane(tailMask, 0, -1);
  if (tailLanes > 1) tailMask = i32x4.replace_lane(tailMask, 1, -1);
  if (tailLanes > 2) tailMask = i32x4.replace_lane(tailMask, 2, -1);
  const fullGroups = OW >> 2;
  for (let n = 0; n < N; n++) {
    toPlanes(x + (<usize>(n * H * W * C) << 2), H, W, C, 0, C, word(geom, CONV_PAD_T), word(geom, CONV_PAD_L), planes, ph, pw, pw);
    toGroups(dy + (<usize>(n * OH * OW * OC) << 2), OH, OW, OC, ocPad, dyG);
    for (let ch = 0; ch < chunks; ch++) {
      for (let pr = 0; pr < pairs; pr++) {
        const acc = at(accs, ((ch * pairs + pr) * 2 * PLANAR_R) * 4);
        let a00 = v128.load(acc), a10 = v128.load(acc, 16), a20 = v128.load(acc, 32);
        let a30 = v128.load(acc, 48), a40 = v128.load(acc, 64), a50 = v128.load(acc, 80);
        let a01 = v128.load(acc, 96), a11 = v128.load(acc, 112), a21 = v128.load(acc, 128);
        let a31 = v128.load(acc, 144), a41 = v128.load(acc, 160), a51 = v128.load(acc, 176);
        const o0 = <usize>load<i32>(at(offs, 2 * pr)), o1 = <usize>load<i32>(at(offs, 2 * pr + 1));
        let q = dyG + (<usize>(ch * PLANAR_R) << 4);
        for (let oh = 0; oh < OH; oh++) {
          let px = planes + (<usize>(oh * sh * pw) << 2);
          for (let g = 0; g < groupsPerRow; g++, px += 16, q += groupBytes) {
            let x0 = v128.load(px + o0), x1 = v128.load(px + o1);
            if (g == fullGroups) { x0 = v128.and(x0, tailMask); x1 = v128.and(x1, tailMask); }
            let d = v128.load(q);
            a00 = madd(d, x0, a00); a01 = madd(d, x1, a01);
            d = v128.load(q, 16);
            a10 = madd(d, x0, a10); a11 = madd(d, x1, a11);
            d = v128.load(q, 32);
            a20 = madd(d, x0, a20); a21 = madd(d, x1, a21);
            d = v128.load(q, 48);
            a30 = madd(d, x0, a30); a31 = madd(d, x1, a31);
            d = v128.load(q, 64);
            a40 = madd(d, x0, a40); a41 = madd(d, x1, a41);
            d = v128.load(q, 80);
            a50 = madd(d, x0, a50); a51 = madd(d, x1, a51);
          }
        }
        v128.store(acc, a00); v128.store(acc, a10, 16); v128.store(acc, a20, 32);
        v128.store(acc, a30, 48); v128.store(acc, a40, 64); v128.store(acc, a50, 80);
        v128.store(acc, a01, 96); v128.store(acc, a11, 112); v128.store(acc, a21, 128);
        v128.store(acc, a31, 144); v128.store(acc, a41, 160); v128.store(acc, a51, 176);
      }
    }
  }
  for (let oc = 0; oc < OC; oc++) {
    const ch = oc / PLANAR_R, r = oc % PLANAR_R;
    for (let t = 0; t < taps; t++) {
      const v = v128.load(at(accs, ((ch * pairs + (t >> 1)) * 2 * PLANAR_R + (t & 1) * PLANAR_R + r) * 4));
      const s = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
      store<f32>(at(dw, oc * taps + t), f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1));
    }
  }
}
