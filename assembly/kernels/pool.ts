// Pooling over NHWC activations (geometry block POOL_*). SIMD runs across channels: a pixel's
// channels go in tiles of 16 (four vectors, one 64-byte cache line), then 4, then single lanes
// for C not a multiple of 4. Windows are clipped to the image, so padding taps are never read.
import {
  word, POOL_N, POOL_H, POOL_W, POOL_C, POOL_KH, POOL_KW, POOL_SH, POOL_SW, POOL_PAD_T, POOL_PAD_L,
  POOL_PAD_B, POOL_PAD_R, POOL_OH, POOL_OW, POOL_FLAGS, POOL_FLAG_COUNT_INCLUDE_PAD,
} from "../geometry";

// ---- helpers -------------------------------------------------------------------------------------

/** Lane select on comparison masks (all-ones or all-zeros lanes), where relaxed laneselect is exact
 *  and a single blend instruction. */
@inline function select(a: v128, b: v128, mask: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i32x4.relaxed_laneselect(a, b, mask);
  return v128.bitselect(a, b, mask);
}

/** PyTorch's max-pool rule: a larger value or a NaN takes over the running maximum, so the first
 *  maximum wins and a NaN in the window makes the result NaN. */
@inline function takesOver(v: v128, m: v128): v128 {
  return v128.or(f32x4.gt(v, m), f32x4.ne(v, v));
}

/** a · b + c, fused where relaxed SIMD allows (the results then differ from the twin's in the last bit). */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Byte address of pixel (h, w) channel c of an image. */
@inline function at(image: usize, W: i32, C: i32, h: i32, w: i32, c: i32): usize {
  return image + ((<usize>(h * W + w) * <usize>C + <usize>c) << 2);
}

// A window [h0, h1) × [w0, w1) is walked as `rows` runs of `cols` pixels starting at `start`,
// `rowStep` bytes apart. When it spans whole rows it is one contiguous run, so windows as wide as
// the image (adaptive pooling to one column) pay no per-row loop overhead.

@inline function runRows(W: i32, h0: i32, h1: i32, w0: i32, w1: i32): i32 {
  return w0 == 0 && w1 == W ? <i32>(h1 > h0) : max(h1 - h0, 0);
}

@inline function runCols(W: i32, h0: i32, h1: i32, w0: i32, w1: i32): i32 {
  return w0 == 0 && w1 == W ? (h1 - h0) * W : max(w1 - w0, 0);
}

/**
 * out[c] = (Σ_window x[c] (or x[c]² when `squares`) / divisor) · scale, then √ when `squares`:
 * average pooling (scale 1) and LPPool with p = 2 (scale kh·kw), both as PyTorch computes them.
 */
