// Batch normalisation over [rows, channels] and local response normalisation across channels.
//
// Accuracy of the batch-norm sums: every per-channel sum is accumulated in float64 (f64x2 lanes,
// promoted from the float32 data or from float32 products dy·(x − mean)), and the variance is the
// centred second pass Σ(x − mean)², not E[x²] − mean². For rows up to ~10^5 and beyond the sums
// are then exact to float32 rounding, where a float32 running sum would lose up to ~rows·2^-24.
// There is no scratch for per-channel float64 sums, so each pass walks one block of channels
// (16 for the statistics, 8 for the backward) down all rows with the block's sums in registers.

import { at, hi2, lo2, narrow } from "./sums";

// ---- statistics ---------------------------------------------------------------------------------

/**
 * Mean and biased variance of a block of 4·nv channels (nv = 1, 2 or 4) starting at channel c.
 * Wider blocks read more of each row's cache line per pass; 16 channels keep 8 f64x2 sums.
 */
@inline function statsBlock(nv: i32, x: usize, mean: usize, variance: usize, rows: i32, channels: i32, c: i32): void {
  const rowBytes = <usize>channels << 2;
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
  let p = at(x, c);
  for (let r = 0; r < rows; r++, p += rowBytes) {
    const v0 = v128.load(p);
    s0 = f64x2.add(s0, lo2(v0)); s1 = f64x2.add(s1, hi2(v0));
    if (nv > 1) {
      const v1 = v128.load(p, 16);
      s2 = f64x2.add(s2, lo2(v1)); s3 = f64x2.add(s3, hi2(v1));
    }
    if (nv > 2) {
      const v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      s4 = f64x2.add(s4, lo2(v2)); s5 = f64x2.add(s5, hi2(v2));
      s6 = f64x2.add(s6, lo2(v3)); s7 = f64x2.add(s7, hi2(v3));
    }
  }
  const n = f64x2.splat(<f64>rows);
  const m0 = f64x2.div(s0, n), m1 = f64x2.div(s1, n), m2 = f64x2.div(s2, n), m3 = f64x2.div(s3, n);
  const m4 = f64x2.div(s4, n), m5 = f64x2.div(s5, n), m6 = f64x2.div(s6, n), m7 = f64x2.div(s7, n);
  s0 = f64x2.splat(0); s1 = s0; s2 = s0; s3 = s0; s4 = s0; s5 = s0; s6 = s0; s7 = s0;
  p = at(x, c);
  for (let r = 0; r < rows; r++, p += rowBytes) {
    const v0 = v128.load(p);
    s0 = addSquare(s0, lo2(v0), m0); s1 = addSquare(s1, hi2(v0), m1);
    if (nv > 1) {
      const v1 = v128.load(p, 16);
      s2 = addSquare(s2, lo2(v1), m2); s3 = addSquare(s3, hi2(v1), m3);
    }
    if (nv > 2) {
      const v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      s4 = addSquare(s4, lo2(v2), m4); s5 = addSquare(s5, hi2(v2), m5);
      s6 = addSquare(s6, lo2(v3), m6); s7 = addSquare(s7, hi2(v3), m7);
    }
  }
  v128.store(at(mean, c), narrow(m0, m1));
  v128.store(at(variance, c), narrow(f64x2.div(s0, n), f64x2.div(s1, n)));
  if (nv > 1) {
    v128.store(at(mean, c + 4), narrow(m2, m3));
    v128.store(at(variance, c + 4), narrow(f64x2.div(s2, n), f64x2.div(s3, n)));
  }
  if (nv > 2) {
    v128.store(at(mean, c + 8), narrow(m4, m5));
    v128.store(at(variance, c + 8), narrow(f64x2.div(s4, n), f64x2.div(s5, n)));
    v128.store(at(mean, c + 12), narrow(m6, m7));
    v128.store(at(variance, c + 12), narrow(f64x2.div(s6, n), f64x2.div(s7, n)));
  }
}

/** acc + (v − m)². */
@inline function addSquare(acc: v128, v: v128, m: v128): v128 {
  const d = f64x2.sub(v, m);
  return f64x2.add(acc, f64x2.mul(d, d));
}

