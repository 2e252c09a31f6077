/**
 * Scratch bytes the gemm and convolution kernels need (kernels.ts: "scratch space ... with the size
 * that scratch.ts computes"). The constants mirror assembly/kernels/conv-gemm-core.ts and conv.ts;
 * the kernel tests run every kernel with exactly this many bytes and a guard zone behind them.
 *
 * Scratch stays bounded whatever the image size: packed B slices are at most KC × NC floats, conv
 * im2col blocks hold at most MC = 96 rows (forward, input gradient) or filterGradientRows(K) rows
 * (filter gradient, at most 4 MB); only the packed filter grows with the layer.
 */
import { CONV_C, CONV_GROUPS, CONV_KH, CONV_KW, CONV_OC } from './geometry.ts';

/** Mirrors conv-gemm-core.ts. */
const MR = 6, NR = 8, KC = 256, NC = 1024, MC = 96;
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

/**
 * Scratch bytes of conv2dForward / conv2dBackwardInput / conv2dBackwardFilter for a geometry block
 * (the CONV_* words of geometry.ts). Mirrors the layouts listed at the top of assembly/kernels/conv.ts:
 * the packed filter of one group, an im2col block of at most MC (or KC) rows, and GEMM packing space.
 */
export function conv2dScratchBytes(kind: ConvKind, geom: ArrayLike<number>): number {
  const C = geom[CONV_C]!, OC = geom[CONV_OC]!, G = geom[CONV_GROUPS]!;
  const cinG = C / G, coutG = OC / G;
  const K = geom[CONV_KH]! * geom[CONV_KW]! * cinG;
  if (cinG === 1 && coutG === 1) return Math.max(16, geom[CONV_KH]! * geom[CONV_KW]! * C * 4);
  switch (kind) {
    case 'forward': {
      const ncPad = roundUp(coutG, NR);
      return (K * ncPad + ncPad + MC * K + 2 * K + 2 * MC) * 4 + EDGE_BYTES;
    }
    case 'backwardInput':
      return (coutG * roundUp(K, NR) + MC * K + MC * KC) * 4 + EDGE_BYTES;
    case 'backwardFilter':
      return filterGradientRows(K) * K * 4 + gemmScratchBytes(1, 0, coutG, K, KC);
  }
}
