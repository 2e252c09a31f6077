/**
 * LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998), two ways:
 * - `classic`, faithful to the paper: 32×32 input, scaled-tanh squashing, trainable subsampling,
 *   C3's partial connection table, and 10 Euclidean RBF output units — 60,000 trainable parameters
 *   in C1…F6. Its forward returns the negated RBF distances (scaled, see EuclideanRBF), so the class
 *   with the smallest distance has the largest score.
 * - `modern`: ReLU, max pooling, dense C3 and a Linear 84→10 head: 61,706 parameters.
 */
import { add, affine, mul, scaledTanh, square } from '../ops/elementwise.ts';
import { gather } from '../ops/gather.ts';
import { linear } from '../ops/linear.ts';
import { avgPool2d } from '../ops/pool.ts';
import { sum } from '../ops/reduce.ts';
import { conv2d } from '../ops/conv.ts';
import { Random } from '../random.ts';
import { tensor, type Tensor } from '../tensor.ts';
import type { InitOptions } from '../nn/init.ts';
import type { FlattenedLinears } from '../io/torchvision.ts';
import { Conv2d } from '../nn/layers/conv.ts';
import { Linear } from '../nn/layers/linear.ts';
import { MaxPool2d } from '../nn/layers/pooling.ts';
import { ReLU, ScaledTanh } from '../nn/layers/activation.ts';
import { Flatten } from '../nn/layers/flatten.ts';
import { buffer, Module, parameter } from '../nn/module.ts';
import { defaultRandom } from '../random.ts';

/** Table I of the paper: the S2 maps each C3 map reads. */
export const C3_CONNECTIONS: readonly (readonly number[])[] = [
  [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 0], [5, 0, 1],
  [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 0], [4, 5, 0, 1], [5, 0, 1, 2],
  [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5],
  [0, 1, 2, 3, 4, 5],
];

/** S2 / S4: each map's 2×2 sum times a trainable coefficient plus a trainable bias (squashed by the caller). */
export class Subsampling extends Module {
  weight: Tensor;
  bias: Tensor;
  constructor(readonly channels: number, options: InitOptions = {}) {
    super();
    // A 2×2 sum of inputs near ±1 times a coefficient of about 1/4 keeps the squashing in its linear range.
    const r = options.random ?? defaultRandom();
    this.weight = parameter(tensor(Array.from({ length: channels }, () => 0.25 + 0.05 * (2 * r.uniform() - 1)), [channels]));
    this.bias = parameter(tensor(new Float32Array(channels), [channels]));
  }
  forward(x: Tensor): Tensor {
    const sums = affine(avgPool2d(x, { kernelSize: 2 }), 4);
    return add(mul(sums, this.weight), this.bias);
  }
  override extraRepr(): string { return `${this.channels}`; }
}

/** C3: a 5×5 convolution whose output maps read only the input maps of a connection table. */
export class PartialConv2d extends Module {
  /** The filters of the existing connections only: [connections, kh, kw, 1]. */
  weight: Tensor;
  bias: Tensor;
  /** For each element of the dense OHWI filter, the index into `weight` or −1. */
  private readonly denseIndex: Tensor;

  constructor(readonly inChannels: number, readonly table: readonly (readonly number[])[], readonly kernel = 5, options: InitOptions = {}) {
    super();
    const connections = table.reduce((n, row) => n + row.length, 0);
    this.weight = parameter(connectionInit([connections, kernel, kernel, 1], table, kernel, options));
    this.bias = parameter(tensor(new Float32Array(table.length), [table.length]));
    const index = new Int32Array(table.length * kernel * kernel * inChannels).fill(-1);
    let connection = 0;
    table.forEach((inputs, o) => {
      for (const i of inputs) {
        for (let t = 0; t < kernel * kernel; t++) index[(o * kernel * kernel + t) * inChannels + i] = connection * kernel * kernel + t;
        connection++;
      }
    });
    this.denseIndex = tensor(index, [index.length], 'int32');
  }

  forward(x: Tensor): Tensor {
    const dense = gather(this.weight, this.denseIndex, [this.table.length, this.kernel, this.kernel, this.inChannels]);
    return conv2d(x, dense, this.bias);
  }

  override extraRepr(): string { return `${this.inChannels}, ${this.table.length}, connections=${this.weight.shape[0]}`; }
}

/** LeCun's N(0, 1/fanIn), where each C3 map's fan-in is its own number of inputs × 25. */
function connectionInit(shape: number[], table: readonly (readonly number[])[], kernel: number, options: InitOptions): Tensor {
  const r = options.random ?? defaultRandom();
  const values: number[] = [];
  for (const inputs of table) {
    const std = Math.sqrt(1 / (inputs.length * kernel * kernel));
    for (let i = 0; i < inputs.length * kernel * kernel; i++) values.push(std * r.normal());
  }
  return tensor(values, shape);
}