function stats1(x: usize, mean: usize, variance: usize, rows: i32, channels: i32, c: i32): void {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) s += <f64>load<f32>(at(x, r * channels + c));
  const m = s / <f64>rows;
  let q: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const d = <f64>load<f32>(at(x, r * channels + c)) - m;
    q += d * d;
  }
  store<f32>(at(mean, c), <f32>m);
  store<f32>(at(variance, c), <f32>(q / <f64>rows));
}

export function batchNormStats(x: usize, mean: usize, variance: usize, rows: i32, channels: i32): void {
  let c = 0;
  for (; c + 16 <= channels; c += 16) statsBlock(4, x, mean, variance, rows, channels, c);
  if (c + 8 <= channels) { statsBlock(2, x, mean, variance, rows, channels, c); c += 8; }
  if (c + 4 <= channels) { statsBlock(1, x, mean, variance, rows, channels, c); c += 4; }
  for (; c < channels; c++) stats1(x, mean, variance, rows, channels, c);
}

// ---- forward --------------------------------------------------------------------------------------

@inline function param4(p: usize, c: i32, absent: f32): v128 {
  return p ? v128.load(at(p, c)) : f32x4.splat(absent);
}

@inline function param1(p: usize, c: i32, absent: f32): f32 {
  return p ? load<f32>(at(p, c)) : absent;
}

export function batchNormForward(x: usize, mean: usize, invStd: usize, gamma: usize, beta: usize,
  y: usize, rows: i32, channels: i32): void {
  // Row-major so x and y stream once; the per-channel vectors stay in L1 across rows.
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * channels), yr = at(y, r * channels);
    let c = 0;
    for (; c + 4 <= channels; c += 4) {
      const scale = f32x4.mul(v128.load(at(invStd, c)), param4(gamma, c, 1));
      const centred = f32x4.sub(v128.load(at(xr, c)), v128.load(at(mean, c)));
      v128.store(at(yr, c), f32x4.add(f32x4.mul(centred, scale), param4(beta, c, 0)));
    }
    for (; c < channels; c++) {
      const scale = load<f32>(at(invStd, c)) * param1(gamma, c, 1);
      store<f32>(at(yr, c), (load<f32>(at(xr, c)) - load<f32>(at(mean, c))) * scale + param1(beta, c, 0));
    }
  }
}

// ---- backward -------------------------------------------------------------------------------------

/**
 * The gradients for a block of 4·nv channels (nv = 1 or 2) at c. Pass 1 sums Σdy and
 * Σdy·(x − mean) in float64; pass 2 writes
 * dx = invStd·γ·(dy − Σdy/rows − (x − mean)·invStd²·Σdy·(x − mean)/rows) when training, else
 * dx = dy·invStd·γ.
 */
