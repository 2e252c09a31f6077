// Word offsets of the int32 geometry blocks; mirrors src/backend/geometry.ts (a test compares them).

export const CONV_N = 0, CONV_H = 1, CONV_W = 2, CONV_C = 3, CONV_OC = 4, CONV_KH = 5, CONV_KW = 6,
  CONV_SH = 7, CONV_SW = 8, CONV_PAD_T = 9, CONV_PAD_L = 10, CONV_DH = 11, CONV_DW = 12,
  CONV_GROUPS = 13, CONV_OH = 14, CONV_OW = 15, CONV_FLAGS = 16, CONV_WORDS = 17;
export const CONV_FLAG_RELU = 1;
export const CONV_FLAG_PACKED = 2;
export const CONV_FLAG_ONE_PART = 4;

export const POOL_N = 0, POOL_H = 1, POOL_W = 2, POOL_C = 3, POOL_KH = 4, POOL_KW = 5,
  POOL_SH = 6, POOL_SW = 7, POOL_PAD_T = 8, POOL_PAD_L = 9, POOL_PAD_B = 10, POOL_PAD_R = 11,
  POOL_OH = 12, POOL_OW = 13, POOL_FLAGS = 14, POOL_WORDS = 15;
export const POOL_FLAG_COUNT_INCLUDE_PAD = 1;

export const BCAST_MAX_RANK = 6, BCAST_RANK = 0, BCAST_SHAPE = 1, BCAST_A_STRIDES = 7,
  BCAST_B_STRIDES = 13, BCAST_WORDS = 19;

/** Reads word `i` of the geometry block at `geom`. */
@inline export function word(geom: usize, i: i32): i32 {
  return load<i32>(geom + (<usize>i << 2));
}