@inline function sumWindow(image: usize, W: i32, C: i32, h0: i32, h1: i32, w0: i32, w1: i32,
  out: usize, divisor: f32, scale: f32, squares: bool): void {
  const rows = runRows(W, h0, h1, w0, w1), cols = runCols(W, h0, h1, w0, w1);
  const px = <usize>C << 2, rowStep = <usize>W * px;
  const start = at(image, W, C, h0, w0, 0);
  const vd = f32x4.splat(divisor), vs = f32x4.splat(scale);
  let c = 0;
  for (; c + 16 <= C; c += 16) {
    let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
    let row = start + (<usize>c << 2);
    for (let r = 0; r < rows; r++, row += rowStep) {
      let p = row;
      for (let k = 0; k < cols; k++, p += px) {
        const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
        if (squares) {
          s0 = madd(v0, v0, s0); s1 = madd(v1, v1, s1); s2 = madd(v2, v2, s2); s3 = madd(v3, v3, s3);
        } else {
          s0 = f32x4.add(s0, v0); s1 = f32x4.add(s1, v1); s2 = f32x4.add(s2, v2); s3 = f32x4.add(s3, v3);
        }
      }
    }
    const o = out + (<usize>c << 2);
    s0 = f32x4.mul(f32x4.div(s0, vd), vs); s1 = f32x4.mul(f32x4.div(s1, vd), vs);
    s2 = f32x4.mul(f32x4.div(s2, vd), vs); s3 = f32x4.mul(f32x4.div(s3, vd), vs);
    if (squares) { s0 = f32x4.sqrt(s0); s1 = f32x4.sqrt(s1); s2 = f32x4.sqrt(s2); s3 = f32x4.sqrt(s3); }
    v128.store(o, s0); v128.store(o, s1, 16); v128.store(o, s2, 32); v128.store(o, s3, 48);
  }
  for (; c + 4 <= C; c += 4) {
    let s = f32x4.splat(0);
    let row = start + (<usize>c << 2);
    for (let r = 0; r < rows; r++, row += rowStep) {
      let p = row;
      for (let k = 0; k < cols; k++, p += px) {
        const v = v128.load(p);
        s = squares ? madd(v, v, s) : f32x4.add(s, v);
      }
    }
    s = f32x4.mul(f32x4.div(s, vd), vs);
    v128.store(out + (<usize>c << 2), squares ? f32x4.sqrt(s) : s);
  }
  for (; c < C; c++) {
    let s: f32 = 0;
    let row = start + (<usize>c << 2);
    for (let r = 0; r < rows; r++, row += rowStep) {
      let p = row;
      for (let k = 0; k < cols; k++, p += px) {
        const v = load<f32>(p);
        s += squares ? v * v : v;
      }
    }
    s = s / divisor * scale;
    store<f32>(out + (<usize>c << 2), squares ? Mathf.sqrt(s) : s);
  }
}

/**
 * dx[window, c] += g[c], or g[c] · x[window, c] when `timesX`, where g = dy · scale / divisor-or-y:
 * average pooling (g = dy / divisor) and LPPool with p = 2 (g = dy · scale / y, 0 where y = 0).
 */
@inline function scatterWindow(dxImage: usize, xImage: usize, W: i32, C: i32, h0: i32, h1: i32,
  w0: i32, w1: i32, dyp: usize, yp: usize, divisor: f32, scale: f32, timesX: bool): void {
  const rows = runRows(W, h0, h1, w0, w1), cols = runCols(W, h0, h1, w0, w1);
  const px = <usize>C << 2, rowStep = <usize>W * px;
  const offset = (<usize>(h0 * W + w0) * <usize>C) << 2;
  const vd = f32x4.splat(divisor), vs = f32x4.splat(scale), zero = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    const cb = <usize>c << 2;
    let g: v128;
    if (timesX) {
      const y = v128.load(yp + cb);
      g = select(zero, f32x4.div(f32x4.mul(v128.load(dyp + cb), vs), y), f32x4.eq(y, zero));
    } else {
      g = f32x4.div(v128.load(dyp + cb), vd);
    }
    let row = offset + cb;
    for (let r = 0; r < rows; r++, row += rowStep) {
      let p = row;
      for (let k = 0; k < cols; k++, p += px) {
        const d = dxImage + p;
        v128.store(d, timesX ? madd(g, v128.load(xImage + p), v128.load(d)) : f32x4.add(v128.load(d), g));
      }
    }
  }
  for (; c < C; c++) {
    const cb = <usize>c << 2;
    let g: f32;
    if (timesX) {
      const y = load<f32>(yp + cb);
      g = y == 0 ? 0 : load<f32>(dyp + cb) * scale / y;
    } else {
      g = load<f32>(dyp + cb) / divisor;
    }
    let row = offset + cb;
    for (let r = 0; r < rows; r++, row += rowStep) {
      let p = row;
      for (let k = 0; k < cols; k++, p += px) {
        const d = dxImage + p;
        store<f32>(d, load<f32>(d) + (timesX ? g * load<f32>(xImage + p) : g));
      }
    }
  }
}

