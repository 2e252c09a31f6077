/**
 * The models the experiments compare, besides sn.zoo.lenet5: linear classifiers on the raw pixels
 * (logistic or softmax regression, depending on the loss), a dense network, and LeNet-5-shaped
 * convolutional networks for any input size, with or without pooling.
 */
import * as sn from '../../src/index.ts';
import { conv2dOutputShape } from '../../src/nn/count.ts';

const { Module, Conv2d, Linear, ReLU, MaxPool2d, Flatten, Identity, Sequential } = sn.nn;

/** Seeded initialisation for a builder: a generator of its own, so models do not share a stream. */
const initFrom = (seed: number) => ({ random: new sn.Random(seed) });

/**
 * One Linear layer on the flattened pixels: ten scores, one per class. Trained with
 * oneVsRestLoss it is ten logistic regressions (one sigmoid unit per class); trained with softmax
 * cross-entropy it is softmax (multinomial logistic) regression.
 */
export class LinearClassifier extends Module {
  flatten = new Flatten();
  linear: sn.nn.Linear;
  constructor(readonly inputs: number, readonly classes = 10, seed = 1) {
    super();
    this.linear = new Linear(inputs, classes, initFrom(seed));
  }
  forward(x: sn.Tensor): sn.Tensor {
    return this.linear.forward(this.flatten.forward(x));
  }
}

/** One-hot float targets [N, classes] from int32 labels [N]; constants, not trained. */
export function oneHot(labels: sn.Tensor, classes: number): sn.Tensor {
  if (labels.dtype !== 'int32' || labels.rank !== 1) throw new TypeError(`oneHot: labels must be an int32 vector, got ${labels.dtype} ${sn.formatShape(labels.shape)}`);
  const values = labels.dataSync();
  const out = new Float32Array(values.length * classes);
  values.forEach((label, i) => {
    if (!(label >= 0 && label < classes)) throw new RangeError(`oneHot: labels[${i}] is ${label}, outside the ${classes} classes`);
    out[i * classes + label] = 1;
  });
  return sn.tensor(out, [values.length, classes], { requiresGrad: false });
}

/**
 * Ten independent binary problems ("is it a 3?"): each score is a sigmoid unit's logit, trained
 * with the binary cross-entropy against 1 for its own class and 0 for the others. Summed over the
 * classes and averaged over the batch, so every unit gets the gradient it would get alone.
 */
export function oneVsRestLoss(scores: sn.Tensor, labels: sn.Tensor): sn.Tensor {
  const classes = scores.shape[1]!;
  const perElement = sn.binaryCrossEntropyWithLogits(scores, oneHot(labels, classes), { reduction: 'sum' });
  return sn.scale(perElement, 1 / scores.shape[0]!);
}

/** A dense network: flatten, then Linear + ReLU per hidden width, then a Linear to the classes. */
export function mlp(inputs: number, hidden: readonly number[], classes = 10, seed = 1): sn.nn.Sequential {
  const init = initFrom(seed);
  const net = new Sequential(new Flatten());
  let width = inputs;
  for (const h of hidden) {
    net.append(new Linear(width, h, init)).append(new ReLU());
    width = h;
  }
  return net.append(new Linear(width, classes, init));
}

export interface LeNetLikeOptions {
  /** Side of the square single-channel input (32 for LeNet-5 proper). */
  inputSize: number;
  /** 2×2 max pooling after each convolution (LeNet-5); without it the dense layer sees full-size maps. */
  pooling: boolean;
  classes?: number;
  seed?: number;
}

/**
 * LeNet-5's modern form (conv 5×5·6, conv 5×5·16, dense 120, 84, classes; ReLU) for any input
 * size, with or without its pooling layers. With pooling at 32×32 it is sn.zoo.lenet5() exactly:
 * same state-dict keys and shapes. The first dense layer's width follows from the conv
 * arithmetic (src/nn/count.ts), not from a number typed in.
 */
export class LeNetLike extends Module {
  conv1: sn.nn.Conv2d; relu1 = new ReLU(); pool1: sn.nn.Module;
  conv2: sn.nn.Conv2d; relu2 = new ReLU(); pool2: sn.nn.Module;
  flatten = new Flatten();
  fc1: sn.nn.Linear; relu3 = new ReLU(); fc2: sn.nn.Linear; relu4 = new ReLU(); fc3: sn.nn.Linear;
  /** Values the first dense layer reads: 16 maps of the last feature-map size. */
  readonly flatFeatures: number;

  constructor(readonly config: LeNetLikeOptions) {
    super();
    const { inputSize, pooling, classes = 10, seed = 1 } = config;
    // Sizes first, so an input too small fails before any weight is allocated.
    const pooled = (side: number) => (pooling ? sn.poolOutputSize(side, 2, 2, 0, false) : side);
    const [side1] = conv2dOutputShape({ inChannels: 1, outChannels: 6, kernelSize: 5 }, [inputSize, inputSize]);
    const [side2] = conv2dOutputShape({ inChannels: 6, outChannels: 16, kernelSize: 5 }, [pooled(side1), pooled(side1)]);
    this.flatFeatures = 16 * pooled(side2) ** 2;
    const init = initFrom(seed);
    this.conv1 = new Conv2d(1, 6, 5, init);
    this.pool1 = pooling ? new MaxPool2d(2) : new Identity();
    this.conv2 = new Conv2d(6, 16, 5, init);
    this.pool2 = pooling ? new MaxPool2d(2) : new Identity();
    this.fc1 = new Linear(this.flatFeatures, 120, init);
    this.fc2 = new Linear(120, 84, init);
    this.fc3 = new Linear(84, classes, init);
  }

  forward(x: sn.Tensor): sn.Tensor {
    let h = this.pool1.forward(this.relu1.forward(this.conv1.forward(x)));
    h = this.pool2.forward(this.relu2.forward(this.conv2.forward(h)));
    h = this.relu3.forward(this.fc1.forward(this.flatten.forward(h)));
    h = this.relu4.forward(this.fc2.forward(h));
    return this.fc3.forward(h);
  }
}
