// SIMD versions of the transcendental functions the kernels need (wasm SIMD has none).
// Relative error is a few float32 ulps (about 2e-7), well inside the tests' tolerance against
// Math.exp / Math.tanh; every function is finite for finite input and keeps NaN as NaN.

const LOG2E: f32 = 1.4426950408889634;
// ln 2 split so that n · LN2_HI is exact for |n| < 2^15 (Cody–Waite): r keeps full precision.
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440054690583e-4;

// 1/k! for the Taylor series of e^r on |r| ≤ ln2/2, where degree 7 is below float32 rounding.
const C2: f32 = 0.5, C3: f32 = 1.0 / 6.0, C4: f32 = 1.0 / 24.0, C5: f32 = 1.0 / 120.0,
  C6: f32 = 1.0 / 720.0, C7: f32 = 1.0 / 5040.0;

/** e^r − 1 for |r| ≤ ln2/2 without the cancellation of computing e^r first. */
@inline function expm1Reduced(r: v128): v128 {
  let p = f32x4.add(f32x4.mul(f32x4.splat(C7), r), f32x4.splat(C6));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  return f32x4.mul(p, r);
}

/** Splits x = n·ln2 + r with integer n (returned in `n` lanes as f32) and |r| ≤ ln2/2. */
@inline function reduceLn2(x: v128, n: v128): v128 {
  const r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  return f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
}

/** 2^k for integer lanes k in [-126, 127], built in the exponent field. */
@inline function pow2i(k: v128): v128 {
  return i32x4.shl(i32x4.add(k, i32x4.splat(127)), 23);
}

/** e^x per lane; overflows to +Inf above ~88.72 and underflows gradually to 0 below ~-87.3. */
@inline export function exp4(x: v128): v128 {
  // The clamp keeps n in [-150, 128]; scaling by 2^n in two halves then reaches both Inf and
  // the denormals without an out-of-range exponent.
  const xc = f32x4.min(f32x4.max(x, f32x4.splat(-104.0)), f32x4.splat(89.0));
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E)));
  const p = f32x4.add(expm1Reduced(reduceLn2(xc, n)), f32x4.splat(1.0));
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const n1 = i32x4.shr_s(ni, 1);
  return f32x4.mul(f32x4.mul(p, pow2i(n1)), pow2i(i32x4.sub(ni, n1)));
}

/** tanh per lane as expm1(2|x|) / (expm1(2|x|) + 2), which is accurate near 0 as well. */
@inline export function tanh4(x: v128): v128 {
  const sign = v128.and(x, f32x4.splat(-0.0));
  // tanh(9) rounds to 1 in float32; the clamp keeps expm1 finite.
  const u = f32x4.mul(f32x4.min(f32x4.abs(x), f32x4.splat(9.0)), f32x4.splat(2.0));
  const n = f32x4.nearest(f32x4.mul(u, f32x4.splat(LOG2E)));
  const q = expm1Reduced(reduceLn2(u, n));
  const scale = pow2i(i32x4.trunc_sat_f32x4_s(n));
  const em1 = f32x4.add(f32x4.mul(q, scale), f32x4.sub(scale, f32x4.splat(1.0)));
  const t = f32x4.div(em1, f32x4.add(em1, f32x4.splat(2.0)));
  return v128.or(t, sign);
}

/** The logistic function per lane, from e^−|x| so nothing overflows. */
@inline export function sigmoid4(x: v128): v128 {
  const z = exp4(f32x4.neg(f32x4.abs(x)));
  const s = f32x4.div(f32x4.splat(1.0), f32x4.add(z, f32x4.splat(1.0)));
  return v128.bitselect(f32x4.mul(z, s), s, f32x4.lt(x, f32x4.splat(0.0)));
}

@inline export function expf(x: f32): f32 {
  return f32x4.extract_lane(exp4(f32x4.splat(x)), 0);
}

@inline export function tanhf(x: f32): f32 {
  return f32x4.extract_lane(tanh4(f32x4.splat(x)), 0);
}

@inline export function sigmoidf(x: f32): f32 {
  return f32x4.extract_lane(sigmoid4(f32x4.splat(x)), 0);
}

/** Sum of the four lanes. */
@inline export function hsum(v: v128): f32 {
  const s = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** Maximum of the four lanes. */
@inline export function hmax(v: v128): f32 {
  const m = f32x4.max(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return max<f32>(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1));
}