/** maxWindow for the four channels c .. c+3. */
@inline function maxWindow4(image: usize, W: i32, C: i32, h0: i32, h1: i32, w0: i32, w1: i32,
  out: usize, index: usize, indexed: bool, c: i32, first: v128): void {
  const px = <usize>C << 2;
  let m = v128.load(at(image, W, C, h0, w0, c)), i = first;
  for (let h = h0, w = w0 + 1; h < h1; h++, w = w0) {
    let p = at(image, W, C, h, w, c);
    for (; w < w1; w++, p += px) {
      const v = v128.load(p);
      const k = takesOver(v, m);
      m = select(v, m, k);
      if (indexed) i = select(i32x4.splat(h * W + w), i, k);
    }
  }
  v128.store(out + (<usize>c << 2), m);
  if (indexed) v128.store(index + (<usize>c << 2), i);
}

/**
 * Max over the window per channel; with `indexed`, also the flat index h·W + w of the winner.
 * The first tap seeds the maximum, exactly as PyTorch's −∞ start would end after it, so only the
 * other taps are compared.
 */
@inline function maxWindow(image: usize, W: i32, C: i32, h0: i32, h1: i32, w0: i32, w1: i32,
  out: usize, index: usize, indexed: bool): void {
  const px = <usize>C << 2, firstIndex = h0 * W + w0;
  if (h0 >= h1 || w0 >= w1) {
    // Only reachable with a geometry PyTorch's shape rules exclude: what PyTorch's loop would leave.
    for (let c = 0; c < C; c++) {
      store<f32>(out + (<usize>c << 2), -Infinity);
      if (indexed) store<i32>(index + (<usize>c << 2), firstIndex);
    }
    return;
  }
  const first = i32x4.splat(firstIndex);
  let c = 0;
  for (; c + 16 <= C; c += 16) {
    const f = at(image, W, C, h0, w0, c);
    let m0 = v128.load(f), m1 = v128.load(f, 16), m2 = v128.load(f, 32), m3 = v128.load(f, 48);
    let i0 = first, i1 = first, i2 = first, i3 = first;
    for (let h = h0, w = w0 + 1; h < h1; h++, w = w0) {
      let p = at(image, W, C, h, w, c);
      for (; w < w1; w++, p += px) {
        const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
        const k0 = takesOver(v0, m0), k1 = takesOver(v1, m1), k2 = takesOver(v2, m2), k3 = takesOver(v3, m3);
        m0 = select(v0, m0, k0); m1 = select(v1, m1, k1); m2 = select(v2, m2, k2); m3 = select(v3, m3, k3);
        if (indexed) {
          const here = i32x4.splat(h * W + w);
          i0 = select(here, i0, k0); i1 = select(here, i1, k1); i2 = select(here, i2, k2); i3 = select(here, i3, k3);
        }
      }
    }
    const o = out + (<usize>c << 2);
    v128.store(o, m0); v128.store(o, m1, 16); v128.store(o, m2, 32); v128.store(o, m3, 48);
    if (indexed) {
      const q = index + (<usize>c << 2);
      v128.store(q, i0); v128.store(q, i1, 16); v128.store(q, i2, 32); v128.store(q, i3, 48);
    }
  }
  for (; c + 4 <= C; c += 4) maxWindow4(image, W, C, h0, h1, w0, w1, out, index, indexed, c, first);
  // The last channels of a pixel (C = 6, LeNet's first pool) in one vector that overlaps the
  // previous one: its shared lanes are computed and written again with the same values.
  if (c < C && C >= 4) {
    maxWindow4(image, W, C, h0, h1, w0, w1, out, index, indexed, C - 4, first);
    return;
  }
  for (; c < C; c++) {
    let m = load<f32>(at(image, W, C, h0, w0, c)), i = firstIndex;
    for (let h = h0, w = w0 + 1; h < h1; h++, w = w0) {
      let p = at(image, W, C, h, w, c);
      for (; w < w1; w++, p += px) {
        const v = load<f32>(p);
        if (v > m || v != v) { m = v; i = h * W + w; }
      }
    }
    store<f32>(out + (<usize>c << 2), m);
    if (indexed) store<i32>(index + (<usize>c << 2), i);
  }
}

// ---- max pooling -----------------------------------------------------------------------------------

