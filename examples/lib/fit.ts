/**
 * Training as every experiment does it: minibatch SGD with Nesterov momentum (or Adam), a cosine
 * learning-rate decay over the epochs, a progress bar, and the per-epoch results kept.
 */
import * as sn from '../../src/index.ts';
import type { ImageDataset } from '../../src/data/index.ts';
import { progressBar } from './progress.ts';

export interface FitOptions {
  epochs: number;
  /** Shuffling (and augmentation, through `transform`) draws from this seed. */
  seed: number;
  batchSize?: number;
  optimizer?: 'sgd' | 'adam';
  lr: number;
  weightDecay?: number;
  /** The loss of scores [N, C] against labels [N] (default softmax cross-entropy). */
  loss?: (scores: sn.Tensor, labels: sn.Tensor) => sn.Tensor;
  /** Augmentation: changes each training image in place. */
  transform?: (image: Float32Array, index: number) => void;
  /** Shown before the progress bar. */
  label?: string;
  /** Stop every epoch after this many steps (quick runs). */
  stepsPerEpoch?: number;
}

export interface FitResult {
  /** The running mean training loss and accuracy of each epoch, in order. */
  epochs: sn.EpochResult[];
  seconds: number;
}

export function fit(model: sn.nn.Module, train: ImageDataset, options: FitOptions): FitResult {
  const { epochs, seed, batchSize = 64, optimizer: kind = 'sgd', lr, weightDecay = 0, label = 'train' } = options;
  if (!Number.isSafeInteger(epochs) || epochs < 1) throw new RangeError(`fit: epochs must be a positive integer, got ${epochs}`);
  const params = model.parameters();
  const optimizer = kind === 'adam'
    ? new sn.optim.Adam(params, { lr, weightDecay })
    : new sn.optim.SGD(params, { lr, momentum: 0.9, nesterov: true, weightDecay });
  const schedule = new sn.optim.CosineAnnealingLR(optimizer, epochs);
  const random = new sn.Random(seed);
  const results: sn.EpochResult[] = [];
  const started = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    results.push(sn.trainEpoch(model, train, {
      batchSize, optimizer, random, loss: options.loss, transform: options.transform, maxSteps: options.stepsPerEpoch,
      onStep: (s) => progressBar(`${label} ${epoch}/${epochs}`, s.batch, Math.min(s.batches, options.stepsPerEpoch ?? Infinity), {
        loss: s.loss.toFixed(4), acc: `${(100 * s.accuracy).toFixed(2)}%`, 'img/s': s.imagesPerSecond.toFixed(0),
      }),
    }));
    schedule.step();
  }
  const seconds = (performance.now() - started) / 1000;
  optimizer.dispose(); // its momentum buffers live in linear memory until freed
  return { epochs: results, seconds };
}

/** Held-out accuracy (eval mode, no gradients). */
export function accuracy(model: sn.nn.Module, data: ImageDataset): number {
  return sn.evaluate(model, data).accuracy;
}
