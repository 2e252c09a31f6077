// Convolutions (kernels.ts, "convolution"): NHWC activations, OHWI filters, CONV_* geometry.
//
// All three are GEMMs over output pixels: rows = N·OH·OW pixels, K = KH·KW·cinG taps per group.
//   forward:        Y_g[rows × coutG]  = Xcol_g[rows × K] · W_gᵀ           (+ bias, ReLU)
//   backward input: dXcol_g[rows × K]  = dY_g[rows × coutG] · W_g, then col2im (scatter-add)
//   backward filter: dW_g[coutG × K]  = Σ over row blocks of dY_gᵀ · Xcol_g
// Xcol is never materialised whole: im2col fills a bounded block of rows in scratch, so scratch
// does not grow with the image. The filter is packed once per group (the only part that grows
// with the layer). 1×1 stride-1 unpadded convolutions read X (or write dX) in place. Depthwise
// convolutions (one input and one output channel per group) are too thin for a GEMM and run their
// own kernels with SIMD across channels (conv-depthwise.ts).
//
// Scratch layout (src/backend/scratch.ts mirrors it), in floats:
//   forward:         packed W [K·⌈coutG⌉₈] | padded bias [⌈coutG⌉₈] | col [MC·K] | packed A [MC·KC] | edge
//   backward input:  packed W [coutG·⌈K⌉₈] | col [MC·K] | packed A [MC·KC] | edge
//   backward filter: col [KC·K] | gemm scratch for n = K
//   depthwise:       packed W or dW accumulator [KH·KW·C]
import {
  word, CONV_N, CONV_H, CONV_W, CONV_C, CONV_OC, CONV_KH, CONV_KW, CONV_SH, CONV_SW, CONV_PAD_T,
  CONV_PAD_L, CONV_DH, CONV_DW, CONV_GROUPS, CONV_OH, CONV_OW, CONV_FLAGS, CONV_FLAG_RELU,
} from "../geometry";
import { NR, KC, MC, EPI_RELU, roundUp, packBAll, gemmPackedB, gemmEx } from "./conv-gemm-core";
import { depthwiseForward, depthwiseBackwardInput, depthwiseBackwardFilter } from "./conv-depthwise";

@inline function isDepthwise(geom: usize): bool {
  const g = word(geom, CONV_GROUPS);
  return word(geom, CONV_C) == g && word(geom, CONV_OC) == g;
}

/** A 1×1, stride-1, unpadded conv whose output grid is its input grid: Xcol is X itself. */
@inline function isPointwise(geom: usize): bool {
  return word(geom, CONV_KH) == 1 && word(geom, CONV_KW) == 1 && word(geom, CONV_SH) == 1 &&
    word(geom, CONV_SW) == 1 && word(geom, CONV_PAD_T) == 0 && word(geom, CONV_PAD_L) == 0 &&
    word(geom, CONV_OH) == word(geom, CONV_H) && word(geom, CONV_OW) == word(geom, CONV_W);
}

@inline function floatsAt(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

function zeroFloats(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(floatsAt(dst, i), z);
  for (; i < n; i++) store<f32>(floatsAt(dst, i), 0);
}

function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(floatsAt(dst, i), v128.load(floatsAt(src, i)));
  for (; i < n; i++) store<f32>(floatsAt(dst, i), load<f32>(floatsAt(src, i)));
}

function addFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = floatsAt(dst, i);
    v128.store(p, f32x4.add(v128.load(p), v128.load(floatsAt(src, i))));
  }
  for (; i < n; i++) {
    const p = floatsAt(dst, i);
    store<f32>(p, load<f32>(p) + load<f32>(floatsAt(src, i)));
  }
}

/**
 * Walks the taps of output pixels r0 .. r0+rows for group g, pairing each run of cinG col floats
 * with its input pixel: scatter = 0 copies X into col (im2col, zeros for taps off the image),
 * scatter = 1 adds col into X (col2im; taps off the image are dropped).
 */
function im2colRows(geom: usize, x: usize, g: i32, r0: i32, rows: i32, col: usize, scatter: bool): void {
  const H = word(geom, CONV_H), W = word(geom, CONV_W), C = word(geom, CONV_C);
  const KH = word(geom, CONV_KH), KW = word(geom, CONV_KW);
  const sh = word(geom, CONV_SH), sw = word(geom, CONV_SW);
  const pt = word(geom, CONV_PAD_T), pl = word(geom, CONV_PAD_L);
  const dh = word(geom, CONV_DH), dw = word(geom, CONV_DW);
  const OH = word(geom, CONV_OH), OW = word(geom, CONV_OW);
  const cinG = C / word(geom, CONV_GROUPS);
  let ow = r0 % OW, oh = (r0 / OW) % OH, n = r0 / (OW * OH);
  let out = col;
  for (let i = 0; i < rows; i++) {
    const img = x + ((<usize>n * H * W * C + <usize>(g * cinG)) << 2);
    const ih0 = oh * sh - pt, iw0 = ow * sw - pl;
    for (let kh = 0; kh < KH; kh++) {
      const ih = ih0 + kh * dh;
      if (<u32>ih >= <u32>H) {
        if (!scatter) zeroFloats(out, KW * cinG);
        out += <usize>(KW * cinG) << 2;
        continue;
      }
      const rowPtr = img + (<usize>ih * W * C << 2);
      for (let kw = 0; kw < KW; kw++) {
        const iw = iw0 + kw * dw;
        if (<u32>iw < <u32>W) {
          const px = rowPtr + (<usize>iw * C << 2);
          if (scatter) addFloats(px, out, cinG);
          else if (cinG == 1) store<f32>(out, load<f32>(px));
          else copyFloats(out, px, cinG);
        } else if (!scatter) {
          zeroFloats(out, cinG);
        }
        out += <usize>cinG << 2;
      }
    }
    if (++ow == OW) { ow = 0; if (++oh == OH) { oh = 0; n++; } }
  }
}

