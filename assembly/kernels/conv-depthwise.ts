// Depthwise convolution (groups = C = OC: one input and one output channel per group).
// A GEMM per channel would have one column; instead SIMD runs across channels, which are
// innermost in NHWC. The filter is repacked tap-major ([KH·KW, C]) so that a tap's weights for
// consecutive channels are contiguous too.
import {
  word, CONV_N, CONV_H, CONV_W, CONV_C, CONV_KH, CONV_KW, CONV_SH, CONV_SW, CONV_PAD_T,
  CONV_PAD_L, CONV_DH, CONV_DW, CONV_OH, CONV_OW, CONV_FLAGS, CONV_FLAG_RELU,
} from "../geometry";

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** wt[t·C + c] = w[c·T + t] (or back, when `back`): OHWI with I = 1 is [C, T]. */
function transposeTaps(src: usize, dst: usize, C: i32, T: i32, back: bool): void {
  for (let c = 0; c < C; c++) {
    for (let t = 0; t < T; t++) {
      if (back) store<f32>(at(dst, c * T + t), load<f32>(at(src, t * C + c)));
      else store<f32>(at(dst, t * C + c), load<f32>(at(src, c * T + t)));
    }
  }
}

// The three kernels walk the same (pixel, valid tap) loops written out: AssemblyScript has no
// closures, and a callback through a table would cost an indirect call per tap.

export function depthwiseForward(geom: usize, x: usize, w: usize, bias: usize, y: usize, wt: usize): void {
  const N = word(geom, CONV_N), H = word(geom, CONV_H), W = word(geom, CONV_W), C = word(geom, CONV_C);
  const KH = word(geom, CONV_KH), KW = word(geom, CONV_KW);
  const sh = word(geom, CONV_SH), sw = word(geom, CONV_SW);
  const pt = word(geom, CONV_PAD_T), pl = word(geom, CONV_PAD_L);
  const dh = word(geom, CONV_DH), dw = word(geom, CONV_DW);
  const OH = word(geom, CONV_OH), OW = word(geom, CONV_OW);
  const relu = (word(geom, CONV_FLAGS) & CONV_FLAG_RELU) != 0;
  transposeTaps(w, wt, C, KH * KW, false);
  const z = f32x4.splat(0);
  let out = y;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const ih0 = oh * sh - pt, iw0 = ow * sw - pl;
        let c = 0;
        // 16 channels at a time: four independent accumulators hide the FMA latency.
        for (; c + 16 <= C; c += 16) {
          let a0 = z, a1 = z, a2 = z, a3 = z;
          if (bias) {
            a0 = v128.load(at(bias, c)); a1 = v128.load(at(bias, c + 4));
            a2 = v128.load(at(bias, c + 8)); a3 = v128.load(at(bias, c + 12));
          }
          for (let kh = 0; kh < KH; kh++) {
            const ih = ih0 + kh * dh;
            if (<u32>ih >= <u32>H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = iw0 + kw * dw;
              if (<u32>iw >= <u32>W) continue;
              const xp = at(x, ((n * H + ih) * W + iw) * C + c);
              const wq = at(wt, (kh * KW + kw) * C + c);
              a0 = madd(v128.load(xp), v128.load(wq), a0);
              a1 = madd(v128.load(xp, 16), v128.load(wq, 16), a1);
              a2 = madd(v128.load(xp, 32), v128.load(wq, 32), a2);
              a3 = madd(v128.load(xp, 48), v128.load(wq, 48), a3);
            }
          }
          if (relu) { a0 = f32x4.max(a0, z); a1 = f32x4.max(a1, z); a2 = f32x4.max(a2, z); a3 = f32x4.max(a3, z); }
          v128.store(out, a0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
          out += 64;
        }
        for (; c + 4 <= C; c += 4) {
          let a0 = bias ? v128.load(at(bias, c)) : z;
          for (let kh = 0; kh < KH; kh++) {
            const ih = ih0 + kh * dh;
            if (<u32>ih >= <u32>H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = iw0 + kw * dw;
              if (<u32>iw >= <u32>W) continue;
              a0 = madd(v128.load(at(x, ((n * H + ih) * W + iw) * C + c)), v128.load(at(wt, (kh * KW + kw) * C + c)), a0);
            }
          }
          if (relu) a0 = f32x4.max(a0, z);
          v128.store(out, a0);
          out += 16;
        }
        for (; c < C; c++) {
          let a: f32 = bias ? load<f32>(at(bias, c)) : 0;
          for (let kh = 0; kh < KH; kh++) {
            const ih = ih0 + kh * dh;
            if (<u32>ih >= <u32>H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = iw0 + kw * dw;
              if (<u32>iw >= <u32>W) continue;
              a += load<f32>(at(x, ((n * H + ih) * W + iw) * C + c)) * load<f32>(at(wt, (kh * KW + kw) * C + c));
            }
          }
          if (relu) a = max(a, <f32>0);
          store<f32>(out, a);
          out += 4;
        }
      }
    }
  }
}