export function maxPool2dForward(geom: usize, x: usize, y: usize, argmax: usize): void {
  const N = word(geom, POOL_N), H = word(geom, POOL_H), W = word(geom, POOL_W), C = word(geom, POOL_C);
  const KH = word(geom, POOL_KH), KW = word(geom, POOL_KW), SH = word(geom, POOL_SH), SW = word(geom, POOL_SW);
  const PT = word(geom, POOL_PAD_T), PL = word(geom, POOL_PAD_L), OH = word(geom, POOL_OH), OW = word(geom, POOL_OW);
  const px = <usize>C << 2, imageBytes = <usize>H * <usize>W * px;
  let out: usize = 0;
  for (let n = 0; n < N; n++) {
    const image = x + <usize>n * imageBytes;
    for (let oh = 0; oh < OH; oh++) {
      const hs = oh * SH - PT, h0 = max(hs, 0), h1 = min(hs + KH, H);
      for (let ow = 0; ow < OW; ow++, out += px) {
        const ws = ow * SW - PL, w0 = max(ws, 0), w1 = min(ws + KW, W);
        if (argmax != 0) maxWindow(image, W, C, h0, h1, w0, w1, y + out, argmax + out, true);
        else maxWindow(image, W, C, h0, h1, w0, w1, y + out, 0, false);
      }
    }
  }
}

/**
 * dx = 0, then dx[argmax] += dy. When windows do not overlap (stride ≥ kernel, the usual 2×2/2),
 * each input tap belongs to one window at most, so its gradient is written directly as
 * dy where argmax names it, else 0: one SIMD pass over dx, and no zeroing pass when the windows
 * tile the image exactly. Overlapping windows scatter-add lane by lane after zeroing.
 */
export function maxPool2dBackward(geom: usize, dy: usize, argmax: usize, dx: usize): void {
  const N = word(geom, POOL_N), H = word(geom, POOL_H), W = word(geom, POOL_W), C = word(geom, POOL_C);
  const KH = word(geom, POOL_KH), KW = word(geom, POOL_KW), SH = word(geom, POOL_SH), SW = word(geom, POOL_SW);
  const PT = word(geom, POOL_PAD_T), PL = word(geom, POOL_PAD_L), OH = word(geom, POOL_OH), OW = word(geom, POOL_OW);
  const pixels = <u32>(H * W), px = <usize>C << 2, imageBytes = <usize>pixels * px;
  const tiles = SH == KH && SW == KW && PT == 0 && PL == 0 && OH * KH == H && OW * KW == W;
  if (!tiles) memory.fill(dx, 0, <usize>N * imageBytes);
  if (SH >= KH && SW >= KW) {
    maxUnpoolDisjoint(N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW, dy, argmax, dx);
    return;
  }
  const outPerImage = OH * OW;
  let o: usize = 0;
  for (let n = 0; n < N; n++) {
    const image = dx + <usize>n * imageBytes;
    for (let q = 0; q < outPerImage; q++) {
      let d = image;
      for (let c = 0; c < C; c++, o += 4, d += 4) {
        const i = load<i32>(argmax + o);
        // An index outside the image (only from an empty window, which PyTorch's shape rules
        // exclude) is skipped rather than written out of bounds.
        if (<u32>i < pixels) {
          const p = d + (<usize>i * <usize>C << 2);
          store<f32>(p, load<f32>(p) + load<f32>(dy + o));
        }
      }
    }
  }
}

