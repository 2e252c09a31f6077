/**
 * AlexNet, two ways, both with torchvision's state-dict keys (features.N, classifier.N):
 *
 * - `torchvision` (default): torchvision's single-tower variant (64-192-384-256-256 filters, no
 *   LRN, AdaptiveAvgPool2d(6) before the classifier) — 61,100,840 parameters, any input ≥ 63×63.
 * - `original`: Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional
 *   Neural Networks" (NIPS 2012), as one network: 96-256-384-384-256 filters, ReLU, local response
 *   normalisation after conv1 and conv2, overlapping 3×3 stride-2 max pooling, and groups = 2 on
 *   conv2, conv4 and conv5 (the layers whose kernels saw only their own GPU's maps). The input is
 *   227×227 so that 11×11 stride 4 gives 55×55; 55 → 27 → 13 → 6, and fc6 reads 6×6×256 = 9216.
 *
 *   Parameters (weights + biases):
 *     conv1  96 · 3·11·11        +  96 =     34,944
 *     conv2 256 · (96/2)·5·5     + 256 =    307,456
 *     conv3 384 · 256·3·3        + 384 =    885,120
 *     conv4 384 · (384/2)·3·3    + 384 =    663,936
 *     conv5 256 · (384/2)·3·3    + 256 =    442,624
 *     fc6  4096 · 9216           + 4096 = 37,752,832
 *     fc7  4096 · 4096           + 4096 = 16,781,312
 *     fc8  1000 · 4096           + 1000 =  4,097,000
 *     total                               60,965,224
 *   (the paper's "60 million"; torchvision's variant differs in every convolution.)
 */
import { convOutputSize, poolOutputSize } from '../ops/index.ts';
import { fail, describe } from '../ops/validate.ts';
import type { Tensor } from '../tensor.ts';
import type { FlattenedLinears } from '../io/torchvision.ts';
import { ReLU } from '../nn/layers/activation.ts';
import { Sequential } from '../nn/layers/container.ts';
import { Conv2d } from '../nn/layers/conv.ts';
import { Dropout } from '../nn/layers/dropout.ts';
import { Flatten } from '../nn/layers/flatten.ts';
import { Linear } from '../nn/layers/linear.ts';
import { LocalResponseNorm } from '../nn/layers/normalization.ts';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/layers/pooling.ts';
import { Module } from '../nn/module.ts';
import { checkImages, dropoutOption, fillBiases, normalInit, scheme, zooOptions, type ResolvedZooOptions, type ZooOptions } from './common.ts';

export type AlexNetVariant = 'torchvision' | 'original';

export interface AlexNetOptions extends ZooOptions {
  variant?: AlexNetVariant;
  /** Dropout probability before fc6 and fc7 (default 0.5). */
  dropout?: number;
}

/**
 * The paper's response normalisation b = a / (k + α Σ a²)^β with n = 5, k = 2, α = 1e-4, β = 0.75.
 * The sum is not divided by n in the paper, but PyTorch's (and our) LocalResponseNorm divides α
 * by `size`: α = 5 · 1e-4 here is the paper's α = 1e-4. (Caffe's AlexNet, which also divides,
 * kept 1e-4 and so normalises five times more weakly than the paper.) ZFNet uses the same.
 */
export function paperLocalResponseNorm(): LocalResponseNorm {
  return new LocalResponseNorm(5, { alpha: 5e-4, beta: 0.75, k: 2 });
}

/** fc6 → fc7 → fc8 behind dropout, under torchvision's indices classifier.1 / .4 / .6. */
export function alexNetClassifier(numClasses: number, dropout: number, o: ResolvedZooOptions, init = scheme(o, 'pytorch')): Sequential {
  return new Sequential(
    new Dropout(dropout), new Linear(256 * 6 * 6, 4096, { ...o.init, init }), new ReLU(),
    new Dropout(dropout), new Linear(4096, 4096, { ...o.init, init }), new ReLU(),
    new Linear(4096, numClasses, { ...o.init, init }),
  );
}

/**
 * Checks the input of a model without adaptive pooling, whose fc6 reads exactly a 6×6 map:
 * `mapSize` maps an input side to the side of the last feature map.
 */
export function checkFixedInput(model: string, x: unknown, mapSize: (side: number) => number, example: number): asserts x is Tensor {
  checkImages(model, x, 1);
  const [h, w] = [mapSize(x.shape[1]!), mapSize(x.shape[2]!)];
  if (h !== 6 || w !== 6) {
    fail(model, `fc6 reads a 6×6×256 feature map, which needs an input such as ${example}×${example}; ` +
      `a ${x.shape[1]}×${x.shape[2]} input gives ${h > 0 && w > 0 ? `${h}×${w}` : 'nothing'}`);
  }
}

