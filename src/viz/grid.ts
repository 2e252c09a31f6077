/**
 * Turning filters and feature maps into pictures: each channel becomes a grey tile, tiles are laid
 * out in a grid, and the result is RGBA bytes — what a canvas's ImageData takes and what the PNG
 * writer encodes. The demo page and the experiments share this code.
 */
import type { Tensor } from '../tensor.ts';

export interface RgbaImage {
  width: number;
  height: number;
  /** width·height·4 bytes, row-major. */
  data: Uint8ClampedArray;
}

export interface GridOptions {
  /** Tiles per row (default: as square as possible). */
  columns?: number;
  /** Gap between tiles in pixels (default 1). */
  gap?: number;
  /** Each tile is drawn this many pixels per value (default 1). */
  scale?: number;
  /** 'tile': each tile spans black to white on its own; 'global': one range for all (default 'tile'). */
  normalize?: 'tile' | 'global';
  /** Grey level of the gaps, 0–255 (default 40). */
  background?: number;
}

/**
 * Lays out `count` tiles of height × width values. tile(i) returns tile i's values in row-major order.
 */
export function renderTiles(count: number, height: number, width: number, tile: (i: number) => ArrayLike<number>, options: GridOptions = {}): RgbaImage {
  const { gap = 1, scale = 1, normalize = 'tile', background = 40 } = options;
  const columns = Math.max(1, options.columns ?? Math.ceil(Math.sqrt(count)));
  const rows = Math.max(1, Math.ceil(count / columns));
  const tw = width * scale, th = height * scale;
  const W = columns * tw + (columns + 1) * gap, H = rows * th + (rows + 1) * gap;
  const data = new Uint8ClampedArray(W * H * 4);
  for (let i = 0; i < data.length; i += 4) { data[i] = data[i + 1] = data[i + 2] = background; data[i + 3] = 255; }
  const tiles = Array.from({ length: count }, (_, i) => tile(i));
  const range = (values: ArrayLike<number>[]) => {
    let lo = Infinity, hi = -Infinity;
    for (const v of values) for (let j = 0; j < v.length; j++) { lo = Math.min(lo, v[j]!); hi = Math.max(hi, v[j]!); }
    return [lo, hi] as const;
  };
  const globalRange = normalize === 'global' ? range(tiles) : undefined;
  tiles.forEach((values, i) => {
    const [lo, hi] = globalRange ?? range([values]);
    const span = hi - lo || 1;
    const ox = gap + (i % columns) * (tw + gap), oy = gap + Math.floor(i / columns) * (th + gap);
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const v = values[Math.floor(y / scale) * width + Math.floor(x / scale)]!;
        const grey = Math.round(((v - lo) / span) * 255);
        const at = ((oy + y) * W + ox + x) * 4;
        data[at] = data[at + 1] = data[at + 2] = grey;
      }
    }
  });
  return { width: W, height: H, data };
}

/** Conv filters OHWI [out, kh, kw, in] as a grid: one row per output channel, one tile per input channel. */
export function renderFilters(weight: Tensor, options: GridOptions = {}): RgbaImage {
  const [out, kh, kw, inC] = weight.shape as [number, number, number, number];
  const values = weight.dataSync();
  return renderTiles(out * inC, kh, kw, (i) => {
    const o = Math.floor(i / inC), c = i % inC;
    return Array.from({ length: kh * kw }, (_, t) => values[(o * kh * kw + t) * inC + c]!);
  }, { columns: inC === 1 ? Math.min(out, 8) : inC, scale: 4, ...options });
}

/** One image's feature maps [1, H, W, C] (or [H, W, C]) as a grid of C tiles. */
export function renderFeatureMaps(activation: Tensor, options: GridOptions = {}): RgbaImage {
  const shape = activation.shape.length === 4 ? activation.shape.slice(1) : activation.shape;
  const [h, w, c] = shape as [number, number, number];
  const values = activation.dataSync();
  return renderTiles(c, h, w, (k) => Array.from({ length: h * w }, (_, p) => values[p * c + k]!), { scale: 2, ...options });
}
