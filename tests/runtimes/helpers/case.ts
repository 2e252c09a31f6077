/**
 * What every host gets: LeNet-5 weights trained for a few seeded steps on real MNIST digits (as
 * safetensors bytes, so loading them is exercised too) and one held-out digit. The expected
 * results come from the same consumer file run in this process over the sources.
 */
import * as sn from '../../../src/index.ts';
import { loadMnist, mapPixels, padImages, split } from '../../../src/data/index.ts';

export interface RuntimeCase {
  /** safetensors bytes of LeNet-5 (modern). */
  weights: Uint8Array;
  /** 28 rows of 28 pixel values in [0, 1]. */
  digit: number[][];
  label: number;
}

export type { RunResult } from '../consumer.js';
/** consumer.run in this process, over the sources (vitest maps the package name to src/): the reference. */
export { run, classify } from '../consumer.js';

export async function makeCase(): Promise<RuntimeCase> {
  await sn.init();
  const mnist = loadMnist();
  const digits = mapPixels(padImages(mnist, 2), (v) => (v - 0.1307) / 0.3081);
  const [train] = split(digits, 9000, 1);
  const model = sn.zoo.lenet5({ variant: 'modern', seed: 1 });
  const optimizer = new sn.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  sn.trainEpoch(model, train, { batchSize: 32, optimizer, random: new sn.Random(1), maxSteps: 150 });
  const weights = sn.io.writeSafetensors(model.stateDict());
  model.dispose();
  // A held-out digit: split's second part, whose first index is fixed by the seed.
  const order = Int32Array.from({ length: mnist.count }, (_, i) => i);
  new sn.Random(1).shuffle(order);
  const index = order[9000]!;
  const pixels = mnist.images.subarray(index * 784, (index + 1) * 784);
  const digit = Array.from({ length: 28 }, (_, y) => Array.from(pixels.subarray(y * 28, y * 28 + 28)));
  return { weights, digit, label: mnist.labels[index]! };
}

/** Index of the largest value. */
export function argmax(values: readonly number[]): number {
  return values.reduce((best, v, i) => (v > values[best]! ? i : best), 0);
}
