/** The demo's MNIST-style preprocessing of a drawn digit (demo/digit.js), in Node. */
import { describe, expect, it } from 'vitest';
import { inkBounds, rgbaToGrey, toMnist } from '../../demo/digit.js';

/** A width × height image with a filled rectangle of ink. */
function rectangle(width: number, height: number, x0: number, y0: number, x1: number, y1: number): Float32Array {
  const grey = new Float32Array(width * height);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) grey[y * width + x] = 1;
  return grey;
}

function centreOfMass(pixels: Float32Array): [number, number] {
  let mass = 0, mx = 0, my = 0;
  pixels.forEach((v, i) => { mass += v; mx += v * ((i % 28) + 0.5); my += v * (Math.floor(i / 28) + 0.5); });
  return [mx / mass, my / mass];
}

describe('demo digit preprocessing', () => {
  it('a blank pad has no digit', () => {
    expect(toMnist(new Float32Array(280 * 280), 280, 280)).toBeUndefined();
    expect(inkBounds(new Float32Array(4), 2, 2)).toBeUndefined();
  });

  it('an off-centre stroke is scaled so its longer side is 20 pixels, and centred by mass', () => {
    // A tall bar in the top-left corner: 30 wide, 150 tall.
    const digit = toMnist(rectangle(280, 280, 10, 5, 40, 155), 280, 280)!;
    const box = inkBounds(digit, 28, 28, 0.5)!;
    expect(box.y1 - box.y0).toBe(20);
    expect(box.x1 - box.x0).toBe(4);
    const [cx, cy] = centreOfMass(digit);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...digit)).toBe(1);
  });

  it('a tiny dot is enlarged, not lost', () => {
    const digit = toMnist(rectangle(280, 280, 200, 200, 203, 203), 280, 280)!;
    expect(inkBounds(digit, 28, 28, 0.5)).toEqual({ x0: 4, y0: 4, x1: 24, y1: 24 });
  });

  it('reads the red channel of white-on-black canvas pixels', () => {
    expect(rgbaToGrey([255, 255, 255, 255, 0, 0, 0, 255, 51, 51, 51, 255])).toEqual(Float32Array.from([1, 0, 0.2]));
  });
});
