/**
 * The supervised training loop for classifiers: one epoch of minibatch SGD through a GradientTape,
 * and evaluation. Every step runs inside tidy(), so memory in use is flat from step to step.
 */
import { GradientTape, noGrad } from './autograd/tape.ts';
import { batchIndices, makeBatch, type ImageDataset } from './data/dataset.ts';
import type { Module } from './nn/module.ts';
import { crossEntropy } from './ops/reduce.ts';
import type { Optimizer } from './optim/optimizer.ts';
import { Random } from './random.ts';
import { tidy, type Tensor } from './tensor.ts';

export interface StepInfo {
  batch: number;
  batches: number;
  /** Running means over the epoch so far. */
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
}

export interface EpochOptions {
  batchSize: number;
  optimizer: Optimizer<{ lr: number }>;
  /** Shuffles the examples; the same seed gives the same run. */
  random: Random;
  /** Changes each training image in place (augmentation); gets the image and its dataset index. */
  transform?: (image: Float32Array, index: number) => void;
  /** The loss of scores [N, C] against labels [N] (default softmax cross-entropy). */
  loss?: (scores: Tensor, labels: Tensor) => Tensor;
  onStep?: (info: StepInfo) => void;
  /** Stop after this many steps (for benchmarks and quick runs). */
  maxSteps?: number;
}

export interface EpochResult { loss: number; accuracy: number; images: number; seconds: number }

/** Index of the largest score in each row. */
export function argmaxRows(scores: Float32Array | Float64Array | Int32Array, rows: number, classes: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[r * classes + c]! > scores[r * classes + best]!) best = c;
    out[r] = best;
  }
  return out;
}

function countCorrect(scores: Tensor, labels: Int32Array): number {
  const predicted = argmaxRows(scores.dataSync(), scores.shape[0]!, scores.shape[1]!);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct;
}

/** One training step on one batch; returns the batch's mean loss and its number of correct predictions. */
export function trainStep(model: Module, x: Tensor, y: Tensor, optimizer: Optimizer<{ lr: number }>,
  lossFn: (scores: Tensor, labels: Tensor) => Tensor = crossEntropy): { loss: number; correct: number } {
  return tidy(() => {
    const trainable = optimizer.parameters().filter((p) => p.requiresGrad);
    const tape = new GradientTape();
    const scores = tape.record(() => model.forward(x));
    const loss = tape.record(() => lossFn(scores, y));
    const grads = tape.gradient(loss, trainable);
    optimizer.step(new Map(trainable.map((p, i) => [p, grads[i]!])));
    return { loss: loss.item(), correct: countCorrect(scores, y.dataSync() as Int32Array) };
  });
}

export function trainEpoch(model: Module, data: ImageDataset, options: EpochOptions): EpochResult {
  model.train();
  const batches = batchIndices(data.count, options.batchSize, { random: options.random });
  const start = performance.now();
  let lossSum = 0, correct = 0, seen = 0;
  for (const [b, indices] of batches.entries()) {
    if (options.maxSteps !== undefined && b >= options.maxSteps) break;
    const step = tidy(() => {
      const { x, y } = makeBatch(data, indices, options.transform);
      return trainStep(model, x, y, options.optimizer, options.loss);
    });
    lossSum += step.loss * indices.length;
    correct += step.correct;
    seen += indices.length;
    options.onStep?.({
      batch: b + 1, batches: batches.length, loss: lossSum / seen, accuracy: correct / seen,
      imagesPerSecond: seen / ((performance.now() - start) / 1000),
    });
  }
  return { loss: lossSum / seen, accuracy: correct / seen, images: seen, seconds: (performance.now() - start) / 1000 };
}

export interface Evaluation { loss: number; accuracy: number; predictions: Int32Array }

/** Loss and accuracy in eval mode, without recording gradients. */
export function evaluate(model: Module, data: ImageDataset, options: { batchSize?: number; loss?: (s: Tensor, l: Tensor) => Tensor } = {}): Evaluation {
  const wasTraining = model.training;
  model.eval();
  const predictions = new Int32Array(data.count);
  let lossSum = 0, correct = 0;
  try {
    noGrad(() => {
      for (const indices of batchIndices(data.count, options.batchSize ?? 256)) {
        tidy(() => {
          const { x, y } = makeBatch(data, indices);
          const scores = model.forward(x);
          lossSum += (options.loss ?? crossEntropy)(scores, y).item() * indices.length;
          const predicted = argmaxRows(scores.dataSync(), indices.length, scores.shape[1]!);
          predicted.forEach((p, i) => {
            predictions[indices[i]!] = p;
            if (p === data.labels[indices[i]!]) correct++;
          });
        });
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return { loss: lossSum / data.count, accuracy: correct / data.count, predictions };
}