/** The backward of non-overlapping max pooling: dx[tap] = argmax == tap ? dy : 0 per window tap. */
function maxUnpoolDisjoint(N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, SH: i32, SW: i32, PT: i32,
  PL: i32, OH: i32, OW: i32, dy: usize, argmax: usize, dx: usize): void {
  const px = <usize>C << 2, imageBytes = <usize>H * <usize>W * px;
  const vectorBytes = <usize>(C & ~3) << 2;
  let out: usize = 0;
  for (let n = 0; n < N; n++) {
    const image = dx + <usize>n * imageBytes;
    for (let oh = 0; oh < OH; oh++) {
      const hs = oh * SH - PT, h0 = max(hs, 0), h1 = min(hs + KH, H);
      for (let ow = 0; ow < OW; ow++, out += px) {
        const ws = ow * SW - PL, w0 = max(ws, 0), w1 = min(ws + KW, W);
        const g = dy + out, a = argmax + out;
        for (let h = h0; h < h1; h++) {
          for (let w = w0; w < w1; w++) {
            const tap = h * W + w, here = i32x4.splat(tap), d = at(image, W, C, h, w, 0);
            let cb: usize = 0;
            for (; cb < vectorBytes; cb += 16) {
              v128.store(d + cb, v128.and(v128.load(g + cb), i32x4.eq(v128.load(a + cb), here)));
            }
            // The last channels in one overlapping vector (same values written twice), as in the forward.
            if (cb < px && px >= 16) {
              cb = px - 16;
              v128.store(d + cb, v128.and(v128.load(g + cb), i32x4.eq(v128.load(a + cb), here)));
              continue;
            }
            for (; cb < px; cb += 4) store<f32>(d + cb, load<i32>(a + cb) == tap ? load<f32>(g + cb) : 0);
          }
        }
      }
    }
  }
}

// ---- average and power-average pooling ------------------------------------------------------------

// Avg and LP pooling share their window loop and PyTorch's avg_pool2d divisor: the window's area
// is counted before clipping to the image, but only as far as the bottom / right padding reaches.
const AVG = 0, LP2 = 1, LP = 2;

/**
 * Avg and LP pooling, forward (y from x) or backward (dx = 0, then each window scatters dy):
 * one walk over the windows with their divisors. `mode` and `backward` are constants at every
 * call, so each kernel keeps only its own branch.
 */
@inline function poolSum(geom: usize, mode: i32, backward: bool, p: f32, x: usize, y: usize, dy: usize, dx: usize): void {
  const N = word(geom, POOL_N), H = word(geom, POOL_H), W = word(geom, POOL_W), C = word(geom, POOL_C);
  const KH = word(geom, POOL_KH), KW = word(geom, POOL_KW), SH = word(geom, POOL_SH), SW = word(geom, POOL_SW);
  const PT = word(geom, POOL_PAD_T), PL = word(geom, POOL_PAD_L), PB = word(geom, POOL_PAD_B), PR = word(geom, POOL_PAD_R);
  const OH = word(geom, POOL_OH), OW = word(geom, POOL_OW);
  const includePad = (word(geom, POOL_FLAGS) & POOL_FLAG_COUNT_INCLUDE_PAD) != 0;
  const px = <usize>C << 2, imageBytes = <usize>H * <usize>W * px;
  const area = <f32>(KH * KW);
  if (backward) memory.fill(dx, 0, <usize>N * imageBytes);
  let out: usize = 0;
  for (let n = 0; n < N; n++) {
    const offset = <usize>n * imageBytes, xImage = x + offset, dxImage = dx + offset;
    for (let oh = 0; oh < OH; oh++) {
      let h0 = oh * SH - PT, h1 = min(h0 + KH, H + PB);
      const paddedH = h1 - h0;
      h0 = max(h0, 0); h1 = min(h1, H);
      for (let ow = 0; ow < OW; ow++, out += px) {
        let w0 = ow * SW - PL, w1 = min(w0 + KW, W + PR);
        const paddedW = w1 - w0;
        w0 = max(w0, 0); w1 = min(w1, W);
        const divisor = <f32>(includePad ? paddedH * paddedW : (h1 - h0) * (w1 - w0));
        if (!backward) {
          if (mode == AVG) sumWindow(xImage, W, C, h0, h1, w0, w1, y + out, divisor, 1, false);
          else if (mode == LP2) sumWindow(xImage, W, C, h0, h1, w0, w1, y + out, divisor, area, true);
          else powerSumWindow(xImage, W, C, h0, h1, w0, w1, y + out, divisor, area, p);
        } else if (mode == AVG) scatterWindow(dxImage, xImage, W, C, h0, h1, w0, w1, dy + out, 0, divisor, 1, false);
        else if (mode == LP2) scatterWindow(dxImage, xImage, W, C, h0, h1, w0, w1, dy + out, y + out, divisor, area / divisor, true);
        else powerScatterWindow(dxImage, xImage, W, C, h0, h1, w0, w1, dy + out, y + out, area / divisor, p);
      }
    }
  }
}

