/**
 * Linear classifiers on precomputed CNN codes: the "ConvNet as fixed feature extractor" strategy.
 * The codes of a dataset are computed once (eval mode, no tape), then a softmax regression or a
 * multiclass linear SVM is trained on them — cheap, since no image passes the network again.
 *
 * Codes are held as an ImageDataset of 1×1 "images" with one channel per feature, so the batching,
 * trainEpoch and evaluate that train networks train and score these classifiers unchanged.
 */
import { noGrad } from '../autograd/tape.ts';
import { batchIndices, makeBatch, type ImageDataset } from '../data/dataset.ts';
import type { InitOptions } from '../nn/init.ts';
import { Linear } from '../nn/layers/linear.ts';
import { buffer, Module } from '../nn/module.ts';
import { mul, sub } from '../ops/elementwise.ts';
import { crossEntropy, hingeLoss } from '../ops/reduce.ts';
import { reshape } from '../ops/shape.ts';
import { SGD } from '../optim/sgd.ts';
import { CosineAnnealingLR } from '../optim/schedule.ts';
import { Random } from '../random.ts';
import { formatShape, tensor, tidy, type Tensor } from '../tensor.ts';
import { trainEpoch, type EpochResult } from '../train.ts';

/**
 * Runs `extractor` over every image of `data` in eval mode without recording gradients, and returns
 * the flattened outputs as a dataset of [count, 1, 1, features] with the same labels.
 */
export function extractCodes(extractor: Module, data: ImageDataset, options: { batchSize?: number } = {}): ImageDataset {
  if (!(extractor instanceof Module)) throw new TypeError('simdnet: extractCodes: the extractor must be a Module');
  checkDataset('extractCodes', data);
  const batchSize = options.batchSize ?? 256;
  const wasTraining = extractor.training;
  extractor.eval();
  let codes: Float32Array | undefined;
  let features = 0;
  try {
    noGrad(() => {
      for (const indices of batchIndices(data.count, batchSize)) {
        tidy(() => {
          const { x } = makeBatch(data, indices);
          const y = extractor.forward(x);
          const perImage = y.size / indices.length;
          if (!codes) {
            features = perImage;
            codes = new Float32Array(data.count * features);
          } else if (perImage !== features) {
            throw new Error(`simdnet: extractCodes: the extractor returned ${formatShape(y.shape)}, inconsistent with ${features} features per image`);
          }
          const values = y.dataSync();
          // Batches are in dataset order (no shuffling), so row i of the batch is example indices[i].
          for (let i = 0; i < indices.length; i++) codes.set(values.subarray(i * features, (i + 1) * features), indices[i]! * features);
        });
      }
    });
  } finally {
    extractor.train(wasTraining);
  }
  return { images: codes!, labels: data.labels.slice(), count: data.count, height: 1, width: 1, channels: features };
}

/**
 * A linear classifier on codes: scores = ((x − mean) · invStd) · Wᵀ + b. The standardisation
 * (from the training codes; identity if not asked for) is stored as buffers, so it travels with
 * the weights. Takes [N, features] or the [N, 1, 1, features] that extractCodes makes.
 */
export class LinearClassifier extends Module {
  mean: Tensor;
  invStd: Tensor;
  fc: Linear;

  constructor(readonly features: number, readonly classes: number, options: InitOptions = {}) {
    super();
    this.fc = new Linear(features, classes, options);
    this.mean = buffer(tensor(new Float32Array(features), [features]));
    this.invStd = buffer(tensor(new Float32Array(features).fill(1), [features]));
  }

  /** Sets the standardisation from training codes; a constant feature (a dead ReLU) gets weight 0. */
  standardizeFrom(codes: ImageDataset): void {
    const d = codes.channels * codes.height * codes.width;
    if (d !== this.features) throw new RangeError(`simdnet: LinearClassifier.standardizeFrom: codes have ${d} features, the classifier ${this.features}`);
    const mean = new Float64Array(d), square = new Float64Array(d);
    for (let n = 0; n < codes.count; n++) {
      for (let j = 0; j < d; j++) {
        const v = codes.images[n * d + j]!;
        mean[j] = mean[j]! + v;
        square[j] = square[j]! + v * v;
      }
    }
    const invStd = new Float32Array(d);
    for (let j = 0; j < d; j++) {
      mean[j] = mean[j]! / codes.count;
      const std = Math.sqrt(Math.max(0, square[j]! / codes.count - mean[j]! ** 2));
      invStd[j] = std > 1e-6 ? 1 / std : 0;
    }
    this.mean.dispose();
    this.invStd.dispose();
    this.mean = buffer(tensor(mean, [d]));
    this.invStd = buffer(tensor(invStd, [d]));
  }

