import {
  POOL_C, POOL_FLAG_COUNT_INCLUDE_PAD, POOL_FLAGS, POOL_H, POOL_KH, POOL_KW, POOL_N, POOL_OH, POOL_OW,
  POOL_PAD_B, POOL_PAD_L, POOL_PAD_R, POOL_PAD_T, POOL_SH, POOL_SW, POOL_W,
} from '../geometry.ts';
import type { Kernels } from '../kernels.ts';
import type { JsMemory } from './memory.ts';

type PoolKernels = Pick<Kernels,
  | 'maxPool2dForward' | 'maxPool2dBackward' | 'avgPool2dForward' | 'avgPool2dBackward'
  | 'lpPool2dForward' | 'lpPool2dBackward' | 'adaptiveAvgPool2dForward' | 'adaptiveAvgPool2dBackward'>;

interface PoolGeometry {
  n: number; h: number; w: number; c: number; kh: number; kw: number; sh: number; sw: number;
  padT: number; padL: number; padB: number; padR: number; oh: number; ow: number; countIncludePad: boolean;
}

function readGeometry(i32: Int32Array, geom: number): PoolGeometry {
  const g = (i: number) => i32[(geom >> 2) + i]!;
  return {
    n: g(POOL_N), h: g(POOL_H), w: g(POOL_W), c: g(POOL_C), kh: g(POOL_KH), kw: g(POOL_KW),
    sh: g(POOL_SH), sw: g(POOL_SW), padT: g(POOL_PAD_T), padL: g(POOL_PAD_L), padB: g(POOL_PAD_B),
    padR: g(POOL_PAD_R), oh: g(POOL_OH), ow: g(POOL_OW),
    countIncludePad: (g(POOL_FLAGS) & POOL_FLAG_COUNT_INCLUDE_PAD) !== 0,
  };
}

/** One pooling window, clipped to the image, with PyTorch's average-pooling divisor. */
interface Window { h0: number; h1: number; w0: number; w1: number; divisor: number }

/**
 * PyTorch's avg_pool2d counts the window's area before clipping it to the image, but only as far
 * as the bottom / right padding reaches: a ceilMode window hanging past the padding is not charged
 * for the overhang even with countIncludePad.
 */
function poolWindow(g: PoolGeometry, oh: number, ow: number): Window {
  let h0 = oh * g.sh - g.padT, w0 = ow * g.sw - g.padL;
  let h1 = Math.min(h0 + g.kh, g.h + g.padB), w1 = Math.min(w0 + g.kw, g.w + g.padR);
  const paddedArea = (h1 - h0) * (w1 - w0);
  h0 = Math.max(h0, 0); w0 = Math.max(w0, 0);
  h1 = Math.min(h1, g.h); w1 = Math.min(w1, g.w);
  return { h0, h1, w0, w1, divisor: g.countIncludePad ? paddedArea : (h1 - h0) * (w1 - w0) };
}

/** Adaptive pooling's window i of `out` over `size`: [floor(i·size/out), ceil((i+1)·size/out)). */
function adaptiveRange(i: number, size: number, out: number): [number, number] {
  return [Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)];
}

function adaptiveWindow(g: PoolGeometry, oh: number, ow: number): Window {
  const [h0, h1] = adaptiveRange(oh, g.h, g.oh), [w0, w1] = adaptiveRange(ow, g.w, g.ow);
  return { h0, h1, w0, w1, divisor: (h1 - h0) * (w1 - w0) };
}

/** Calls visit(window, outputOffset, imageOffset) per output pixel; offsets in elements, channel 0. */
function forEachWindow(g: PoolGeometry, window: (g: PoolGeometry, oh: number, ow: number) => Window,
  visit: (win: Window, out: number, image: number) => void): void {
  for (let n = 0; n < g.n; n++) {
    for (let oh = 0; oh < g.oh; oh++) {
      for (let ow = 0; ow < g.ow; ow++) {
        visit(window(g, oh, ow), ((n * g.oh + oh) * g.ow + ow) * g.c, n * g.h * g.w * g.c);
      }
    }
  }
}

/** The sum over the window of f(x) for channel c, accumulated in the float type as the wasm does. */
function windowSum(mem: JsMemory, g: PoolGeometry, x: number, win: Window, image: number, c: number,
  f: (v: number) => number): number {
  const xs = mem.float;
  let sum = 0;
  for (let h = win.h0; h < win.h1; h++) {
    for (let w = win.w0; w < win.w1; w++) sum = mem.round(sum + f(xs[x + image + (h * g.w + w) * g.c + c]!));
  }
  return sum;
}

/** dx[window, c] += f(x) · gradient, for every tap of the window. */
function windowScatter(mem: JsMemory, g: PoolGeometry, dx: number, win: Window, image: number, c: number,
  amount: (offset: number) => number): void {
  const xs = mem.float;
  for (let h = win.h0; h < win.h1; h++) {
    for (let w = win.w0; w < win.w1; w++) {
      const o = image + (h * g.w + w) * g.c + c;
      xs[dx + o] = mem.round(xs[dx + o]! + amount(o));
    }
  }
}

const zero = (mem: JsMemory, g: PoolGeometry, dx: number) => mem.float.fill(0, dx, dx + g.n * g.h * g.w * g.c);

/** x^p, with p = 2 as a plain square (what PyTorch's pow does for an exponent of 2). */
const power = (v: number, p: number) => (p === 2 ? v * v : Math.pow(v, p));