@inline function backwardBlock(nv: i32, training: i32, x: usize, dy: usize, mean: usize, invStd: usize,
  gamma: usize, dx: usize, dgamma: usize, dbeta: usize, rows: i32, channels: i32, c: i32): void {
  const rowBytes = <usize>channels << 2;
  const ma = v128.load(at(mean, c)), isa = v128.load(at(invStd, c));
  const mb = nv > 1 ? v128.load(at(mean, c + 4)) : ma, isb = nv > 1 ? v128.load(at(invStd, c + 4)) : isa;
  let dy0 = f64x2.splat(0), dy1 = dy0, dy2 = dy0, dy3 = dy0, dx0 = dy0, dx1 = dy0, dx2 = dy0, dx3 = dy0;
  if (training || dgamma || dbeta) {
    let px = at(x, c), pdy = at(dy, c);
    for (let r = 0; r < rows; r++, px += rowBytes, pdy += rowBytes) {
      const d = v128.load(pdy);
      const prod = f32x4.mul(d, f32x4.sub(v128.load(px), ma));
      dy0 = f64x2.add(dy0, lo2(d)); dy1 = f64x2.add(dy1, hi2(d));
      dx0 = f64x2.add(dx0, lo2(prod)); dx1 = f64x2.add(dx1, hi2(prod));
      if (nv > 1) {
        const e = v128.load(pdy, 16);
        const prodb = f32x4.mul(e, f32x4.sub(v128.load(px, 16), mb));
        dy2 = f64x2.add(dy2, lo2(e)); dy3 = f64x2.add(dy3, hi2(e));
        dx2 = f64x2.add(dx2, lo2(prodb)); dx3 = f64x2.add(dx3, hi2(prodb));
      }
    }
  }
  // Per 4 channels: g = invStd·γ, c1 = Σdy/rows, c2 = invStd·Σdy·xhat/rows.
  const ga = f32x4.mul(isa, param4(gamma, c, 1)), gb = nv > 1 ? f32x4.mul(isb, param4(gamma, c + 4, 1)) : ga;
  const n = f32x4.splat(<f32>rows);
  const sdya = narrow(dy0, dy1), sdxa = f32x4.mul(narrow(dx0, dx1), isa);
  const sdyb = narrow(dy2, dy3), sdxb = f32x4.mul(narrow(dx2, dx3), isb);
  if (dgamma) { v128.store(at(dgamma, c), sdxa); if (nv > 1) v128.store(at(dgamma, c + 4), sdxb); }
  if (dbeta) { v128.store(at(dbeta, c), sdya); if (nv > 1) v128.store(at(dbeta, c + 4), sdyb); }
  let px = at(x, c), pdy = at(dy, c), pdx = at(dx, c);
  if (training) {
    const c1a = f32x4.div(sdya, n), c2a = f32x4.div(f32x4.mul(sdxa, isa), n);
    const c1b = f32x4.div(sdyb, n), c2b = f32x4.div(f32x4.mul(sdxb, isb), n);
    for (let r = 0; r < rows; r++, px += rowBytes, pdy += rowBytes, pdx += rowBytes) {
      const ta = f32x4.sub(f32x4.sub(v128.load(pdy), c1a), f32x4.mul(f32x4.sub(v128.load(px), ma), c2a));
      v128.store(pdx, f32x4.mul(ga, ta));
      if (nv > 1) {
        const tb = f32x4.sub(f32x4.sub(v128.load(pdy, 16), c1b), f32x4.mul(f32x4.sub(v128.load(px, 16), mb), c2b));
        v128.store(pdx, f32x4.mul(gb, tb), 16);
      }
    }
  } else {
    for (let r = 0; r < rows; r++, pdy += rowBytes, pdx += rowBytes) {
      v128.store(pdx, f32x4.mul(v128.load(pdy), ga));
      if (nv > 1) v128.store(pdx, f32x4.mul(v128.load(pdy, 16), gb), 16);
    }
  }
}

function backward1(training: i32, x: usize, dy: usize, mean: usize, invStd: usize, gamma: usize,
  dx: usize, dgamma: usize, dbeta: usize, rows: i32, channels: i32, c: i32): void {
  const m = load<f32>(at(mean, c)), is = load<f32>(at(invStd, c));
  const g = is * param1(gamma, c, 1);
  let sdy: f64 = 0, sdx: f64 = 0;
  if (training || dgamma || dbeta) {
    for (let r = 0; r < rows; r++) {
      const i = r * channels + c;
      const d = load<f32>(at(dy, i));
      sdy += <f64>d;
      sdx += <f64>(d * (load<f32>(at(x, i)) - m));
    }
  }
  const sdxhat = <f32>sdx * is;
  if (dgamma) store<f32>(at(dgamma, c), sdxhat);
  if (dbeta) store<f32>(at(dbeta, c), <f32>sdy);
  const n = <f32>rows;
  const c1 = <f32>sdy / n, c2 = sdxhat * is / n;
  for (let r = 0; r < rows; r++) {
    const i = r * channels + c;
    const d = load<f32>(at(dy, i));
    store<f32>(at(dx, i), training ? g * (d - c1 - (load<f32>(at(x, i)) - m) * c2) : d * g);
  }
}

export function batchNormBackward(training: i32, x: usize, dy: usize, mean: usize, invStd: usize,
  gamma: usize, dx: usize, dgamma: usize, dbeta: usize, rows: i32, channels: i32): void {
  let c = 0;
  for (; c + 8 <= channels; c += 8) backwardBlock(2, training, x, dy, mean, invStd, gamma, dx, dgamma, dbeta, rows, channels, c);
  if (c + 4 <= channels) { backwardBlock(1, training, x, dy, mean, invStd, gamma, dx, dgamma, dbeta, rows, channels, c); c += 4; }
  for (; c < channels; c++) backward1(training, x, dy, mean, invStd, gamma, dx, dgamma, dbeta, rows, channels, c);
}

// ---- local response normalisation ---------------------------------------------------------------