  forward(x: Tensor): Tensor {
    const rows = x.shape[0]!;
    if (x.size !== rows * this.features) {
      throw new RangeError(`simdnet: LinearClassifier: expected ${this.features} features per row, got input ${formatShape(x.shape)}`);
    }
    const flat = x.rank === 2 ? x : reshape(x, [rows, this.features]);
    return this.fc.forward(mul(sub(flat, this.mean), this.invStd));
  }

  override extraRepr(): string {
    return `${this.features}, ${this.classes}`;
  }
}

export interface LinearClassifierOptions {
  /** 'softmax': softmax regression (cross-entropy); 'svm': multiclass hinge loss (Weston–Watkins). */
  loss?: 'softmax' | 'svm';
  /** Number of classes (default: the largest label + 1). */
  classes?: number;
  epochs?: number;
  batchSize?: number;
  /** Initial learning rate, decayed by a cosine schedule to 0. */
  lr?: number;
  momentum?: number;
  /** L2 regularisation of the weights (not the biases): SGD's weight decay λ, i.e. a penalty ½λ‖W‖². */
  weightDecay?: number;
  /** The SVM's margin Δ. */
  margin?: number;
  /** Standardise each feature with the training codes' mean and std (default true). */
  standardize?: boolean;
  /** Seeds the initial weights and the shuffling. */
  seed?: number;
  onEpoch?: (epoch: number, result: EpochResult) => void;
}

/** Trains a LinearClassifier on codes (from extractCodes) with minibatch SGD. */
export function trainLinearClassifier(codes: ImageDataset, options: LinearClassifierOptions = {}): LinearClassifier {
  checkDataset('trainLinearClassifier', codes);
  const { loss = 'softmax', epochs = 30, batchSize = 64, lr = 0.05, momentum = 0.9, weightDecay = 1e-4, margin = 1, standardize = true, seed = 0 } = options;
  if (loss !== 'softmax' && loss !== 'svm') throw new TypeError(`simdnet: trainLinearClassifier: loss must be 'softmax' or 'svm', got ${JSON.stringify(loss)}`);
  if (!Number.isSafeInteger(epochs) || epochs < 1) throw new RangeError(`simdnet: trainLinearClassifier: epochs must be a positive integer, got ${epochs}`);
  let maxLabel = 0;
  for (const l of codes.labels) maxLabel = Math.max(maxLabel, l);
  const classes = options.classes ?? maxLabel + 1;
  if (!Number.isSafeInteger(classes) || classes < 2 || classes <= maxLabel) {
    throw new RangeError(`simdnet: trainLinearClassifier: classes must be an integer ≥ 2 covering every label (the largest is ${maxLabel}), got ${classes}`);
  }
  const random = new Random(seed);
  const features = codes.height * codes.width * codes.channels;
  const classifier = new LinearClassifier(features, classes, { random: random.fork() });
  if (standardize) classifier.standardizeFrom(codes);
  const groups = [
    { params: [classifier.fc.weight], weightDecay },
    ...(classifier.fc.bias ? [{ params: [classifier.fc.bias], weightDecay: 0 }] : []),
  ];
  const optimizer = new SGD(groups, { lr, momentum });
  const schedule = new CosineAnnealingLR(optimizer, epochs);
  const lossFn = loss === 'svm'
    ? (s: Tensor, y: Tensor) => hingeLoss(s, y, { margin })
    : (s: Tensor, y: Tensor) => crossEntropy(s, y);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const result = trainEpoch(classifier, codes, { batchSize, optimizer, random, loss: lossFn });
    schedule.step();
    options.onEpoch?.(epoch, result);
  }
  return classifier;
}

function checkDataset(op: string, data: ImageDataset): void {
  if (!data || !(data.images instanceof Float32Array) || !(data.labels instanceof Int32Array)) {
    throw new TypeError(`simdnet: ${op}: expected an ImageDataset { images: Float32Array, labels: Int32Array, count, height, width, channels }`);
  }
  if (data.count < 1) throw new RangeError(`simdnet: ${op}: the dataset is empty`);
  if (data.images.length !== data.count * data.height * data.width * data.channels || data.labels.length !== data.count) {
    throw new RangeError(`simdnet: ${op}: the dataset's arrays do not match count ${data.count} × ${data.height}×${data.width}×${data.channels}`);
  }
}
