/**
 * The baseline any JavaScript programmer would write: straightforward loops over Float32Arrays,
 * ordered so the innermost loop runs over contiguous memory (i-k-j for GEMM, output channels
 * innermost for convolutions), no blocking, no SIMD.
 */
import { unsupported, type Contender, type Prepared } from '../contender.ts';
import type { ConvProblem, GemmProblem, PoolProblem } from '../problems.ts';

function producing(compute: () => Float32Array): Prepared {
  let last: Float32Array | undefined;
  return { run() { last = compute(); }, output: () => last!, dispose() {} };
}

function gemm(p: GemmProblem): Prepared {
  const { m, n, k, a, b } = p;
  return producing(() => {
    const c = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      const row = i * n;
      for (let q = 0; q < k; q++) {
        const av = a[i * k + q]!, bRow = q * n;
        for (let j = 0; j < n; j++) c[row + j]! += av * b[bRow + j]!;
      }
    }
    return c;
  });
}

/** Filter [oc, kh, kw, c] regrouped as [kh, kw, c, oc] so the output-channel loop is contiguous. */
function tapMajor(p: ConvProblem): Float32Array {
  const out = new Float32Array(p.filter.length);
  const taps = p.k * p.k * p.c;
  for (let o = 0; o < p.oc; o++) for (let t = 0; t < taps; t++) out[t * p.oc + o] = p.filter[o * taps + t]!;
  return out;
}

function conv(p: ConvProblem): Prepared {
  const { n, h, w, c, oc, k, stride, pad, oh, ow, x, dy } = p;
  const wt = tapMajor(p);
  const ohwi = p.filter;
  const forTaps = (fn: (n: number, oy: number, ox: number, iy: number, ix: number, tap: number) => void) => {
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          for (let ky = 0; ky < k; ky++) {
            const iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < k; kx++) {
              const ix = ox * stride - pad + kx;
              if (ix < 0 || ix >= w) continue;
              fn(b, oy, ox, iy, ix, ky * k + kx);
            }
          }
        }
      }
    }
  };
  if (p.kind === 'forward') {
    return producing(() => {
      const y = new Float32Array(n * oh * ow * oc);
      forTaps((b, oy, ox, iy, ix, tap) => {
        const yo = ((b * oh + oy) * ow + ox) * oc, xo = ((b * h + iy) * w + ix) * c;
        for (let ic = 0; ic < c; ic++) {
          const xv = x[xo + ic]!, wo = (tap * c + ic) * oc;
          for (let o = 0; o < oc; o++) y[yo + o]! += xv * wt[wo + o]!;
        }
      });
      return y;
    });
  }
  if (p.kind === 'backwardInput') {
    return producing(() => {
      const dx = new Float32Array(n * h * w * c);
      forTaps((b, oy, ox, iy, ix, tap) => {
        const go = ((b * oh + oy) * ow + ox) * oc, xo = ((b * h + iy) * w + ix) * c;
        for (let ic = 0; ic < c; ic++) {
          const wo = (tap * c + ic) * oc;
          let s = 0;
          for (let o = 0; o < oc; o++) s += dy[go + o]! * wt[wo + o]!;
          dx[xo + ic]! += s;
        }
      });
      return dx;
    });
  }
  return producing(() => {
    const dwT = new Float32Array(ohwi.length); // [kh, kw, c, oc]
    forTaps((b, oy, ox, iy, ix, tap) => {
      const go = ((b * oh + oy) * ow + ox) * oc, xo = ((b * h + iy) * w + ix) * c;
      for (let ic = 0; ic < c; ic++) {
        const xv = x[xo + ic]!, wo = (tap * c + ic) * oc;
        for (let o = 0; o < oc; o++) dwT[wo + o]! += xv * dy[go + o]!;
      }
    });
    const dw = new Float32Array(ohwi.length);
    const taps = k * k * c;
    for (let o = 0; o < oc; o++) for (let t = 0; t < taps; t++) dw[o * taps + t] = dwT[t * oc + o]!;
    return dw;
  });
}

function pool(p: PoolProblem): Prepared {
  const { n, h, w, c, k, stride, oh, ow, x, dy } = p;
  /** Each output's first maximum: its value, or (indices) its flat input index. */
  const windows = (indices: boolean): Float32Array | Int32Array => {
    const out = indices ? new Int32Array(n * oh * ow * c) : new Float32Array(n * oh * ow * c);
    let o = 0;
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          const corner = ((b * h + oy * stride) * w + ox * stride) * c;
          for (let ch = 0; ch < c; ch++, o++) {
            let best = x[corner + ch]!, at = corner + ch;
            for (let ky = 0; ky < k; ky++) {
              for (let kx = 0; kx < k; kx++) {
                const i = corner + (ky * w + kx) * c + ch;
                if (x[i]! > best) { best = x[i]!; at = i; }
              }
            }
            out[o] = indices ? at : best;
          }
        }
      }
    }
    return out;
  };
  if (p.kind === 'forward') return producing(() => windows(false) as Float32Array);
  const idx = windows(true); // what the forward saved
  return producing(() => {
    const dx = new Float32Array(n * h * w * c);
    for (let i = 0; i < idx.length; i++) dx[idx[i]!]! += dy[i]!;
    return dx;
  });
}

export function plainJs(): Contender {
  return {
    name: 'plain JS loops',
    ours: false,
    async activate() {},
    gemm,
    conv,
    pool,
    lenet: unsupported('n/a (no autograd)'),
    resnet18: unsupported('n/a'),
  };
}