/** d^(−beta) per lane; the usual exponents (AlexNet's 0.75, 0.5, 1) stay in SIMD square roots. */
@inline function powNeg4(d: v128, beta: f32): v128 {
  const one = f32x4.splat(1);
  if (beta == 0.75) {
    const s = f32x4.sqrt(d);
    return f32x4.div(one, f32x4.mul(s, f32x4.sqrt(s)));
  }
  if (beta == 0.5) return f32x4.div(one, f32x4.sqrt(d));
  if (beta == 1) return f32x4.div(one, d);
  return f32x4(Mathf.pow(f32x4.extract_lane(d, 0), -beta), Mathf.pow(f32x4.extract_lane(d, 1), -beta),
    Mathf.pow(f32x4.extract_lane(d, 2), -beta), Mathf.pow(f32x4.extract_lane(d, 3), -beta));
}

@inline function powNeg1(d: f32, beta: f32): f32 {
  return f32x4.extract_lane(powNeg4(f32x4.splat(d), beta), 0);
}

export function lrnForward(x: usize, y: usize, denom: usize, rows: i32, channels: i32, size: i32,
  alpha: f32, beta: f32, k: f32): void {
  const before = size >> 1, after = (size - 1) >> 1;
  const scale = alpha / <f32>size;
  const kv = f32x4.splat(k), sv = f32x4.splat(scale);
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * channels), yr = at(y, r * channels), dr = at(denom, r * channels);
    for (let c = 0; c < channels;) {
      // A 4-channel block whose whole window lies inside the row goes in SIMD; edges are scalar.
      if (c >= before && c + 3 + after < channels) {
        let s = f32x4.splat(0);
        for (let j = -before; j <= after; j++) {
          const v = v128.load(at(xr, c + j));
          s = f32x4.add(s, f32x4.mul(v, v));
        }
        const d = f32x4.add(kv, f32x4.mul(sv, s));
        v128.store(at(dr, c), d);
        v128.store(at(yr, c), f32x4.mul(v128.load(at(xr, c)), powNeg4(d, beta)));
        c += 4;
      } else {
        const from = max(0, c - before), to = min(channels - 1, c + after);
        let s: f32 = 0;
        for (let j = from; j <= to; j++) {
          const v = load<f32>(at(xr, j));
          s += v * v;
        }
        const d = k + scale * s;
        store<f32>(at(dr, c), d);
        store<f32>(at(yr, c), load<f32>(at(xr, c)) * powNeg1(d, beta));
        c++;
      }
    }
  }
}

/**
 * dx_c = dy_c·denom_c^(−β) − (2αβ/size)·x_c·Σ dy_c'·y_c'/denom_c' over the channels c' whose
 * window holds c, i.e. c' ∈ [c − after, c + before].
 */
export function lrnBackward(x: usize, y: usize, denom: usize, dy: usize, dx: usize, rows: i32,
  channels: i32, size: i32, alpha: f32, beta: f32, k: f32): void {
  const before = size >> 1, after = (size - 1) >> 1;
  const coef: f32 = <f32>2 * alpha * beta / <f32>size;
  const cv = f32x4.splat(coef);
  for (let r = 0; r < rows; r++) {
    const o = r * channels;
    const xr = at(x, o), yr = at(y, o), dr = at(denom, o), gr = at(dy, o), xo = at(dx, o);
    for (let c = 0; c < channels;) {
      if (c >= after && c + 3 + before < channels) {
        let s = f32x4.splat(0);
        for (let j = -after; j <= before; j++) {
          const t = f32x4.div(f32x4.mul(v128.load(at(gr, c + j)), v128.load(at(yr, c + j))), v128.load(at(dr, c + j)));
          s = f32x4.add(s, t);
        }
        const direct = f32x4.mul(v128.load(at(gr, c)), powNeg4(v128.load(at(dr, c)), beta));
        v128.store(at(xo, c), f32x4.sub(direct, f32x4.mul(f32x4.mul(cv, v128.load(at(xr, c))), s)));
        c += 4;
      } else {
        const from = max(0, c - after), to = min(channels - 1, c + before);
        let s: f32 = 0;
        for (let j = from; j <= to; j++) s += load<f32>(at(gr, j)) * load<f32>(at(yr, j)) / load<f32>(at(dr, j));
        const direct = load<f32>(at(gr, c)) * powNeg1(load<f32>(at(dr, c)), beta);
        store<f32>(at(xo, c), direct - coef * load<f32>(at(xr, c)) * s);
        c++;
      }
    }
  }
}