/**
 * The output layer: yᵢ = Σⱼ (xⱼ − wᵢⱼ)², with fixed ±1 codes as the weights (a buffer, not trained).
 * forward() returns the scores −yᵢ / temperature: softmax cross-entropy on them is the paper's
 * criterion (eq. 9, j → ∞) with the distances scaled down, because the paper's per-parameter
 * step sizes (diagonal Levenberg–Marquardt) are not what SGD or Adam use; the ranking is unchanged.
 */
export class EuclideanRBF extends Module {
  weight: Tensor;
  constructor(readonly inFeatures: number, readonly classes: number, seed = 1998, readonly temperature = 10) {
    super();
    const r = new Random(seed);
    const codes = Array.from({ length: classes * inFeatures }, () => (r.uniform() < 0.5 ? -1 : 1));
    this.weight = buffer(tensor(codes, [classes, inFeatures]));
  }
  /** Squared distances [N, classes]. */
  distances(x: Tensor): Tensor {
    const xx = sum(square(x), { axis: 1, keepDims: true });
    const ww = sum(square(this.weight), { axis: 1 });
    return add(add(xx, affine(linear(x, this.weight), -2)), ww);
  }
  /** Scores −y / temperature: the argmax is the nearest code. */
  forward(x: Tensor): Tensor {
    return affine(this.distances(x), -1 / this.temperature);
  }
  override extraRepr(): string { return `${this.inFeatures}, ${this.classes}`; }
}

export interface LeNetOptions {
  variant?: 'modern' | 'classic';
  numClasses?: number;
  /** Seed of the initial weights (default: the global generator). */
  seed?: number;
}

/** LeNet-5 on 32×32×1 NHWC input. */
export class LeNet5Classic extends Module {
  c1: Conv2d; s2: Subsampling; c3: PartialConv2d; s4: Subsampling; c5: Conv2d; flatten = new Flatten(); f6: Linear; output: EuclideanRBF;
  constructor(numClasses = 10, options: InitOptions = {}) {
    super();
    this.c1 = new Conv2d(1, 6, 5, { ...options, init: 'lecun' });
    this.s2 = new Subsampling(6, options);
    this.c3 = new PartialConv2d(6, C3_CONNECTIONS, 5, options);
    this.s4 = new Subsampling(16, options);
    this.c5 = new Conv2d(16, 120, 5, { ...options, init: 'lecun' });
    this.f6 = new Linear(120, 84, { ...options, init: 'lecun' });
    this.output = new EuclideanRBF(84, numClasses);
  }
  forward(x: Tensor): Tensor {
    let h = scaledTanh(this.c1.forward(x));
    h = scaledTanh(this.s2.forward(h));
    h = scaledTanh(this.c3.forward(h));
    h = scaledTanh(this.s4.forward(h));
    h = scaledTanh(this.c5.forward(h));
    h = scaledTanh(this.f6.forward(this.flatten.forward(h)));
    return this.output.forward(h);
  }
}

export class LeNet5Modern extends Module {
  conv1: Conv2d; relu1 = new ReLU(); pool1 = new MaxPool2d(2);
  conv2: Conv2d; relu2 = new ReLU(); pool2 = new MaxPool2d(2);
  flatten = new Flatten();
  fc1: Linear; relu3 = new ReLU(); fc2: Linear; relu4 = new ReLU(); fc3: Linear;
  /** For the torchvision importer: fc1 reads a flattened 16×5×5 map (CHW in a PyTorch LeNet). */
  readonly flattenedLinears: FlattenedLinears = { fc1: [16, 5, 5] };
  constructor(numClasses = 10, options: InitOptions = {}) {
    super();
    this.conv1 = new Conv2d(1, 6, 5, options);
    this.conv2 = new Conv2d(6, 16, 5, options);
    this.fc1 = new Linear(400, 120, options);
    this.fc2 = new Linear(120, 84, options);
    this.fc3 = new Linear(84, numClasses, options);
  }
  forward(x: Tensor): Tensor {
    let h = this.pool1.forward(this.relu1.forward(this.conv1.forward(x)));
    h = this.pool2.forward(this.relu2.forward(this.conv2.forward(h)));
    h = this.relu3.forward(this.fc1.forward(this.flatten.forward(h)));
    h = this.relu4.forward(this.fc2.forward(h));
    return this.fc3.forward(h);
  }
}

export function lenet5(options: LeNetOptions = {}): LeNet5Classic | LeNet5Modern {
  const { variant = 'modern', numClasses = 10, seed } = options;
  const init: InitOptions = seed === undefined ? {} : { random: new Random(seed) };
  if (variant === 'classic') return new LeNet5Classic(numClasses, init);
  if (variant === 'modern') return new LeNet5Modern(numClasses, init);
  throw new TypeError(`simdnet: lenet5: variant must be 'modern' or 'classic', got ${JSON.stringify(variant)}`);
}