/**
 * dst[c] += a[c] · b[c] over C channels: the shared step of both backward kernels
 * (dx += dy·w scatters into the input pixel; dW += dy·x accumulates per tap).
 */
@inline function maddChannels(dst: usize, a: usize, b: usize, C: i32): void {
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    const d = at(dst, c);
    v128.store(d, madd(v128.load(at(a, c)), v128.load(at(b, c)), v128.load(d)));
  }
  for (; c < C; c++) {
    const d = at(dst, c);
    store<f32>(d, load<f32>(d) + load<f32>(at(a, c)) * load<f32>(at(b, c)));
  }
}

/**
 * The walk both backward kernels share: for every output pixel and every tap of its window that
 * lies on the image, one multiply-add of dy's channels. The input gradient adds dy·(the tap's
 * filter row) into the tap's input pixel of dx (`image` = dx, `taps` = the filter, tap-major);
 * the filter gradient adds dy·(the input pixel) into the tap's row (`image` = x, `taps` = the
 * accumulator, intoTaps).
 */
@inline function backwardTaps(geom: usize, dy: usize, image: usize, taps: usize, intoTaps: bool): void {
  const N = word(geom, CONV_N), H = word(geom, CONV_H), W = word(geom, CONV_W), C = word(geom, CONV_C);
  const KH = word(geom, CONV_KH), KW = word(geom, CONV_KW);
  const sh = word(geom, CONV_SH), sw = word(geom, CONV_SW);
  const pt = word(geom, CONV_PAD_T), pl = word(geom, CONV_PAD_L);
  const dh = word(geom, CONV_DH), dw = word(geom, CONV_DW);
  const OH = word(geom, CONV_OH), OW = word(geom, CONV_OW);
  let g = dy;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const ih0 = oh * sh - pt, iw0 = ow * sw - pl;
        for (let kh = 0; kh < KH; kh++) {
          const ih = ih0 + kh * dh;
          if (<u32>ih >= <u32>H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = iw0 + kw * dw;
            if (<u32>iw >= <u32>W) continue;
            const pixel = at(image, ((n * H + ih) * W + iw) * C), tap = at(taps, (kh * KW + kw) * C);
            if (intoTaps) maddChannels(tap, g, pixel, C);
            else maddChannels(pixel, g, tap, C);
          }
        }
        g += <usize>C << 2;
      }
    }
  }
}

/** dx (already zeroed by the caller) += the transposed depthwise convolution of dy. */
export function depthwiseBackwardInput(geom: usize, dy: usize, w: usize, dx: usize, wt: usize): void {
  transposeTaps(w, wt, word(geom, CONV_C), word(geom, CONV_KH) * word(geom, CONV_KW), false);
  backwardTaps(geom, dy, dx, wt, false);
}

/** dw = Σ over pixels of dy · x per tap, accumulated tap-major in scratch and transposed back. */
export function depthwiseBackwardFilter(geom: usize, x: usize, dy: usize, dwOut: usize, acc: usize): void {
  const C = word(geom, CONV_C), T = word(geom, CONV_KH) * word(geom, CONV_KW);
  for (let i = 0; i < T * C; i++) store<f32>(at(acc, i), 0);
  backwardTaps(geom, dy, x, acc, true);
  transposeTaps(acc, dwOut, C, T, true);
}
