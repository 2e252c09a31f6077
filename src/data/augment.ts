/**
 * Image transforms on one HWC image (a Float32Array of height·width·channels), in place:
 * translation, rotation, and a fixed pixel permutation. `randomShiftRotate` builds the seeded
 * augmentation that `trainEpoch` applies to each training image.
 */
import { Random } from '../random.ts';
import type { ImageDataset } from './dataset.ts';

export interface ImageGeometry { height: number; width: number; channels: number }

/** Moves the content dy pixels down and dx right; uncovered pixels get `fill`. */
export function shiftImage(image: Float32Array, g: ImageGeometry, dy: number, dx: number, fill = 0): void {
  if (!Number.isInteger(dy) || !Number.isInteger(dx)) throw new RangeError(`simdnet: shiftImage: shifts must be integers, got ${dy}, ${dx}`);
  const { height: h, width: w, channels: c } = g;
  const source = image.slice();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sy = y - dy, sx = x - dx;
      const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
      for (let k = 0; k < c; k++) image[(y * w + x) * c + k] = inside ? source[(sy * w + sx) * c + k]! : fill;
    }
  }
}

/** Rotates by `degrees` (counter-clockwise) about the image centre with bilinear sampling. */
export function rotateImage(image: Float32Array, g: ImageGeometry, degrees: number, fill = 0): void {
  const { height: h, width: w, channels: c } = g;
  const source = image.slice();
  const angle = (degrees * Math.PI) / 180, cos = Math.cos(angle), sin = Math.sin(angle);
  const cy = (h - 1) / 2, cx = (w - 1) / 2;
  const at = (y: number, x: number, k: number) => (y >= 0 && y < h && x >= 0 && x < w ? source[(y * w + x) * c + k]! : fill);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // The source position that lands on (y, x): the inverse rotation.
      const sx = cos * (x - cx) - sin * (y - cy) + cx;
      const sy = sin * (x - cx) + cos * (y - cy) + cy;
      const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
      for (let k = 0; k < c; k++) {
        image[(y * w + x) * c + k] =
          (1 - fy) * ((1 - fx) * at(y0, x0, k) + fx * at(y0, x0 + 1, k)) +
          fy * ((1 - fx) * at(y0 + 1, x0, k) + fx * at(y0 + 1, x0 + 1, k));
      }
    }
  }
}

export interface AugmentOptions {
  /** Largest shift in pixels along each axis (uniform integer in [−maxShift, maxShift]). */
  maxShift?: number;
  /** Largest rotation in degrees (uniform in [−maxRotation, maxRotation]). */
  maxRotation?: number;
  /** The background value uncovered pixels take. */
  fill?: number;
  random: Random;
}

/** A seeded augmentation for `trainEpoch({ transform })`: a random rotation, then a random shift. */
export function randomShiftRotate(g: ImageGeometry, options: AugmentOptions): (image: Float32Array) => void {
  const { maxShift = 0, maxRotation = 0, fill = 0, random } = options;
  return (image) => {
    if (maxRotation > 0) rotateImage(image, g, (2 * random.uniform() - 1) * maxRotation, fill);
    if (maxShift > 0) shiftImage(image, g, random.int(2 * maxShift + 1) - maxShift, random.int(2 * maxShift + 1) - maxShift, fill);
  };
}

/** A seeded random permutation of n indices. */
export function randomPermutation(n: number, seed: number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  new Random(seed).shuffle(p);
  return p;
}

/** Every image's pixels reordered by one fixed permutation: pixel i of the result is pixel perm[i]. */
export function permutePixels(d: ImageDataset, permutation: Int32Array): ImageDataset {
  const pixels = d.height * d.width;
  if (permutation.length !== pixels) throw new RangeError(`simdnet: permutePixels: the permutation has ${permutation.length} entries for ${pixels} pixels`);
  const seen = new Uint8Array(pixels);
  for (const p of permutation) {
    if (!(p >= 0 && p < pixels) || seen[p]) throw new RangeError('simdnet: permutePixels: not a permutation');
    seen[p] = 1;
  }
  const c = d.channels, size = pixels * c;
  const images = new Float32Array(d.images.length);
  for (let n = 0; n < d.count; n++) {
    for (let i = 0; i < pixels; i++) {
      for (let k = 0; k < c; k++) images[n * size + i * c + k] = d.images[n * size + permutation[i]! * c + k]!;
    }
  }
  return { ...d, images };
}

/** A copy of the dataset with every image shifted by (dy, dx). */
export function shiftDataset(d: ImageDataset, dy: number, dx: number, fill = 0): ImageDataset {
  const images = d.images.slice();
  const size = d.height * d.width * d.channels;
  for (let n = 0; n < d.count; n++) shiftImage(images.subarray(n * size, (n + 1) * size), d, dy, dx, fill);
  return { ...d, images };
}