/** JS twins of assembly/kernels/pool.ts. */
export function poolKernels(mem: JsMemory): PoolKernels {
  return {
    maxPool2dForward(geom, x, y, argmax) {
      const g = readGeometry(mem.i32, geom), xs = mem.float, is = mem.i32;
      const xo = x >> mem.shift, yo = y >> mem.shift, ao = argmax >> 2;
      forEachWindow(g, poolWindow, (win, out, image) => {
        for (let c = 0; c < g.c; c++) {
          // PyTorch's rule: a larger value or a NaN takes over, so the first maximum (and the last NaN) wins.
          let best = -Infinity, index = win.h0 * g.w + win.w0;
          for (let h = win.h0; h < win.h1; h++) {
            for (let w = win.w0; w < win.w1; w++) {
              const v = xs[xo + image + (h * g.w + w) * g.c + c]!;
              if (v > best || Number.isNaN(v)) { best = v; index = h * g.w + w; }
            }
          }
          xs[yo + out + c] = best;
          if (argmax !== 0) is[ao + out + c] = index;
        }
      });
    },

    maxPool2dBackward(geom, dy, argmax, dx) {
      const g = readGeometry(mem.i32, geom), xs = mem.float, is = mem.i32;
      const dyo = dy >> mem.shift, dxo = dx >> mem.shift, ao = argmax >> 2, pixels = g.h * g.w;
      zero(mem, g, dxo);
      forEachWindow(g, poolWindow, (_win, out, image) => {
        for (let c = 0; c < g.c; c++) {
          const index = is[ao + out + c]!;
          // An index outside the image (only from an empty window, which PyTorch's shape rules
          // exclude) is skipped rather than written out of bounds.
          if (index < 0 || index >= pixels) continue;
          const o = dxo + image + index * g.c + c;
          xs[o] = mem.round(xs[o]! + xs[dyo + out + c]!);
        }
      });
    },

    avgPool2dForward(geom, x, y) {
      const g = readGeometry(mem.i32, geom), xo = x >> mem.shift, yo = y >> mem.shift;
      forEachWindow(g, poolWindow, (win, out, image) => {
        for (let c = 0; c < g.c; c++) {
          mem.float[yo + out + c] = windowSum(mem, g, xo, win, image, c, (v) => v) / win.divisor;
        }
      });
    },

    avgPool2dBackward(geom, dy, dx) {
      const g = readGeometry(mem.i32, geom), dyo = dy >> mem.shift, dxo = dx >> mem.shift;
      zero(mem, g, dxo);
      forEachWindow(g, poolWindow, (win, out, image) => {
        for (let c = 0; c < g.c; c++) {
          const grad = mem.round(mem.float[dyo + out + c]! / win.divisor);
          windowScatter(mem, g, dxo, win, image, c, () => grad);
        }
      });
    },

    lpPool2dForward(geom, p, x, y) {
      const g = readGeometry(mem.i32, geom), xo = x >> mem.shift, yo = y >> mem.shift;
      forEachWindow(g, poolWindow, (win, out, image) => {
        // PyTorch: avg_pool2d(x^p) · kh·kw, so a clipped window's sum is scaled up to the full area.
        for (let c = 0; c < g.c; c++) {
          const sum = windowSum(mem, g, xo, win, image, c, (v) => mem.round(power(v, p)));
          const t = mem.round(mem.round(sum / win.divisor) * g.kh * g.kw);
          mem.float[yo + out + c] = p === 2 ? Math.sqrt(t) : Math.pow(t, 1 / p);
        }
      });
    },

    lpPool2dBackward(geom, p, x, y, dy, dx) {
      const g = readGeometry(mem.i32, geom), xs = mem.float;
      const xo = x >> mem.shift, yo = y >> mem.shift, dyo = dy >> mem.shift, dxo = dx >> mem.shift;
      zero(mem, g, dxo);
      forEachWindow(g, poolWindow, (win, out, image) => {
        const scale = (g.kh * g.kw) / win.divisor;
        for (let c = 0; c < g.c; c++) {
          // dy/dx = scale · x^(p−1) · y^(1−p); where y = 0 (an all-zero window) the gradient is taken as 0.
          const yv = xs[yo + out + c]!;
          const grad = p === 1 ? xs[dyo + out + c]! * scale
            : yv === 0 ? 0 : mem.round(xs[dyo + out + c]! * scale * (p === 2 ? 1 / yv : Math.pow(yv, 1 - p)));
          windowScatter(mem, g, dxo, win, image, c, (o) => grad * (p === 2 ? xs[xo + o]! : Math.pow(xs[xo + o]!, p - 1)));
        }
      });
    },

    adaptiveAvgPool2dForward(geom, x, y) {
      const g = readGeometry(mem.i32, geom), xo = x >> mem.shift, yo = y >> mem.shift;
      forEachWindow(g, adaptiveWindow, (win, out, image) => {
        for (let c = 0; c < g.c; c++) {
          mem.float[yo + out + c] = windowSum(mem, g, xo, win, image, c, (v) => v) / win.divisor;
        }
      });
    },

    adaptiveAvgPool2dBackward(geom, dy, dx) {
      const g = readGeometry(mem.i32, geom), dyo = dy >> mem.shift, dxo = dx >> mem.shift;
      zero(mem, g, dxo);
      forEachWindow(g, adaptiveWindow, (win, out, image) => {
        for (let c = 0; c < g.c; c++) {
          const grad = mem.round(mem.float[dyo + out + c]! / win.divisor);
          windowScatter(mem, g, dxo, win, image, c, () => grad);
        }
      });
    },
  };
}
