import {
  CONV_C, CONV_DH, CONV_DW, CONV_FLAGS, CONV_FLAG_RELU, CONV_GROUPS, CONV_H, CONV_KH, CONV_KW, CONV_N,
  CONV_OC, CONV_OH, CONV_OW, CONV_PAD_L, CONV_PAD_T, CONV_SH, CONV_SW, CONV_W,
} from '../geometry.ts';
import type { Kernels } from '../kernels.ts';
import type { JsMemory } from './memory.ts';

interface ConvGeom {
  N: number; H: number; W: number; C: number; OC: number; KH: number; KW: number; sh: number; sw: number;
  pt: number; pl: number; dh: number; dw: number; G: number; OH: number; OW: number; flags: number;
  cinG: number; coutG: number;
}

function readGeom(i32: Int32Array, geom: number): ConvGeom {
  const g = (i: number) => i32[(geom >> 2) + i]!;
  const C = g(CONV_C), OC = g(CONV_OC), G = g(CONV_GROUPS);
  return {
    N: g(CONV_N), H: g(CONV_H), W: g(CONV_W), C, OC, KH: g(CONV_KH), KW: g(CONV_KW), sh: g(CONV_SH),
    sw: g(CONV_SW), pt: g(CONV_PAD_T), pl: g(CONV_PAD_L), dh: g(CONV_DH), dw: g(CONV_DW), G,
    OH: g(CONV_OH), OW: g(CONV_OW), flags: g(CONV_FLAGS), cinG: C / G, coutG: OC / G,
  };
}

/** JS twins of assembly/kernels/conv.ts: the definition in kernels.ts as plain loops, no scratch.
 *  The backward twins accumulate into their output, which they zero first (they overwrite it). */
export function convKernels(mem: JsMemory): Pick<Kernels, 'conv2dForward' | 'conv2dBackwardInput' |
  'conv2dBackwardFilter' | 'conv2dPackedFilterBytes' | 'conv2dPackFilter'> {
  return {
    // The plain loops read the filter as stored: nothing to pack, so callers keep no copy. Its
    // "packed" layout is the filter itself, so CONV_FLAG_PACKED (which the loops ignore) holds.
    conv2dPackedFilterBytes() {
      return 0;
    },
    conv2dPackFilter(geom, w, packed) {
      const q = readGeom(mem.i32, geom), n = q.OC * q.KH * q.KW * q.cinG;
      mem.float.copyWithin(packed >> mem.shift, w >> mem.shift, (w >> mem.shift) + n);
    },
    conv2dForward(geom, x, w, bias, y) {
      const f = mem.float, s = mem.shift, q = readGeom(mem.i32, geom);
      const xo = x >> s, wo = w >> s, yo = y >> s, bo = bias >> s;
      const relu = (q.flags & CONV_FLAG_RELU) !== 0;
      for (let n = 0; n < q.N; n++) for (let oh = 0; oh < q.OH; oh++) for (let ow = 0; ow < q.OW; ow++) {
        for (let oc = 0; oc < q.OC; oc++) {
          const c0 = Math.floor(oc / q.coutG) * q.cinG;
          let sum = bias ? f[bo + oc]! : 0;
          for (let kh = 0; kh < q.KH; kh++) {
            const ih = oh * q.sh - q.pt + kh * q.dh;
            if (ih < 0 || ih >= q.H) continue;
            for (let kw = 0; kw < q.KW; kw++) {
              const iw = ow * q.sw - q.pl + kw * q.dw;
              if (iw < 0 || iw >= q.W) continue;
              const xi = xo + ((n * q.H + ih) * q.W + iw) * q.C + c0;
              const wi = wo + ((oc * q.KH + kh) * q.KW + kw) * q.cinG;
              for (let ic = 0; ic < q.cinG; ic++) sum += f[xi + ic]! * f[wi + ic]!;
            }
          }
          f[yo + ((n * q.OH + oh) * q.OW + ow) * q.OC + oc] = relu ? Math.max(sum, 0) : sum;
        }
      }
    },
    conv2dBackwardInput(geom, dy, w, dx) {
      const q = readGeom(mem.i32, geom), s = mem.shift;
      mem.float.fill(0, dx >> s, (dx >> s) + q.N * q.H * q.W * q.C);
      backwardTaps(mem, q, dy, dx, w, false);
    },
    conv2dBackwardFilter(geom, x, dy, dw) {
      const q = readGeom(mem.i32, geom), s = mem.shift;
      mem.float.fill(0, dw >> s, (dw >> s) + q.OC * q.KH * q.KW * q.cinG);
      backwardTaps(mem, q, dy, x, dw, true);
    },
  };
}

/**
 * The walk both backward twins share: for every output element dy[n, oh, ow, oc] and every tap of
 * its window on the image, cinG multiply-adds between the tap's input pixel (in `image`) and its
 * filter row (in `filter`). The input gradient adds dy·filter into image (dx); the filter gradient
 * adds dy·image (x) into filter (dw), intoFilter.
 */
function backwardTaps(mem: JsMemory, q: ConvGeom, dy: number, image: number, filter: number, intoFilter: boolean): void {
  const f = mem.float, s = mem.shift, gyo = dy >> s, io = image >> s, fo = filter >> s;
  for (let n = 0; n < q.N; n++) for (let oh = 0; oh < q.OH; oh++) for (let ow = 0; ow < q.OW; ow++) {
    for (let oc = 0; oc < q.OC; oc++) {
      const c0 = Math.floor(oc / q.coutG) * q.cinG;
      const g = f[gyo + ((n * q.OH + oh) * q.OW + ow) * q.OC + oc]!;
      for (let kh = 0; kh < q.KH; kh++) {
        const ih = oh * q.sh - q.pt + kh * q.dh;
        if (ih < 0 || ih >= q.H) continue;
        for (let kw = 0; kw < q.KW; kw++) {
          const iw = ow * q.sw - q.pl + kw * q.dw;
          if (iw < 0 || iw >= q.W) continue;
          const xi = io + ((n * q.H + ih) * q.W + iw) * q.C + c0;
          const wi = fo + ((oc * q.KH + kh) * q.KW + kw) * q.cinG;
          if (intoFilter) for (let ic = 0; ic < q.cinG; ic++) f[wi + ic] = f[wi + ic]! + g * f[xi + ic]!;
          else for (let ic = 0; ic < q.cinG; ic++) f[xi + ic] = f[xi + ic]! + g * f[wi + ic]!;
        }
      }
    }
  }
}
