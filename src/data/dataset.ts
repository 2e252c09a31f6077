/**
 * In-memory image datasets in NHWC float32 with int32 labels, and the seeded operations a training
 * loop needs: split, shuffle into batches, pad. Plain JS arrays, no tensors: a batch becomes a
 * tensor only when it is used.
 */
import { Random } from '../random.ts';
import { tensor, type Tensor } from '../tensor.ts';

export interface ImageDataset {
  /** [count, height, width, channels], row-major. */
  images: Float32Array;
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export function imageSize(d: ImageDataset): number {
  return d.height * d.width * d.channels;
}

/** The examples at the given indices, in that order. */
export function subset(d: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const size = imageSize(d);
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    if (!(j >= 0 && j < d.count)) throw new RangeError(`simdnet: subset: index ${j} is outside the ${d.count} examples`);
    images.set(d.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = d.labels[j]!;
  }
  return { ...d, images, labels, count: indices.length };
}

/** A seeded random split into two parts of `first` and count − first examples. */
export function split(d: ImageDataset, first: number, seed: number): [ImageDataset, ImageDataset] {
  if (!Number.isSafeInteger(first) || first < 0 || first > d.count) throw new RangeError(`simdnet: split: first must be in [0, ${d.count}], got ${first}`);
  const order = Int32Array.from({ length: d.count }, (_, i) => i);
  new Random(seed).shuffle(order);
  return [subset(d, order.subarray(0, first)), subset(d, order.subarray(first))];
}

/** Examples whose label passes the test (e.g. digits 0–4). */
export function filterLabels(d: ImageDataset, keep: (label: number) => boolean): ImageDataset {
  const indices: number[] = [];
  for (let i = 0; i < d.count; i++) if (keep(d.labels[i]!)) indices.push(i);
  return subset(d, indices);
}

/** Surrounds every image with `pad` pixels of `value` (MNIST 28×28 → LeNet's 32×32 with pad 2). */
export function padImages(d: ImageDataset, pad: number, value = 0): ImageDataset {
  const h = d.height + 2 * pad, w = d.width + 2 * pad, c = d.channels;
  const images = new Float32Array(d.count * h * w * c).fill(value);
  for (let n = 0; n < d.count; n++) {
    for (let y = 0; y < d.height; y++) {
      const src = ((n * d.height + y) * d.width) * c;
      const dst = ((n * h + y + pad) * w + pad) * c;
      images.set(d.images.subarray(src, src + d.width * c), dst);
    }
  }
  return { ...d, images, height: h, width: w };
}

/** Maps every pixel value (e.g. LeNet's background −0.1, foreground 1.175). */
export function mapPixels(d: ImageDataset, f: (v: number) => number): ImageDataset {
  return { ...d, images: d.images.map(f) };
}

export interface Batch {
  /** [batch, height, width, channels] float32, not requiring gradients. */
  x: Tensor;
  /** [batch] int32. */
  y: Tensor;
  indices: Int32Array;
}

/**
 * The dataset in batches as index lists: shuffled with `random` when given, the last partial
 * batch kept unless dropLast.
 */
export function batchIndices(count: number, batchSize: number, options: { random?: Random; dropLast?: boolean } = {}): Int32Array[] {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`simdnet: batchSize must be a positive integer, got ${batchSize}`);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  options.random?.shuffle(order);
  const out: Int32Array[] = [];
  for (let i = 0; i < count; i += batchSize) {
    if (options.dropLast && i + batchSize > count) break;
    out.push(order.subarray(i, Math.min(count, i + batchSize)));
  }
  return out;
}

/** Tensors for the examples at `indices` (the caller disposes them, or makes them inside tidy). */
export function makeBatch(d: ImageDataset, indices: Int32Array, transform?: (image: Float32Array, index: number) => void): Batch {
  const size = imageSize(d);
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    const image = images.subarray(i * size, (i + 1) * size);
    image.set(d.images.subarray(j * size, (j + 1) * size));
    transform?.(image, j);
    labels[i] = d.labels[j]!;
  }
  return {
    x: tensor(images, [indices.length, d.height, d.width, d.channels], { requiresGrad: false }),
    y: tensor(labels, [indices.length], 'int32'),
    indices,
  };
}
