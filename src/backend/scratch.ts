/**
 * Scratch bytes the gemm and convolution kernels need (kernels.ts: "scratch space ... with the size
 * that scratch.ts computes"). The constants mirror assembly/kernels/conv-gemm-core.ts and conv.ts;
 * the kernel tests run every kernel with exactly this many bytes and a guard zone behind them.
 *
 * Scratch stays bounded whatever the image size: packed B slices are at most KC × NC floats, conv
 * im2col blocks hold at most MC = 96 rows (forward, input gradient) or filterGradientRows(K) rows
 * (filter gradient, at most 4 MB); only the packed filter grows with the layer, and the forward
 * needs no room for it when the caller passes the filter packed already (CONV_FLAG_PACKED). The planar kernels
 * for few-channel convolutions hold one image's padded planes, and only while those stay under
 * 4 MB (PLANAR_MAX_PLANE_FLOATS): bigger images take the GEMM path.
 */
import {
  CONV_C, CONV_DH, CONV_DW, CONV_FLAG_ONE_PART, CONV_FLAG_PACKED, CONV_FLAGS, CONV_GROUPS, CONV_H, CONV_KH, CONV_KW,
  CONV_N, CONV_OC, CONV_OH, CONV_OW, CONV_PAD_L, CONV_PAD_T, CONV_SH, CONV_SW, CONV_W, CONV_WORDS,
} from './geometry.ts';

/** Mirrors conv-gemm-core.ts. */
const MR = 6, NR = 8, KC = 256, NC = 1024, MC = 96;
/** Mirrors conv.ts: the most parts of whole images a filter gradient sums separately. */
const FILTER_GRADIENT_PARTS = 4;
const EDGE_BYTES = MR * NR * 4;

const roundUp = (x: number, to: number) => Math.ceil(x / to) * to;
const packedBFloats = (kc: number, n: number) => kc * roundUp(n, NR);

/** The packed B slice, the packed A block and the edge tile. */
export function gemmScratchBytes(_transA: number, _transB: number, _m: number, n: number, _k: number): number {
  return (packedBFloats(KC, Math.min(n, NC)) + MC * KC) * 4 + EDGE_BYTES;
}

/** Rows per im2col block of the filter gradient: a whole k slice, fewer for very long rows.
 *  Mirrors assembly/kernels/conv.ts. */
export function filterGradientRows(K: number): number {
  return Math.max(16, Math.min(KC, Math.floor((1 << 20) / K)));
}

export type ConvKind = 'forward' | 'backwardInput' | 'backwardFilter';

/** Mirrors assembly/kernels/conv-planar.ts: the direct kernels for convolutions with few channels. */
const PLANAR_R = 6, PLANAR_SLACK = 16, PLANAR_EDGE = 24, PLANAR_MAX_PLANE_FLOATS = 1 << 20;

/** Floats of the planar kernels' scratch when they take the convolution, else undefined. */
export function planarScratchFloats(kind: ConvKind, g: ArrayLike<number>): number | undefined {
  const C = g[CONV_C]!, OC = g[CONV_OC]!, KH = g[CONV_KH]!, KW = g[CONV_KW]!;
  const OH = g[CONV_OH]!, OW = g[CONV_OW]!;
  if (g[CONV_GROUPS] !== 1 || g[CONV_SW] !== 1 || g[CONV_DW] !== 1) return undefined;
  const taps = KH * KW;
  const packed = (outs: number, depth: number) => roundUp(outs, outs === 1 ? 1 : PLANAR_R) * (depth * taps + 1);
  const xPlanes = C * ((OH - 1) * g[CONV_SH]! + (KH - 1) * g[CONV_DH]! + 1) * (OW + KW - 1);
  switch (kind) {
    case 'forward':
      if (C > 3 || OC > 16 || xPlanes > PLANAR_MAX_PLANE_FLOATS) return undefined;
      return packed(OC, C) + xPlanes + PLANAR_SLACK + PLANAR_EDGE;
    case 'backwardInput': {
      const dyPlanes = OC * (g[CONV_H]! + KH - 1) * (g[CONV_W]! + KW - 1);
      if (g[CONV_SH] !== 1 || g[CONV_DH] !== 1 || C !== 1 || g[CONV_PAD_T]! >= KH || g[CONV_PAD_L]! >= KW ||
        dyPlanes > PLANAR_MAX_PLANE_FLOATS) return undefined;
      return packed(C, OC) + dyPlanes + PLANAR_SLACK + PLANAR_EDGE;
    }
    case 'backwardFilter': {
      const dyGroups = OH * Math.ceil(OW / 4) * roundUp(OC, PLANAR_R) * 4;
      if (C > 3 || xPlanes + dyGroups > PLANAR_MAX_PLANE_FLOATS) return undefined;
      const pairTaps = roundUp(C * taps, 2);
      return xPlanes + PLANAR_SLACK + dyGroups + roundUp(OC, PLANAR_R) * pairTaps * 4 + pairTaps;
    }
  }
}

