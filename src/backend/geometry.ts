/**
 * Layout of the int32 geometry blocks that convolution, pooling and broadcasting kernels read
 * (the `geom` pointer of kernels.ts). assembly/geometry.ts mirrors these word offsets; a test
 * checks that the two files agree.
 */

/** Convolution: input [N, H, W, C], filter [OC, KH, KW, C / GROUPS], output [N, OH, OW, OC].
 *  Only the top and left padding travel: the output size fixes how far the window runs past the
 *  bottom and right edge, so asymmetric and `same` padding need nothing else. */
export const CONV_N = 0, CONV_H = 1, CONV_W = 2, CONV_C = 3, CONV_OC = 4, CONV_KH = 5, CONV_KW = 6,
  CONV_SH = 7, CONV_SW = 8, CONV_PAD_T = 9, CONV_PAD_L = 10, CONV_DH = 11, CONV_DW = 12,
  CONV_GROUPS = 13, CONV_OH = 14, CONV_OW = 15, CONV_FLAGS = 16, CONV_WORDS = 17;
/** CONV_FLAGS bits. RELU: ReLU fused at the store. PACKED (forward only): the filter argument is
 *  conv2dPackFilter's output for this geometry instead of the OHWI filter; valid only where
 *  conv2dPackedFilterBytes is not 0. */
export const CONV_FLAG_RELU = 1, CONV_FLAG_PACKED = 2;
/** CONV_FLAGS bit (filter gradient only): sum all the pixels in one run, not in the parts by images
 *  that filterGradientParts gives (the thread pool sets it on each part it runs). */
export const CONV_FLAG_ONE_PART = 4;

/** Pooling: input [N, H, W, C], output [N, OH, OW, C]. Padding as for convolution; PAD_B and
 *  PAD_R are the bottom / right padding PyTorch's average pooling counts with countIncludePad. */
export const POOL_N = 0, POOL_H = 1, POOL_W = 2, POOL_C = 3, POOL_KH = 4, POOL_KW = 5,
  POOL_SH = 6, POOL_SW = 7, POOL_PAD_T = 8, POOL_PAD_L = 9, POOL_PAD_B = 10, POOL_PAD_R = 11,
  POOL_OH = 12, POOL_OW = 13, POOL_FLAGS = 14, POOL_WORDS = 15;
/** POOL_FLAGS bits. */
export const POOL_FLAG_COUNT_INCLUDE_PAD = 1;

/** Broadcasting: [rank, outShape[6], aStrides[6], bStrides[6]], right-aligned, strides in elements. */
export const BCAST_MAX_RANK = 6, BCAST_RANK = 0, BCAST_SHAPE = 1, BCAST_A_STRIDES = 7,
  BCAST_B_STRIDES = 13, BCAST_WORDS = 19;
