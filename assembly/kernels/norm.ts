// Batch normalisation over [rows, channels] and local response normalisation across channels.
//
// Accuracy of the batch-norm sums: every per-channel sum is accumulated in float64 (f64x2 lanes,
// promoted from the float32 data), and the variance is the centred second pass Σ(x − mean)², not
// E[x²] − mean². With rows up to ~10^5 the result is then exact to float32 rounding, where a
// float32 running sum would lose ~rows·2^-24 relative. The sums walk one block of channels down
// all rows (stride = a row), keeping the block's accumulators in registers.

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

@inline function lo2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

@inline function hi2(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** Narrows two f64x2 halves back to one f32x4. */
@inline function narrow(lo: v128, hi: v128): v128 {
  const l = f32x4.demote_f64x2_zero(lo), h = f32x4.demote_f64x2_zero(hi);
  return i32x4.shuffle(l, h, 0, 1, 4, 5);
}

// ---- statistics ---------------------------------------------------------------------------------

/** Mean and biased variance of 4 channels starting at channel c. */
function stats4(x: usize, mean: usize, variance: usize, rows: i32, channels: i32, c: i32): void {
  const rowBytes = <usize>channels << 2;
  let p = at(x, c);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  for (let r = 0; r < rows; r++, p += rowBytes) {
    const v = v128.load(p);
    s0 = f64x2.add(s0, lo2(v));
    s1 = f64x2.add(s1, hi2(v));
  }
  const n = f64x2.splat(<f64>rows);
  const m0 = f64x2.div(s0, n), m1 = f64x2.div(s1, n);
  p = at(x, c);
  let q0 = f64x2.splat(0), q1 = f64x2.splat(0);
  for (let r = 0; r < rows; r++, p += rowBytes) {
    const v = v128.load(p);
    const d0 = f64x2.sub(lo2(v), m0), d1 = f64x2.sub(hi2(v), m1);
    q0 = f64x2.add(q0, f64x2.mul(d0, d0));
    q1 = f64x2.add(q1, f64x2.mul(d1, d1));
  }
  v128.store(at(mean, c), narrow(m0, m1));
  v128.store(at(variance, c), narrow(f64x2.div(q0, n), f64x2.div(q1, n)));
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
  for (; c + 4 <= channels; c += 4) stats4(x, mean, variance, rows, channels, c);
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
 * The gradients for 4 channels at c. Pass 1 sums Σdy and Σdy·(x − mean) in float64; pass 2 writes
 * dx = invStd·γ·(dy − Σdy/rows − (x − mean)·invStd²·Σdy·(x − mean)/rows) when training, else
 * dx = dy·invStd·γ.
 */
function backward4(training: i32, x: usize, dy: usize, mean: usize, invStd: usize, gamma: usize,
  dx: usize, dgamma: usize, dbeta: usize, rows: i32, channels: i32, c: i32): void {
  const rowBytes = <usize>channels << 2;
  const m = v128.load(at(mean, c)), is = v128.load(at(invStd, c));
  const g = f32x4.mul(is, param4(gamma, c, 1));
  let sdy0 = f64x2.splat(0), sdy1 = f64x2.splat(0), sdx0 = f64x2.splat(0), sdx1 = f64x2.splat(0);
  if (training || dgamma || dbeta) {
    let px = at(x, c), pdy = at(dy, c);
    for (let r = 0; r < rows; r++, px += rowBytes, pdy += rowBytes) {
      const d = v128.load(pdy);
      const prod = f32x4.mul(d, f32x4.sub(v128.load(px), m));
      sdy0 = f64x2.add(sdy0, lo2(d));
      sdy1 = f64x2.add(sdy1, hi2(d));
      sdx0 = f64x2.add(sdx0, lo2(prod));
      sdx1 = f64x2.add(sdx1, hi2(prod));
    }
  }
  // Σ dy·xhat = invStd · Σ dy·(x − mean)
  const sdy = narrow(sdy0, sdy1), sdxhat = f32x4.mul(narrow(sdx0, sdx1), is);
  if (dgamma) v128.store(at(dgamma, c), sdxhat);
  if (dbeta) v128.store(at(dbeta, c), sdy);
  let px = at(x, c), pdy = at(dy, c), pdx = at(dx, c);
  if (training) {
    const n = f32x4.splat(<f32>rows);
    const c1 = f32x4.div(sdy, n), c2 = f32x4.div(f32x4.mul(sdxhat, is), n);
    for (let r = 0; r < rows; r++, px += rowBytes, pdy += rowBytes, pdx += rowBytes) {
      const t = f32x4.sub(f32x4.sub(v128.load(pdy), c1), f32x4.mul(f32x4.sub(v128.load(px), m), c2));
      v128.store(pdx, f32x4.mul(g, t));
    }
  } else {
    for (let r = 0; r < rows; r++, pdy += rowBytes, pdx += rowBytes) v128.store(pdx, f32x4.mul(v128.load(pdy), g));
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
  for (; c + 4 <= channels; c += 4) backward4(training, x, dy, mean, invStd, gamma, dx, dgamma, dbeta, rows, channels, c);
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