/** LPPool for a general p, lane by lane (pow has no SIMD form): y = ((Σ x^p / divisor) · scale)^(1/p). */
function powerSumWindow(image: usize, W: i32, C: i32, h0: i32, h1: i32, w0: i32, w1: i32,
  out: usize, divisor: f32, scale: f32, p: f32): void {
  const px = <usize>C << 2;
  for (let c = 0; c < C; c++) {
    let s: f32 = 0;
    for (let h = h0; h < h1; h++) {
      let q = at(image, W, C, h, w0, c);
      for (let w = w0; w < w1; w++, q += px) s += <f32>Math.pow(load<f32>(q), p);
    }
    store<f32>(out + (<usize>c << 2), <f32>Math.pow(s / divisor * scale, 1.0 / <f64>p));
  }
}

/** dx[window] += dy · scale · x^(p−1) · y^(1−p), 0 where y = 0 (for p = 1 the factor y^0 is just 1). */
function powerScatterWindow(dxImage: usize, xImage: usize, W: i32, C: i32, h0: i32, h1: i32, w0: i32, w1: i32,
  dyp: usize, yp: usize, scale: f32, p: f32): void {
  const px = <usize>C << 2;
  for (let c = 0; c < C; c++) {
    const cb = <usize>c << 2, y = load<f32>(yp + cb);
    const g: f32 = p == 1 ? load<f32>(dyp + cb) * scale
      : y == 0 ? 0 : <f32>(<f64>load<f32>(dyp + cb) * <f64>scale * Math.pow(y, 1 - <f64>p));
    for (let h = h0; h < h1; h++) {
      let q = (<usize>(h * W + w0) * <usize>C << 2) + cb;
      for (let w = w0; w < w1; w++, q += px) {
        const d = dxImage + q;
        store<f32>(d, load<f32>(d) + g * <f32>Math.pow(load<f32>(xImage + q), <f64>p - 1));
      }
    }
  }
}

export function avgPool2dForward(geom: usize, x: usize, y: usize): void {
  poolSum(geom, AVG, false, 0, x, y, 0, 0);
}

export function avgPool2dBackward(geom: usize, dy: usize, dx: usize): void {
  poolSum(geom, AVG, true, 0, 0, 0, dy, dx);
}

export function lpPool2dForward(geom: usize, p: f32, x: usize, y: usize): void {
  if (p == 2) poolSum(geom, LP2, false, p, x, y, 0, 0);
  else poolSum(geom, LP, false, p, x, y, 0, 0);
}

export function lpPool2dBackward(geom: usize, p: f32, x: usize, y: usize, dy: usize, dx: usize): void {
  if (p == 2) poolSum(geom, LP2, true, p, x, y, dy, dx);
  else poolSum(geom, LP, true, p, x, y, dy, dx);
}

// ---- adaptive average pooling ------------------------------------------------------------------------

export function adaptiveAvgPool2dForward(geom: usize, x: usize, y: usize): void {
  const N = word(geom, POOL_N), H = word(geom, POOL_H), W = word(geom, POOL_W), C = word(geom, POOL_C);
  const OH = word(geom, POOL_OH), OW = word(geom, POOL_OW);
  const px = <usize>C << 2, imageBytes = <usize>H * <usize>W * px;
  if (OH == 1 && OW == 1) {
    globalAvgPoolForward(N, H * W, C, x, y);
    return;
  }
  let out: usize = 0;
  for (let n = 0; n < N; n++) {
    const image = x + <usize>n * imageBytes;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * H / OH, h1 = ((oh + 1) * H + OH - 1) / OH;
      for (let ow = 0; ow < OW; ow++, out += px) {
        const w0 = ow * W / OW, w1 = ((ow + 1) * W + OW - 1) / OW;
        sumWindow(image, W, C, h0, h1, w0, w1, y + out, <f32>((h1 - h0) * (w1 - w0)), 1, false);
      }
    }
  }
}

