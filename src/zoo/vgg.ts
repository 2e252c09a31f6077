/**
 * VGG (Simonyan & Zisserman 2014), configurations A, B, D, E = VGG-11, 13, 16, 19, with and without
 * batch normalisation, laid out as torchvision's: `features` (3×3 convolutions with padding 1, ReLU,
 * 2×2 max pooling), AdaptiveAvgPool2d(7) — so any input ≥ 32×32 works — and `classifier`
 * (25088 → 4096 → 4096 → classes with ReLU and dropout). Parameter counts equal torchvision's,
 * e.g. VGG-16 138,357,544, of which the first Linear holds 512·7·7·4096 + 4096 = 102,764,544.
 */
import type { Tensor } from '../tensor.ts';
import type { FlattenedLinears } from '../io/torchvision.ts';
import { ReLU } from '../nn/layers/activation.ts';
import { Sequential } from '../nn/layers/container.ts';
import { Conv2d } from '../nn/layers/conv.ts';
import { Dropout } from '../nn/layers/dropout.ts';
import { Flatten } from '../nn/layers/flatten.ts';
import { Linear } from '../nn/layers/linear.ts';
import { BatchNorm2d } from '../nn/layers/normalization.ts';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/layers/pooling.ts';
import { Module } from '../nn/module.ts';
import { checkImages, dropoutOption, fillBiases, kaimingNormalFanOut, normalInit, scheme, zooOptions, type ResolvedZooOptions, type ZooOptions } from './common.ts';

/** Output channels of each 3×3 convolution, 'M' for a 2×2 max pooling (the paper's Table 1). */
export const VGG_CONFIGS = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  B: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  E: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
} as const satisfies Record<string, readonly (number | 'M')[]>;

export type VGGConfig = keyof typeof VGG_CONFIGS;

export interface VGGOptions extends ZooOptions {
  /** Dropout probability in the classifier (default 0.5). */
  dropout?: number;
}

/** torchvision's make_layers: conv (+ batch norm) + ReLU per number, max pooling per 'M'. */
export function vggFeatures(config: readonly (number | 'M')[], batchNorm: boolean, o: ResolvedZooOptions): Sequential {
  const features = new Sequential();
  let channels = 3;
  for (const v of config) {
    if (v === 'M') {
      features.append(new MaxPool2d(2, { stride: 2 }));
      continue;
    }
    features.append(new Conv2d(channels, v, 3, { ...o.init, padding: 1, init: scheme(o, kaimingNormalFanOut) }));
    if (batchNorm) features.append(new BatchNorm2d(v));
    features.append(new ReLU());
    channels = v;
  }
  return features;
}

export class VGG extends Module {
  features: Sequential;
  avgpool: AdaptiveAvgPool2d;
  flatten: Flatten;
  classifier: Sequential;
  /** For the torchvision importer: classifier.0 reads a flattened 512×7×7 map. */
  readonly flattenedLinears: FlattenedLinears = { 'classifier.0': [512, 7, 7] };

  constructor(readonly config: VGGConfig, readonly batchNorm: boolean, o: ResolvedZooOptions, dropout: number) {
    super();
    this.features = vggFeatures(VGG_CONFIGS[config], batchNorm, o);
    this.avgpool = new AdaptiveAvgPool2d(7);
    this.flatten = new Flatten();
    // torchvision: Linear weights N(0, 0.01²), all biases 0.
    const init = { ...o.init, init: scheme(o, normalInit(0.01)) };
    this.classifier = new Sequential(
      new Linear(512 * 7 * 7, 4096, init), new ReLU(), new Dropout(dropout),
      new Linear(4096, 4096, init), new ReLU(), new Dropout(dropout),
      new Linear(4096, o.numClasses, init),
    );
    fillBiases(this, 0);
  }

  forward(x: Tensor): Tensor {
    checkImages(this.name, x, 32);
    const h = this.avgpool.forward(this.features.forward(x));
    return this.classifier.forward(this.flatten.forward(h));
  }

  /** torchvision's builder name: vgg16, vgg16_bn, … */
  get name(): string {
    const depth = { A: 11, B: 13, D: 16, E: 19 }[this.config];
    return `vgg${depth}${this.batchNorm ? '_bn' : ''}`;
  }

  override extraRepr(): string { return this.name; }
}

function builder(name: string, config: VGGConfig, batchNorm: boolean) {
  return (options: VGGOptions = {}): VGG => {
    const o = zooOptions(name, options, ['dropout']);
    return new VGG(config, batchNorm, o, dropoutOption(name, 'dropout', options.dropout, 0.5));
  };
}

export const vgg11 = builder('vgg11', 'A', false);
export const vgg11_bn = builder('vgg11_bn', 'A', true);
export const vgg13 = builder('vgg13', 'B', false);
export const vgg13_bn = builder('vgg13_bn', 'B', true);
export const vgg16 = builder('vgg16', 'D', false);
export const vgg16_bn = builder('vgg16_bn', 'D', true);
export const vgg19 = builder('vgg19', 'E', false);
export const vgg19_bn = builder('vgg19_bn', 'E', true);
