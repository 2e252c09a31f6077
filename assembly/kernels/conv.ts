// Convolutions (kernels.ts, "convolution"): NHWC activations, OHWI filters, CONV_* geometry.
//
// All three are GEMMs over output pixels: rows = N·OH·OW pixels, K = KH·KW·cinG taps per group.
//   forward:        Y_g[rows × coutG]  = Xcol_g[rows × K] · W_gᵀ           (+ bias, ReLU)
//   backward input: dXcol_g[rows × K]  = dY_g[rows × coutG] · W_g, then col2im (scatter-add)
//   backward filter: dW_g[coutG × K]  = Σ over row blocks of dY_gᵀ · Xcol_g
// Xcol is never materialised whole: im2col fills a bounded block of rows in scratch, so scratch
// does not grow with the image. The filter is packed once per group (the only part that grows
// with the layer). Forward reads X in place wherever a pixel's window lies on the image (an
// implicit GEMM through a table of tap offsets); the backward kernels do so for 1×1 stride-1
// unpadded convolutions. Depthwise convolutions (one input and one output channel per group) are
// too thin for a GEMM and run their own kernels with SIMD across channels (conv-depthwise.ts);
// convolutions with one to three input channels (a first layer) run direct kernels with SIMD
// across pixels (conv-planar.ts, which lists where each of its paths is taken).
//
// The forward's packed filter: per group, ⌈coutG / NR⌉ panels of NR output channels by all K
// taps (K·NR floats each, zero past coutG). Panel-major, so the panels of output channels
// [o0, o1) with o0 a multiple of NR start at o0·K floats, as their rows do in the OHWI filter: a
// sub-geometry of those channels reads its own packed filter there. conv2dPackFilter writes it
// once for callers that keep it (the ops cache it beside the weights) and CONV_FLAG_PACKED says
// the filter argument is it; otherwise the forward packs into scratch on every call.
//
// Scratch layout (src/backend/scratch.ts mirrors it), in floats:
//   forward:         packed W [K·⌈coutG⌉₈] (not with CONV_FLAG_PACKED) | padded bias [⌈coutG⌉₈]
//                    | col [MC·K] | tap offsets [K] | linear offsets [K] | row pointers [MC]
//                    + tile modes [MC] | edge
//   backward input:  packed W [coutG·⌈K⌉₈] | col [MC·K] | packed A [MC·KC] | edge
//   backward filter: col [rows·K], rows = max(16, min(KC, 2²⁰ / K)) | gemm scratch for n = K;
//                    over many images, first the parts' partial blocks and a geometry block
//   depthwise:       packed W or dW accumulator [KH·KW·C]
//   planar:          see conv-planar.ts (one image's padded planes and the packed filter)
import {
  word, CONV_N, CONV_H, CONV_W, CONV_C, CONV_OC, CONV_KH, CONV_KW, CONV_SH, CONV_SW, CONV_PAD_T,
  CONV_PAD_L, CONV_DH, CONV_DW, CONV_GROUPS, CONV_OH, CONV_OW, CONV_FLAGS, CONV_FLAG_RELU, CONV_FLAG_PACKED,
  CONV_FLAG_ONE_PART, CONV_WORDS,
} from "../geometry";
import { MR, NR, KC, MC, EPI_RELU, roundUp, packB, packBAll, gemmPackedB, gemmEx, tileOffsets } from "./conv-gemm-core";
import { depthwiseForward, depthwiseBackwardInput, depthwiseBackwardFilter } from "./conv-depthwise";
import {
  planarForwardEligible, planarInputGradEligible, planarFilterGradEligible, planarForward, planarInputGrad,
  planarFilterGrad,
} from "./conv-planar";

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

/** copyFloats for a run that may overlap: for n ≥ 4 the tail is one vector ending at the run's
 *  end (rewriting a few floats with the same values), so short runs cost two or three moves. */