export function adaptiveAvgPool2dBackward(geom: usize, dy: usize, dx: usize): void {
  const N = word(geom, POOL_N), H = word(geom, POOL_H), W = word(geom, POOL_W), C = word(geom, POOL_C);
  const OH = word(geom, POOL_OH), OW = word(geom, POOL_OW);
  const px = <usize>C << 2, imageBytes = <usize>H * <usize>W * px;
  if (OH == 1 && OW == 1) {
    globalAvgPoolBackward(N, H * W, C, dy, dx);
    return;
  }
  memory.fill(dx, 0, <usize>N * imageBytes);
  let out: usize = 0;
  for (let n = 0; n < N; n++) {
    const dxImage = dx + <usize>n * imageBytes;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * H / OH, h1 = ((oh + 1) * H + OH - 1) / OH;
      for (let ow = 0; ow < OW; ow++, out += px) {
        const w0 = ow * W / OW, w1 = ((ow + 1) * W + OW - 1) / OW;
        scatterWindow(dxImage, 0, W, C, h0, h1, w0, w1, dy + out, 0, <f32>((h1 - h0) * (w1 - w0)), 1, false);
      }
    }
  }
}

/** Global average pooling streams the image once, pixel by pixel, summing into y (which stays in
 *  L1): walking it a channel tile at a time would stride through memory C/16 times. */
function globalAvgPoolForward(N: i32, pixels: i32, C: i32, x: usize, y: usize): void {
  const px = <usize>C << 2, divisor = <f32>pixels, vd = f32x4.splat(divisor);
  const vectorBytes = <usize>(C & ~3) << 2;
  let p = x;
  for (let n = 0; n < N; n++) {
    const out = y + <usize>n * px;
    memory.fill(out, 0, px);
    for (let q = 0; q < pixels; q++, p += px) {
      let cb: usize = 0;
      for (; cb + 64 <= vectorBytes; cb += 64) {
        const o = out + cb, i = p + cb;
        v128.store(o, f32x4.add(v128.load(o), v128.load(i)));
        v128.store(o, f32x4.add(v128.load(o, 16), v128.load(i, 16)), 16);
        v128.store(o, f32x4.add(v128.load(o, 32), v128.load(i, 32)), 32);
        v128.store(o, f32x4.add(v128.load(o, 48), v128.load(i, 48)), 48);
      }
      for (; cb < vectorBytes; cb += 16) v128.store(out + cb, f32x4.add(v128.load(out + cb), v128.load(p + cb)));
      for (; cb < px; cb += 4) store<f32>(out + cb, load<f32>(out + cb) + load<f32>(p + cb));
    }
    let cb: usize = 0;
    for (; cb < vectorBytes; cb += 16) v128.store(out + cb, f32x4.div(v128.load(out + cb), vd));
    for (; cb < px; cb += 4) store<f32>(out + cb, load<f32>(out + cb) / divisor);
  }
}

/** Global average pooling's gradient is dy / (H·W) broadcast to every pixel: computed into the
 *  image's first pixel, then copied from there (L1) to the others in one streaming pass. */
function globalAvgPoolBackward(N: i32, pixels: i32, C: i32, dy: usize, dx: usize): void {
  const px = <usize>C << 2, divisor = <f32>pixels, vd = f32x4.splat(divisor);
  const vectorBytes = <usize>(C & ~3) << 2;
  for (let n = 0; n < N; n++) {
    const g = dy + <usize>n * px, first = dx + <usize>n * <usize>pixels * px;
    let cb: usize = 0;
    for (; cb < vectorBytes; cb += 16) v128.store(first + cb, f32x4.div(v128.load(g + cb), vd));
    for (; cb < px; cb += 4) store<f32>(first + cb, load<f32>(g + cb) / divisor);
    let d = first + px;
    for (let q = 1; q < pixels; q++, d += px) {
      cb = 0;
      for (; cb < vectorBytes; cb += 16) v128.store(d + cb, v128.load(first + cb));
      for (; cb < px; cb += 4) store<f32>(d + cb, load<f32>(first + cb));
    }
  }
}
