/**
 * Scratch bytes the gemm and convolution kernels need (kernels.ts: "scratch space ... with the size
 * that scratch.ts computes"). The constants mirror assembly/kernels/conv-gemm-core.ts and conv.ts;
 * the kernel tests run every kernel with exactly this many bytes and a guard zone behind them.
 *
 * Scratch stays bounded whatever the image size: packed B slices are at most KC × NC floats, conv
 * im2col blocks hold at most CONV_ROWS rows; only the packed filter grows with the layer.
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