export function conv2dForward(geom: usize, x: usize, w: usize, bias: usize, y: usize, scratch: usize): void {
  const M = word(geom, CONV_N) * word(geom, CONV_OH) * word(geom, CONV_OW);
  const OC = word(geom, CONV_OC);
  if (M <= 0 || OC <= 0) return;
  if (isDepthwise(geom)) { depthwiseForward(geom, x, w, bias, y, scratch); return; }
  const C = word(geom, CONV_C), G = word(geom, CONV_GROUPS);
  const cinG = C / G, coutG = OC / G;
  const K = word(geom, CONV_KH) * word(geom, CONV_KW) * cinG;
  const flags = word(geom, CONV_FLAGS) & CONV_FLAG_RELU ? EPI_RELU : 0;
  const pointwise = isPointwise(geom);
  const ncPad = roundUp(coutG, NR);
  const wp = scratch;
  const bp = floatsAt(wp, K * ncPad);
  const col = floatsAt(bp, ncPad);
  const ap = floatsAt(col, MC * K);
  const edge = floatsAt(ap, MC * KC);
  for (let g = 0; g < G; g++) {
    // op(B) = W_gᵀ: row oc of the OHWI filter is column oc of B.
    packBAll(1, floatsAt(w, g * coutG * K), K, K, coutG, wp);
    // The epilogue reads bias a whole register tile wide: pad it with zeros to NR.
    if (bias) {
      zeroFloats(bp, ncPad);
      copyFloats(bp, floatsAt(bias, g * coutG), coutG);
    }
    for (let r0 = 0; r0 < M; r0 += MC) {
      const rows = min(MC, M - r0);
      let a = col, lda = K;
      if (pointwise) { a = floatsAt(x, r0 * C + g * cinG); lda = C; }
      else im2colRows(geom, x, g, r0, rows, col, false);
      gemmPackedB(a, lda, rows, coutG, K, wp, floatsAt(y, r0 * OC + g * coutG), OC, 0,
        bias ? bp : 0, flags, ap, edge);
    }
  }
}

export function conv2dBackwardInput(geom: usize, dy: usize, w: usize, dx: usize, scratch: usize): void {
  const N = word(geom, CONV_N), C = word(geom, CONV_C), OC = word(geom, CONV_OC);
  const M = N * word(geom, CONV_OH) * word(geom, CONV_OW);
  const pointwise = isPointwise(geom) && !isDepthwise(geom);
  // Taps that no output reaches (stride past the kernel, bottom/right rows) get zero.
  if (!pointwise) zeroFloats(dx, N * word(geom, CONV_H) * word(geom, CONV_W) * C);
  if (M <= 0 || OC <= 0) return;
  if (isDepthwise(geom)) { depthwiseBackwardInput(geom, dy, w, dx, scratch); return; }
  const G = word(geom, CONV_GROUPS);
  const cinG = C / G, coutG = OC / G;
  const K = word(geom, CONV_KH) * word(geom, CONV_KW) * cinG;
  const wp = scratch;
  const col = floatsAt(wp, coutG * roundUp(K, NR));
  const ap = floatsAt(col, MC * K);
  const edge = floatsAt(ap, MC * KC);
  for (let g = 0; g < G; g++) {
    // B = W_g as stored: coutG rows of K taps.
    packBAll(0, floatsAt(w, g * coutG * K), K, coutG, K, wp);
    for (let r0 = 0; r0 < M; r0 += MC) {
      const rows = min(MC, M - r0);
      const a = floatsAt(dy, r0 * OC + g * coutG);
      if (pointwise) {
        gemmPackedB(a, OC, rows, K, coutG, wp, floatsAt(dx, r0 * C + g * cinG), C, 0, 0, 0, ap, edge);
      } else {
        gemmPackedB(a, OC, rows, K, coutG, wp, col, K, 0, 0, 0, ap, edge);
        im2colRows(geom, dx, g, r0, rows, col, true);
      }
    }
  }
}

export function conv2dBackwardFilter(geom: usize, x: usize, dy: usize, dw: usize, scratch: usize): void {
  const C = word(geom, CONV_C), OC = word(geom, CONV_OC), G = word(geom, CONV_GROUPS);
  const M = word(geom, CONV_N) * word(geom, CONV_OH) * word(geom, CONV_OW);
  const cinG = C / G, coutG = OC / G;
  const K = word(geom, CONV_KH) * word(geom, CONV_KW) * cinG;
  if (M <= 0) { zeroFloats(dw, OC * K); return; }
  if (isDepthwise(geom)) { depthwiseBackwardFilter(geom, x, dy, dw, scratch); return; }
  const pointwise = isPointwise(geom);
  const col = scratch;
  const gs = floatsAt(col, KC * K);
  for (let g = 0; g < G; g++) {
    // KC rows per block: one full k slice of the GEMM, whose depth is the pixel count.
    for (let r0 = 0; r0 < M; r0 += KC) {
      const rows = min(KC, M - r0);
      let b = col, ldb = K;
      if (pointwise) { b = floatsAt(x, r0 * C + g * cinG); ldb = C; }
      else im2colRows(geom, x, g, r0, rows, col, false);
      gemmEx(1, 0, coutG, K, rows, 1, floatsAt(dy, r0 * OC + g * coutG), OC, b, ldb,
        r0 == 0 ? 0 : 1, floatsAt(dw, g * coutG * K), K, 0, 0, gs);
    }
  }
}