@inline function copyRun(dst: usize, src: usize, n: i32): void {
  if (n < 4) {
    for (let i = 0; i < n; i++) store<f32>(floatsAt(dst, i), load<f32>(floatsAt(src, i)));
    return;
  }
  const last = v128.load(floatsAt(src, n - 4));
  for (let i = 0; i < n - 4; i += 4) v128.store(floatsAt(dst, i), v128.load(floatsAt(src, i)));
  v128.store(floatsAt(dst, n - 4), last);
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
  const contiguousRows = dw == 1 && cinG == C;
  const run = KW * C;
  const rowStep = <usize>(dh * W * C) << 2;
  let ow = r0 % OW, oh = (r0 / OW) % OH, n = r0 / (OW * OH);
  let out = col;
  for (let i = 0; i < rows; i++) {
    const img = x + ((<usize>n * H * W * C + <usize>(g * cinG)) << 2);
    const ih0 = oh * sh - pt, iw0 = ow * sw - pl;
    if (contiguousRows && ih0 >= 0 && ih0 + (KH - 1) * dh < H && iw0 >= 0 && iw0 + KW <= W) {
      // The window lies on the image and each kernel row is one run of KW·C floats: no
      // per-tap tests, which dominate when C is tiny (LeNet's first layer has 5-float runs).
      let src = img + ((<usize>ih0 * W + iw0) * C << 2);
      for (let kh = 0; kh < KH; kh++) {
        if (scatter) addFloats(src, out, run);
        else copyRun(out, src, run);
        src += rowStep;
        out += <usize>run << 2;
      }
      if (++ow == OW) { ow = 0; if (++oh == OH) { oh = 0; n++; } }
      continue;
    }
    for (let kh = 0; kh < KH; kh++) {
      const ih = ih0 + kh * dh;
      if (<u32>ih >= <u32>H) {
        if (!scatter) zeroFloats(out, KW * cinG);
        out += <usize>(KW * cinG) << 2;
        continue;
      }
      const rowPtr = img + (<usize>ih * W * C << 2);
      if (dw == 1 && iw0 >= 0 && iw0 + KW <= W) {
        // The whole kernel row is on the image: one contiguous run of KW·cinG floats (it matters
        // when cinG is tiny, as in LeNet's first layer).
        const px = rowPtr + (<usize>iw0 * C << 2);
        if (cinG == C) {
          if (scatter) addFloats(px, out, KW * cinG);
          else copyRun(out, px, KW * cinG);
          out += <usize>(KW * cinG) << 2;
          continue;
        }
      }
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

/** Does output pixel q's whole window lie on the image? Then it is read in place. */
@inline function windowInside(geom: usize, q: i32): bool {
  const OW = word(geom, CONV_OW), OH = word(geom, CONV_OH);
  const ih = (q / OW) % OH * word(geom, CONV_SH) - word(geom, CONV_PAD_T);
  const iw = q % OW * word(geom, CONV_SW) - word(geom, CONV_PAD_L);
  return ih >= 0 && ih + (word(geom, CONV_KH) - 1) * word(geom, CONV_DH) < word(geom, CONV_H) &&
    iw >= 0 && iw + (word(geom, CONV_KW) - 1) * word(geom, CONV_DW) < word(geom, CONV_W);
}

/** Address of the top-left tap of output pixel q's window (valid when windowInside). */
@inline function windowCorner(geom: usize, x: usize, q: i32, c0: i32): usize {
  const OW = word(geom, CONV_OW), OH = word(geom, CONV_OH);
  const H = word(geom, CONV_H), W = word(geom, CONV_W), C = word(geom, CONV_C);
  const ih = (q / OW) % OH * word(geom, CONV_SH) - word(geom, CONV_PAD_T);
  const iw = q % OW * word(geom, CONV_SW) - word(geom, CONV_PAD_L);
  const n = q / (OW * OH);
  return x + (((<usize>(n * H + ih) * W + iw) * C + c0) << 2);
}

/**
 * Forward as an implicit GEMM: a tile of MR output pixels whose windows lie on the image reads X
 * in place (row pointers at the window corners, a table of tap offsets); a tile touching the
 * padding is im2col'd (zeros for the taps off the image) and read with a linear table.
 */
/** Bytes of the packed filter (see the top of this file), or 0 where the forward reads the filter
 *  as stored (depthwise and few-channel convolutions: their own kernels, small filters). */
export function conv2dPackedFilterBytes(geom: usize): i32 {
  if (isDepthwise(geom) || planarForwardEligible(geom)) return 0;
  const G = word(geom, CONV_GROUPS);
  const K = word(geom, CONV_KH) * word(geom, CONV_KW) * (word(geom, CONV_C) / G);
  return G * K * roundUp(word(geom, CONV_OC) / G, NR) << 2;
}

/** Writes the forward's packed filter for this geometry (conv2dPackedFilterBytes bytes) to dst. */
export function conv2dPackFilter(geom: usize, w: usize, dst: usize): void {
  const G = word(geom, CONV_GROUPS), coutG = word(geom, CONV_OC) / G;
  const K = word(geom, CONV_KH) * word(geom, CONV_KW) * (word(geom, CONV_C) / G);
  for (let g = 0; g < G; g++) {
    // op(B) = W_gᵀ: row oc of the OHWI filter is column oc of B.
    packB(1, floatsAt(w, g * coutG * K), K, 0, K, 0, coutG, floatsAt(dst, g * K * roundUp(coutG, NR)));
  }
}

export function conv2dForward(geom: usize, x: usize, w: usize, bias: usize, y: usize, scratch: usize): void {
  const M = word(geom, CONV_N) * word(geom, CONV_OH) * word(geom, CONV_OW);
  const OC = word(geom, CONV_OC);
  if (M <= 0 || OC <= 0) return;
  if (isDepthwise(geom)) { depthwiseForward(geom, x, w, bias, y, scratch); return; }
  // A packed filter takes the GEMM path even where a band of a split image would be planar.
  const packed = (word(geom, CONV_FLAGS) & CONV_FLAG_PACKED) != 0;
  if (!packed && planarForwardEligible(geom)) { planarForward(geom, x, w, bias, y, scratch); return; }
  const C = word(geom, CONV_C), G = word(geom, CONV_GROUPS), W = word(geom, CONV_W);
  const KH = word(geom, CONV_KH), KW = word(geom, CONV_KW);
  const dh = word(geom, CONV_DH), dw = word(geom, CONV_DW);
  const cinG = C / G, coutG = OC / G;
  const K = KH * KW * cinG;
  const flags = word(geom, CONV_FLAGS) & CONV_FLAG_RELU ? EPI_RELU : 0;
  const ncPad = roundUp(coutG, NR);
  const bp = packed ? scratch : floatsAt(scratch, K * ncPad);
  const col = floatsAt(bp, ncPad);
  const taps = floatsAt(col, MC * K);
  const lin = floatsAt(taps, K);
  const rowPtr = floatsAt(lin, K);
  const edge = floatsAt(rowPtr, 2 * MC);
  let p = 0;
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      for (let ic = 0; ic < cinG; ic++) {
        store<i32>(floatsAt(taps, p), ((kh * dh * W + kw * dw) * C + ic) << 2);
        store<i32>(floatsAt(lin, p), p << 2);
        p++;
      }
    }
  }
  const ldcBytes = <usize>OC << 2;
  for (let g = 0; g < G; g++) {
    let wp = scratch;
    if (packed) wp = floatsAt(w, g * K * ncPad);
    else packB(1, floatsAt(w, g * coutG * K), K, 0, K, 0, coutG, wp); // op(B) = W_gᵀ, as conv2dPackFilter
    // The epilogue reads bias a whole register tile wide: pad it with zeros to NR.
    if (bias) {
      zeroFloats(bp, ncPad);
      copyFloats(bp, floatsAt(bias, g * coutG), coutG);
    }
    for (let r0 = 0; r0 < M; r0 += MC) {
      const rows = min(MC, M - r0);
      // Row pointers per pixel; the sign bit marks tiles that were im2col'd (linear table).
      for (let i = 0; i < rows; i += MR) {
        const h = min(MR, rows - i);
        let inside = true;
        for (let r = 0; r < h; r++) inside = inside && windowInside(geom, r0 + i + r);
        for (let r = 0; r < MR; r++) {
          const rr = r < h ? r : 0;
          const ptr = inside ? windowCorner(geom, x, r0 + i + rr, g * cinG) : floatsAt(col, (i + rr) * K);
          store<usize>(floatsAt(rowPtr, i + r), ptr);
        }
        if (!inside) im2colRows(geom, x, g, r0 + i, h, floatsAt(col, i * K), false);
        store<i32>(floatsAt(rowPtr, i), inside ? 1 : 0, MC << 2);
      }
      const yBlock = floatsAt(y, r0 * OC + g * coutG);
      for (let k0 = 0; k0 < K; k0 += KC) {
        const kc = min(KC, K - k0);
        const first = k0 == 0, last = k0 + kc == K;
        for (let j = 0; j < coutG; j += NR) {
          const wj = min(NR, coutG - j);
          const bPanel = floatsAt(wp, j * K + k0 * NR);
          const biasJ = first && bias ? floatsAt(bp, j) : 0;
          for (let i = 0; i < rows; i += MR) {
            const rp = floatsAt(rowPtr, i);
            const offs = floatsAt(load<i32>(rp, MC << 2) ? taps : lin, k0);
            tileOffsets(load<usize>(rp), load<usize>(rp, 4), load<usize>(rp, 8), load<usize>(rp, 12),
              load<usize>(rp, 16), load<usize>(rp, 20), offs, bPanel, kc,
              floatsAt(yBlock, i * OC + j), ldcBytes, min(MR, rows - i), wj,
              first ? 0 : 1, biasJ, last ? flags : 0, edge);
          }
        }
      }
    }
  }
}

export function conv2dBackwardInput(geom: usize, dy: usize, w: usize, dx: usize, scratch: usize): void {
  const N = word(geom, CONV_N), C = word(geom, CONV_C), OC = word(geom, CONV_OC);
  const M = N * word(geom, CONV_OH) * word(geom, CONV_OW);
  if (M > 0 && OC > 0 && !isDepthwise(geom) && planarInputGradEligible(geom)) {
    planarInputGrad(geom, dy, w, dx, scratch); // writes every dx pixel
    return;
  }
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

/** The filter gradient sums over every pixel of every image: past this many images it sums them
 *  in parts of whole images, added up in order at the end (see conv2dBackwardFilter). */
const FILTER_GRADIENT_PARTS = 4;

/** Rows per im2col block of the filter gradient: one full k slice of the GEMM (whose depth is
 *  the pixel count), fewer when rows are so long that the block would pass 4 MB. */
@inline function filterGradientRows(K: i32): i32 {
  return max(16, min(KC, (1 << 20) / K));
}

/** How many parts of whole images the filter gradient of this geometry sums separately (1: none).
 *  Mirrored by src/backend/scratch.ts. */
export function filterGradientParts(geom: usize): i32 {
  const N = word(geom, CONV_N), OH = word(geom, CONV_OH);
  if (word(geom, CONV_FLAGS) & CONV_FLAG_ONE_PART || isDepthwise(geom)) return 1;
  const K = word(geom, CONV_KH) * word(geom, CONV_KW) * (word(geom, CONV_C) / word(geom, CONV_GROUPS));
  const pixels = N * OH * word(geom, CONV_OW);
  // Each part keeps at least two row blocks, so the partial sums and their addition stay small
  // against the work.
  let parts = min(N > 1 ? N : OH, FILTER_GRADIENT_PARTS);
  while (parts > 1 && pixels < parts * 2 * filterGradientRows(K)) parts--;
  return parts;
}

/**
 * dW = Σ over pixels of dyᵀ·Xcol. A large sum runs in up to FILTER_GRADIENT_PARTS parts: over
 * many images, parts of whole images (images [⌊i·N/P⌋, ⌊(i+1)·N/P⌋) for part i); in one image,
 * bands of output rows ([⌊i·OH/P⌋, ⌊(i+1)·OH/P⌋), each a sub-image of the input rows its windows
 * read, as the forward's row bands). Each part is summed as one run into a partial block, and
 * dW = ((p₀ + p₁) + p₂) + p₃: a fixed order that the thread pool keeps by running the parts at
 * once and adding them alike, so training gets the same bits on any number of threads.
 * Scratch: the partial blocks [P·OC·K] | a geometry block [CONV_WORDS] | the largest part's scratch.
 */
export function conv2dBackwardFilter(geom: usize, x: usize, dy: usize, dw: usize, scratch: usize): void {
  const parts = filterGradientParts(geom);
  if (parts == 1) { filterGradientOnePart(geom, x, dy, dw, scratch); return; }
  const N = word(geom, CONV_N), H = word(geom, CONV_H), W = word(geom, CONV_W), C = word(geom, CONV_C);
  const OC = word(geom, CONV_OC), OH = word(geom, CONV_OH), OW = word(geom, CONV_OW);
  const size = OC * word(geom, CONV_KH) * word(geom, CONV_KW) * (C / word(geom, CONV_GROUPS));
  const sub = floatsAt(scratch, parts * size);
  const rest = floatsAt(sub, CONV_WORDS);
  for (let i = 0; i < CONV_WORDS; i++) store<i32>(sub + (<usize>i << 2), word(geom, i));
  store<i32>(sub + (<usize>CONV_FLAGS << 2), word(geom, CONV_FLAGS) | CONV_FLAG_ONE_PART);
  const sh = word(geom, CONV_SH), pt = word(geom, CONV_PAD_T);
  const reach = (word(geom, CONV_KH) - 1) * word(geom, CONV_DH) + 1;
  for (let p = 0; p < parts; p++) {
    let xPart = x, dyPart = dy;
    if (N > 1) {
      const n0 = p * N / parts, n1 = (p + 1) * N / parts;
      store<i32>(sub + (<usize>CONV_N << 2), n1 - n0);
      xPart = floatsAt(x, n0 * H * W * C);
      dyPart = floatsAt(dy, n0 * OH * OW * OC);
    } else {
      // Output rows [o0, o1) read the input rows [top, bottom) (clipped to the image).
      const o0 = p * OH / parts, o1 = (p + 1) * OH / parts;
      const top = max(0, o0 * sh - pt), bottom = max(top, min(H, (o1 - 1) * sh - pt + reach));
      store<i32>(sub + (<usize>CONV_H << 2), bottom - top);
      store<i32>(sub + (<usize>CONV_PAD_T << 2), pt + top - o0 * sh);
      store<i32>(sub + (<usize>CONV_OH << 2), o1 - o0);
      xPart = floatsAt(x, top * W * C);
      dyPart = floatsAt(dy, o0 * OW * OC);
    }
    filterGradientOnePart(sub, xPart, dyPart, floatsAt(scratch, p * size), rest);
  }
  copyFloats(dw, scratch, size);
  for (let p = 1; p < parts; p++) addFloats(dw, floatsAt(scratch, p * size), size);
}

function filterGradientOnePart(geom: usize, x: usize, dy: usize, dw: usize, scratch: usize): void {
  const C = word(geom, CONV_C), OC = word(geom, CONV_OC), G = word(geom, CONV_GROUPS);
  const M = word(geom, CONV_N) * word(geom, CONV_OH) * word(geom, CONV_OW);
  const cinG = C / G, coutG = OC / G;
  const K = word(geom, CONV_KH) * word(geom, CONV_KW) * cinG;
  if (M <= 0) { zeroFloats(dw, OC * K); return; }
  if (isDepthwise(geom)) { depthwiseBackwardFilter(geom, x, dy, dw, scratch); return; }
  if (planarFilterGradEligible(geom)) { planarFilterGrad(geom, x, dy, dw, scratch); return; }
  const pointwise = isPointwise(geom);
  const blockRows = filterGradientRows(K);
  const col = scratch;
  const gs = floatsAt(col, blockRows * K);
  for (let g = 0; g < G; g++) {
    for (let r0 = 0; r0 < M; r0 += blockRows) {
      const rows = min(blockRows, M - r0);
      let b = col, ldb = K;
      if (pointwise) { b = floatsAt(x, r0 * C + g * cinG); ldb = C; }
      else im2colRows(geom, x, g, r0, rows, col, false);
      gemmEx(1, 0, coutG, K, rows, 1, floatsAt(dy, r0 * OC + g * coutG), OC, b, ldb,
        r0 == 0 ? 0 : 1, floatsAt(dw, g * coutG * K), K, 0, 0, gs);
    }
  }
}
