import { inflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import { crc32, encodePng } from '../../src/io/png.ts';

beforeAll(async () => { await sn.init(); });

/** Reads the chunks of a PNG, checking each CRC. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const out: { type: string; data: Uint8Array }[] = [];
  const view = new DataView(png.buffer, png.byteOffset);
  for (let at = 8; at < png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    expect((crc32(png.subarray(at + 4, at + 8 + length)) ^ 0xffffffff) >>> 0, `${type} CRC`).toBe(view.getUint32(at + 8 + length));
    out.push({ type, data });
    at += 12 + length;
  }
  return out;
}

describe('PNG writer', () => {
  it('writes a valid RGBA PNG whose pixels a standard inflater recovers exactly', () => {
    const width = 300, height = 250;
    const rgba = new Uint8Array(width * height * 4).map((_, i) => (i * 7) & 255);
    const png = encodePng(width, height, rgba);
    const parts = chunks(png);
    expect(parts.map((p) => p.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = new DataView(parts[0]!.data.buffer, parts[0]!.data.byteOffset);
    expect([ihdr.getUint32(0), ihdr.getUint32(4), parts[0]!.data[8], parts[0]!.data[9]]).toEqual([width, height, 8, 6]);
    const raw = inflateSync(parts[1]!.data);
    expect(raw.length).toBe(height * (1 + width * 4));
    for (let y = 0; y < height; y += 37) {
      expect(raw[y * (1 + width * 4)]).toBe(0);
      expect([...raw.subarray(y * (1 + width * 4) + 1, (y + 1) * (1 + width * 4))]).toEqual([...rgba.subarray(y * width * 4, (y + 1) * width * 4)]);
    }
  });

  it('rejects a size that does not match the pixels', () => {
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrowError(/expected 16 bytes of RGBA, got 15/);
    expect(() => encodePng(0, 2, new Uint8Array(0))).toThrowError(/positive integers/);
  });

  it('lays out filter o of a one-channel OHWI weight as tile o, each value a scale × scale block, black to white per tile', () => {
    // Filter o is 0 everywhere except 1 at (row o % 3, column 1): its tile is black with one white block.
    const values = new Float32Array(4 * 3 * 3);
    for (let o = 0; o < 4; o++) values[o * 9 + (o % 3) * 3 + 1] = 1 + o;
    const image = sn.tidy(() => sn.viz.renderFilters(sn.tensor(values, [4, 3, 3, 1]), { scale: 2, gap: 1, background: 40 }));
    expect([image.width, image.height]).toEqual([4 * 6 + 5, 6 + 2]);
    const grey = (x: number, y: number) => image.data[(y * image.width + x) * 4]!;
    for (let o = 0; o < 4; o++) {
      const left = 1 + o * 7;
      for (let y = 0; y < 6; y++) {
        for (let x = 0; x < 6; x++) {
          const hot = Math.floor(y / 2) === o % 3 && Math.floor(x / 2) === 1;
          expect(grey(left + x, 1 + y), `filter ${o} at (${y}, ${x})`).toBe(hot ? 255 : 0);
        }
      }
      expect(grey(left - 1, 3)).toBe(40);
    }
    expect(image.data[3]).toBe(255);
  });

  it("renders feature maps channel by channel; 'global' normalisation keeps relative strengths", () => {
    // Two channels of a 1×2 map: channel 0 = [0, 1], channel 1 = [0, 4].
    const maps = () => sn.tensor([0, 0, 1, 4], [1, 1, 2, 2]);
    const grey = (img: sn.viz.RgbaImage, x: number) => img.data[(1 * img.width + x) * 4]!;
    const perTile = sn.tidy(() => sn.viz.renderFeatureMaps(maps(), { scale: 1, columns: 2 }));
    expect([grey(perTile, 1), grey(perTile, 2), grey(perTile, 4), grey(perTile, 5)]).toEqual([0, 255, 0, 255]);
    const global = sn.tidy(() => sn.viz.renderFeatureMaps(maps(), { scale: 1, columns: 2, normalize: 'global' }));
    expect([grey(global, 1), grey(global, 2), grey(global, 4), grey(global, 5)]).toEqual([0, 64, 0, 255]);
  });

  it('renders conv filters and feature maps as non-blank grids', () => {
    const w = sn.randn([6, 5, 5, 1], { seed: 1 });
    const filters = sn.viz.renderFilters(w);
    expect(filters.width).toBeGreaterThan(6 * 5);
    const greys = new Set<number>();
    for (let i = 0; i < filters.data.length; i += 4) greys.add(filters.data[i]!);
    expect(greys.size).toBeGreaterThan(20);
    const maps = sn.viz.renderFeatureMaps(sn.randn([1, 4, 4, 3], { seed: 2 }));
    expect(maps.data.length).toBe(maps.width * maps.height * 4);
    expect(chunks(encodePng(maps.width, maps.height, maps.data)).length).toBe(3);
  });
});