/** Side of AlexNet's (original) last feature map for an input side. */
function originalMapSize(side: number): number {
  const pool = (n: number) => (n >= 3 ? poolOutputSize(n, 3, 2, 0, false) : 0);
  const conv1 = side >= 11 ? convOutputSize(side, 11, 4, 0, 0, 1) : 0;
  return pool(pool(pool(conv1)));
}

export class AlexNet extends Module {
  features: Sequential;
  /** torchvision's AdaptiveAvgPool2d(6); the original network has none (its input is fixed). */
  avgpool: AdaptiveAvgPool2d | null;
  flatten: Flatten;
  classifier: Sequential;
  /** For the torchvision importer: classifier.1 reads a flattened 256×6×6 map (CHW in PyTorch). */
  readonly flattenedLinears: FlattenedLinears = { 'classifier.1': [256, 6, 6] };

  constructor(readonly variant: AlexNetVariant, o: ResolvedZooOptions, dropout: number) {
    super();
    if (variant === 'torchvision') {
      const init = { ...o.init, init: scheme(o, 'pytorch') };
      this.features = new Sequential(
        new Conv2d(3, 64, 11, { ...init, stride: 4, padding: 2 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
        new Conv2d(64, 192, 5, { ...init, padding: 2 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
        new Conv2d(192, 384, 3, { ...init, padding: 1 }), new ReLU(),
        new Conv2d(384, 256, 3, { ...init, padding: 1 }), new ReLU(),
        new Conv2d(256, 256, 3, { ...init, padding: 1 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
      );
      this.avgpool = new AdaptiveAvgPool2d(6);
      this.flatten = new Flatten();
      this.classifier = alexNetClassifier(o.numClasses, dropout, o);
    } else {
      // The paper (section 5): weights N(0, 0.01²); biases 1 in conv2, conv4, conv5 and the hidden
      // fully connected layers (to give the ReLUs positive inputs early on), 0 elsewhere.
      const init = { ...o.init, init: scheme(o, normalInit(0.01)) };
      this.features = new Sequential(
        new Conv2d(3, 96, 11, { ...init, stride: 4 }), new ReLU(), paperLocalResponseNorm(), new MaxPool2d(3, { stride: 2 }),
        new Conv2d(96, 256, 5, { ...init, padding: 2, groups: 2 }), new ReLU(), paperLocalResponseNorm(), new MaxPool2d(3, { stride: 2 }),
        new Conv2d(256, 384, 3, { ...init, padding: 1 }), new ReLU(),
        new Conv2d(384, 384, 3, { ...init, padding: 1, groups: 2 }), new ReLU(),
        new Conv2d(384, 256, 3, { ...init, padding: 1, groups: 2 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
      );
      this.avgpool = null;
      this.flatten = new Flatten();
      this.classifier = alexNetClassifier(o.numClasses, dropout, o, init.init);
      fillBiases(this, 0);
      if (o.initWeights) {
        const ones = new Set<Module>([this.features[4]!, this.features[10]!, this.features[12]!, this.classifier[1]!, this.classifier[4]!]);
        fillBiases(this, 1, (m) => ones.has(m));
      }
    }
  }

  forward(x: Tensor): Tensor {
    if (this.variant === 'torchvision') checkImages('alexnet', x, 63);
    else checkFixedInput('alexnet (original)', x, originalMapSize, 227);
    let h = this.features.forward(x);
    if (this.avgpool) h = this.avgpool.forward(h);
    return this.classifier.forward(this.flatten.forward(h));
  }

  override extraRepr(): string { return `variant=${this.variant}`; }
}

/** AlexNet: torchvision's variant by default, `{ variant: 'original' }` for the 2012 paper's. */
export function alexnet(options: AlexNetOptions = {}): AlexNet {
  const o = zooOptions('alexnet', options, ['variant', 'dropout']);
  const variant = options.variant ?? 'torchvision';
  if (variant !== 'torchvision' && variant !== 'original') {
    throw new TypeError(`simdnet: alexnet: variant must be 'torchvision' or 'original', got ${describe(variant)}`);
  }
  return new AlexNet(variant, o, dropoutOption('alexnet', 'dropout', options.dropout, 0.5));
}