/**
 * Scratch bytes of conv2dForward / conv2dBackwardInput / conv2dBackwardFilter for a geometry block
 * (the CONV_* words of geometry.ts). Mirrors the layouts listed at the top of assembly/kernels/conv.ts:
 * the packed filter of one group, an im2col block of at most MC (or KC) rows, and GEMM packing space;
 * or, for convolutions with few channels, the planar kernels' padded planes of one image.
 */
export function conv2dScratchBytes(kind: ConvKind, geom: ArrayLike<number>): number {
  const parts = kind === 'backwardFilter' ? filterGradientParts(geom) : 1;
  if (parts === 1) return onePartScratchBytes(kind, geom);
  // The parts' partial blocks and a geometry block, then the largest part's scratch (bands of
  // rows may take the planar kernels where the whole image does not).
  const taps = geom[CONV_OC]! * geom[CONV_KH]! * geom[CONV_KW]! * (geom[CONV_C]! / geom[CONV_GROUPS]!);
  let most = 0;
  for (let p = 0; p < parts; p++) most = Math.max(most, onePartScratchBytes(kind, filterGradientPart(geom, p, parts).words));
  return (parts * taps + CONV_WORDS) * 4 + most;
}

/** The filter gradient sums its pixels in this many parts (1: in one run). Mirrors
 *  filterGradientParts in assembly/kernels/conv.ts. */
export function filterGradientParts(geom: ArrayLike<number>): number {
  const N = geom[CONV_N]!, OH = geom[CONV_OH]!, C = geom[CONV_C]!, OC = geom[CONV_OC]!, G = geom[CONV_GROUPS]!;
  if ((geom[CONV_FLAGS]! & CONV_FLAG_ONE_PART) !== 0 || (C === G && OC === G)) return 1;
  const K = geom[CONV_KH]! * geom[CONV_KW]! * (C / G), pixels = N * OH * geom[CONV_OW]!;
  let parts = Math.min(N > 1 ? N : OH, FILTER_GRADIENT_PARTS);
  while (parts > 1 && pixels < parts * 2 * filterGradientRows(K)) parts--;
  return parts;
}

/**
 * Part p of `parts` of a filter gradient (assembly/kernels/conv.ts conv2dBackwardFilter): its
 * geometry (flagged CONV_FLAG_ONE_PART) and where its input and output gradient start, in
 * elements. Many images: images [⌊p·N/P⌋, ⌊(p+1)·N/P⌋). One image: output rows
 * [⌊p·OH/P⌋, ⌊(p+1)·OH/P⌋) over the input rows their windows read.
 */
export function filterGradientPart(geom: ArrayLike<number>, p: number, parts: number): { words: number[]; x: number; dy: number } {
  const words = Array.from(geom);
  words[CONV_FLAGS] = words[CONV_FLAGS]! | CONV_FLAG_ONE_PART;
  const N = geom[CONV_N]!, H = geom[CONV_H]!, W = geom[CONV_W]!, C = geom[CONV_C]!;
  const OH = geom[CONV_OH]!, OW = geom[CONV_OW]!, OC = geom[CONV_OC]!;
  if (N > 1) {
    const n0 = Math.floor((p * N) / parts), n1 = Math.floor(((p + 1) * N) / parts);
    words[CONV_N] = n1 - n0;
    return { words, x: n0 * H * W * C, dy: n0 * OH * OW * OC };
  }
  const SH = geom[CONV_SH]!, PT = geom[CONV_PAD_T]!, reach = (geom[CONV_KH]! - 1) * geom[CONV_DH]! + 1;
  const o0 = Math.floor((p * OH) / parts), o1 = Math.floor(((p + 1) * OH) / parts);
  const top = Math.max(0, o0 * SH - PT), bottom = Math.max(top, Math.min(H, (o1 - 1) * SH - PT + reach));
  words[CONV_H] = bottom - top;
  words[CONV_PAD_T] = PT + top - o0 * SH;
  words[CONV_OH] = o1 - o0;
  return { words, x: top * W * C, dy: o0 * OW * OC };
}

function onePartScratchBytes(kind: ConvKind, geom: ArrayLike<number>): number {
  const C = geom[CONV_C]!, OC = geom[CONV_OC]!, G = geom[CONV_GROUPS]!;
  const cinG = C / G, coutG = OC / G;
  const K = geom[CONV_KH]! * geom[CONV_KW]! * cinG;
  if (cinG === 1 && coutG === 1) return Math.max(16, geom[CONV_KH]! * geom[CONV_KW]! * C * 4);
  const packed = kind === 'forward' && (geom[CONV_FLAGS]! & CONV_FLAG_PACKED) !== 0;
  const planar = packed ? undefined : planarScratchFloats(kind, geom);
  if (planar !== undefined) return planar * 4;
  switch (kind) {
    case 'forward': {
      const ncPad = roundUp(coutG, NR);
      return ((packed ? 0 : K * ncPad) + ncPad + MC * K + 2 * K + 2 * MC) * 4 + EDGE_BYTES;
    }
    case 'backwardInput':
      return (coutG * roundUp(K, NR) + MC * K + MC * KC) * 4 + EDGE_BYTES;
    case 'backwardFilter':
      return filterGradientRows(K) * K * 4 + gemmScratchBytes(1, 0, coutG, K, KC);
  }
}
