/**
 * A drawn digit made to look like MNIST's: MNIST scaled each digit to fit a 20×20 box, keeping its
 * aspect ratio, and placed it in 28×28 with its centre of mass at the centre. Without this, a
 * digit drawn small or off-centre on the canvas is far from anything LeNet-5 saw in training.
 * Pure functions on grey levels in [0, 1], no DOM, so they run in a page, a Worker or Node.
 */
export const SIDE = 28;
const BOX = 20;

/** The ink's bounding box { x0, y0, x1, y1 } (exclusive ends), or undefined for a blank image. */
export function inkBounds(grey, width, height, threshold = 0.05) {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (grey[y * width + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? undefined : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/**
 * width × height grey levels → 28 × 28 MNIST-style (Float32Array of 784), or undefined when there
 * is no ink. Each output pixel is the mean of the source pixels whose centres fall inside it (the
 * nearest source pixel when it covers none, for tiny drawings).
 */
export function toMnist(grey, width, height) {
  const box = inkBounds(grey, width, height);
  if (!box) return undefined;
  const cw = box.x1 - box.x0, ch = box.y1 - box.y0;
  const scale = BOX / Math.max(cw, ch);
  const ow = Math.max(1, Math.round(cw * scale)), oh = Math.max(1, Math.round(ch * scale));
  const small = new Float32Array(ow * oh);
  for (let oy = 0; oy < oh; oy++) {
    const sy0 = box.y0 + oy / scale, sy1 = box.y0 + (oy + 1) / scale;
    for (let ox = 0; ox < ow; ox++) {
      const sx0 = box.x0 + ox / scale, sx1 = box.x0 + (ox + 1) / scale;
      let sum = 0, n = 0;
      for (let y = Math.ceil(sy0 - 0.5); y + 0.5 < sy1; y++) {
        for (let x = Math.ceil(sx0 - 0.5); x + 0.5 < sx1; x++) { sum += grey[y * width + x]; n++; }
      }
      if (n === 0) {
        const x = Math.min(box.x1 - 1, Math.floor((sx0 + sx1) / 2)), y = Math.min(box.y1 - 1, Math.floor((sy0 + sy1) / 2));
        sum = grey[y * width + x]; n = 1;
      }
      small[oy * ow + ox] = sum / n;
    }
  }
  // Centre of mass of the scaled digit, moved to the centre of the 28 × 28 field.
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) { const v = small[y * ow + x]; mass += v; mx += v * (x + 0.5); my += v * (y + 0.5); }
  }
  const dx = Math.round(SIDE / 2 - mx / mass), dy = Math.round(SIDE / 2 - my / mass);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const tx = x + dx, ty = y + dy;
      if (tx >= 0 && tx < SIDE && ty >= 0 && ty < SIDE) out[ty * SIDE + tx] = Math.min(1, small[y * ow + x]);
    }
  }
  return out;
}

/** RGBA canvas pixels (white ink on black) → grey levels in [0, 1] from the red channel. */
export function rgbaToGrey(rgba) {
  const grey = new Float32Array(rgba.length / 4);
  for (let i = 0; i < grey.length; i++) grey[i] = rgba[i * 4] / 255;
  return grey;
}
