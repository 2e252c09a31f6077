/**
 * GoogLeNet (Szegedy et al., "Going Deeper with Convolutions", 2014) as torchvision builds it:
 * every convolution is a BasicConv2d (convolution without bias, batch norm with eps 0.001, ReLU —
 * batch norm came later than the paper), max pooling rounds up (ceil mode), and nine Inception
 * blocks concatenate four branches along the channels: 1×1 | 1×1 → 3×3 | 1×1 → 3×3 | 3×3 max
 * pool → 1×1. The third branch's 3×3 stands where the paper has a 5×5: torchvision's published
 * weights were trained that way, and we keep its layout so that they load.
 *
 * 6,624,904 parameters without the auxiliary heads (the default, as in torchvision's published
 * checkpoint), 13,004,888 with them.
 *
 * Auxiliary heads (`auxLogits: true`): `aux1` reads inception4a, `aux2` reads inception4d.
 * `forward(x)` always returns the main logits only and never runs the heads. For training with
 * them, `forwardWithAux(x)` returns `{ logits, aux1, aux2 }` — the three outputs of torchvision's
 * GoogLeNetOutputs in training mode, by name rather than by position; the paper weighted the
 * auxiliary losses by 0.3. Unlike torchvision, forwardWithAux also evaluates the heads in
 * evaluation mode (where torchvision skips them), which is deterministic and handy for inspection.
 *
 * `transformInput: true` re-normalises inputs that were normalised with ImageNet's mean and std
 * into the (x − 0.5) / 0.5 range torchvision's weights were trained on; torchvision's builder turns
 * it on when it loads those weights, so do the same when loading them here.
 */
import { add, mul } from '../ops/elementwise.ts';
import { concat } from '../ops/shape.ts';
import { describe, positiveInt } from '../ops/validate.ts';
import { tensor, type Tensor } from '../tensor.ts';
import type { FlattenedLinears } from '../io/torchvision.ts';
import type { InitOptions, Initializer } from '../nn/init.ts';
import { ReLU } from '../nn/layers/activation.ts';
import { Sequential } from '../nn/layers/container.ts';
import { Conv2d } from '../nn/layers/conv.ts';
import { Dropout } from '../nn/layers/dropout.ts';
import { Flatten } from '../nn/layers/flatten.ts';
import { Linear } from '../nn/layers/linear.ts';
import { BatchNorm2d } from '../nn/layers/normalization.ts';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/layers/pooling.ts';
import { Module } from '../nn/module.ts';
import { checkImages, dropoutOption, normalInit, scheme, zooOptions, type ZooOptions } from './common.ts';

interface LayerInit extends InitOptions {
  init?: Initializer;
}

/** Convolution (no bias) → batch norm (eps 0.001) → ReLU. */
export class BasicConv2d extends Module {
  conv: Conv2d;
  bn: BatchNorm2d;
  relu: ReLU;
  constructor(inChannels: number, outChannels: number, kernel: number, options: { stride?: number; padding?: number } & LayerInit = {}) {
    super();
    const { stride = 1, padding = 0, ...init } = options;
    this.conv = new Conv2d(inChannels, outChannels, kernel, { ...init, init: init.init ?? normalInit(0.01), stride, padding, bias: false });
    this.bn = new BatchNorm2d(outChannels, { eps: 0.001 });
    this.relu = new ReLU();
  }
  forward(x: Tensor): Tensor {
    return this.relu.forward(this.bn.forward(this.conv.forward(x)));
  }
}

/** Output channels of an Inception block's branches (the paper's Table 1 columns). */
export interface InceptionChannels {
  ch1x1: number;
  ch3x3red: number;
  ch3x3: number;
  ch5x5red: number;
  ch5x5: number;
  poolProj: number;
}

export class Inception extends Module {
  branch1: BasicConv2d;
  branch2: Sequential;
  branch3: Sequential;
  branch4: Sequential;

  constructor(readonly inChannels: number, readonly channels: InceptionChannels, init: LayerInit = {}) {
    super();
    const c = channels;
    this.branch1 = new BasicConv2d(inChannels, c.ch1x1, 1, init);
    this.branch2 = new Sequential(new BasicConv2d(inChannels, c.ch3x3red, 1, init), new BasicConv2d(c.ch3x3red, c.ch3x3, 3, { ...init, padding: 1 }));
    this.branch3 = new Sequential(new BasicConv2d(inChannels, c.ch5x5red, 1, init), new BasicConv2d(c.ch5x5red, c.ch5x5, 3, { ...init, padding: 1 }));
    this.branch4 = new Sequential(new MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }), new BasicConv2d(inChannels, c.poolProj, 1, init));
  }

  get outChannels(): number {
    return this.channels.ch1x1 + this.channels.ch3x3 + this.channels.ch5x5 + this.channels.poolProj;
  }

  forward(x: Tensor): Tensor {
    return concat([this.branch1.forward(x), this.branch2.forward(x), this.branch3.forward(x), this.branch4.forward(x)], 3);
  }

  /**
   * Multiply-adds of this block on a height × width map (all its convolutions keep the size).
   * `reductions: false` prices the same block without the 1×1 reductions in front of the 3×3 and
   * "5×5" convolutions — those then read all `inChannels` maps, as in the paper's naive Inception
   * module — which shows what the bottlenecks save.
   */
  multiplyAdds(height: number, width: number, options: { reductions?: boolean } = {}): number {
    positiveInt('Inception.multiplyAdds', 'height', height);
    positiveInt('Inception.multiplyAdds', 'width', width);
    const reductions = options.reductions ?? true;
    if (typeof reductions !== 'boolean') throw new TypeError(`simdnet: Inception.multiplyAdds: reductions must be a boolean, got ${describe(reductions)}`);
    const conv = (m: Module, inC: number) => {
      const c = (m as BasicConv2d).conv;
      return height * width * c.outChannels * c.kernelSize[0] * c.kernelSize[1] * inC;
    };
    const b2 = this.branch2.layers(), b3 = this.branch3.layers();
    const branch1 = conv(this.branch1, this.inChannels);
    const branch4 = conv(this.branch4[1]!, this.inChannels);
    const branch2 = reductions ? conv(b2[0]!, this.inChannels) + conv(b2[1]!, this.channels.ch3x3red) : conv(b2[1]!, this.inChannels);
    const branch3 = reductions ? conv(b3[0]!, this.inChannels) + conv(b3[1]!, this.channels.ch5x5red) : conv(b3[1]!, this.inChannels);
    return branch1 + branch2 + branch3 + branch4;
  }

  override extraRepr(): string {
    const c = this.channels;
    return `${this.inChannels} → ${c.ch1x1} | ${c.ch3x3red}→${c.ch3x3} | ${c.ch5x5red}→${c.ch5x5} | pool→${c.poolProj}`;
  }
}

/** An auxiliary classifier: 4×4 average pooling, 1×1 conv to 128, fc 2048 → 1024, dropout, fc → classes. */
export class InceptionAux extends Module {
  pool: AdaptiveAvgPool2d;
  conv: BasicConv2d;
  flatten: Flatten;
  fc1: Linear;
  relu: ReLU;
  dropout: Dropout;
  fc2: Linear;

  constructor(inChannels: number, numClasses: number, dropout: number, init: LayerInit = {}) {
    super();
    this.pool = new AdaptiveAvgPool2d(4);
    this.conv = new BasicConv2d(inChannels, 128, 1, init);
    this.flatten = new Flatten();
    this.fc1 = new Linear(2048, 1024, init);
    this.relu = new ReLU();
    this.dropout = new Dropout(dropout);
    this.fc2 = new Linear(1024, numClasses, init);
  }

  forward(x: Tensor): Tensor {
    const h = this.flatten.forward(this.conv.forward(this.pool.forward(x)));
    return this.fc2.forward(this.dropout.forward(this.relu.forward(this.fc1.forward(h))));
  }
}

export interface GoogLeNetOptions extends ZooOptions {
  /** Build the two auxiliary classifiers (default false; see forwardWithAux). */
  auxLogits?: boolean;
  /** Re-normalise ImageNet-normalised inputs as torchvision's weights expect (default false). */
  transformInput?: boolean;
  /** Dropout before fc (default 0.2) and in the auxiliary heads (default 0.7). */
  dropout?: number;
  dropoutAux?: number;
}

export interface GoogLeNetOutputs {
  logits: Tensor;
  /** The heads' logits; null when the model has no auxiliary heads. */
  aux1: Tensor | null;
  aux2: Tensor | null;
}

/** torchvision's per-channel x · (std / 0.5) + (mean − 0.5) / 0.5 with ImageNet's mean and std. */
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

export class GoogLeNet extends Module {
  conv1: BasicConv2d; maxpool1: MaxPool2d; conv2: BasicConv2d; conv3: BasicConv2d; maxpool2: MaxPool2d;
  inception3a: Inception; inception3b: Inception; maxpool3: MaxPool2d;
  inception4a: Inception; inception4b: Inception; inception4c: Inception; inception4d: Inception; inception4e: Inception;
  maxpool4: MaxPool2d;
  inception5a: Inception; inception5b: Inception;
  aux1: InceptionAux | null; aux2: InceptionAux | null;
  avgpool: AdaptiveAvgPool2d; flatten: Flatten; dropout: Dropout; fc: Linear;
  readonly flattenedLinears: FlattenedLinears;
  /** The transformInput constants (plain tensors: torchvision has no state for them). */
  private readonly inputScale: Tensor | null;
  private readonly inputShift: Tensor | null;

  constructor(options: GoogLeNetOptions = {}) {
    super();
    const o = zooOptions('googlenet', options, ['auxLogits', 'transformInput', 'dropout', 'dropoutAux']);
    const auxLogits = options.auxLogits ?? false;
    const transformInput = options.transformInput ?? false;
    for (const [name, v] of [['auxLogits', auxLogits], ['transformInput', transformInput]] as const) {
      if (typeof v !== 'boolean') throw new TypeError(`simdnet: googlenet: ${name} must be a boolean, got ${describe(v)}`);
    }
    const dropout = dropoutOption('googlenet', 'dropout', options.dropout, 0.2);
    const dropoutAux = dropoutOption('googlenet', 'dropoutAux', options.dropoutAux, 0.7);
    // torchvision: conv and linear weights from a normal of std 0.01 truncated at ±2 (never reached).
    const init: LayerInit = { ...o.init, init: scheme(o, normalInit(0.01)) };
    const pool = (k: number) => new MaxPool2d(k, { stride: 2, ceilMode: true });
    const block = (inC: number, ch1x1: number, ch3x3red: number, ch3x3: number, ch5x5red: number, ch5x5: number, poolProj: number) =>
      new Inception(inC, { ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj }, init);

    this.conv1 = new BasicConv2d(3, 64, 7, { ...init, stride: 2, padding: 3 });
    this.maxpool1 = pool(3);
    this.conv2 = new BasicConv2d(64, 64, 1, init);
    this.conv3 = new BasicConv2d(64, 192, 3, { ...init, padding: 1 });
    this.maxpool2 = pool(3);
    this.inception3a = block(192, 64, 96, 128, 16, 32, 32);
    this.inception3b = block(256, 128, 128, 192, 32, 96, 64);
    this.maxpool3 = pool(3);
    this.inception4a = block(480, 192, 96, 208, 16, 48, 64);
    this.inception4b = block(512, 160, 112, 224, 24, 64, 64);
    this.inception4c = block(512, 128, 128, 256, 24, 64, 64);
    this.inception4d = block(512, 112, 144, 288, 32, 64, 64);
    this.inception4e = block(528, 256, 160, 320, 32, 128, 128);
    this.maxpool4 = pool(2);
    this.inception5a = block(832, 256, 160, 320, 32, 128, 128);
    this.inception5b = block(832, 384, 192, 384, 48, 128, 128);
    this.aux1 = auxLogits ? new InceptionAux(512, o.numClasses, dropoutAux, init) : null;
    this.aux2 = auxLogits ? new InceptionAux(528, o.numClasses, dropoutAux, init) : null;
    this.avgpool = new AdaptiveAvgPool2d(1);
    this.flatten = new Flatten();
    this.dropout = new Dropout(dropout);
    this.fc = new Linear(1024, o.numClasses, init);
    this.flattenedLinears = auxLogits
      ? { 'aux1.fc1': [128, 4, 4], 'aux2.fc1': [128, 4, 4], fc: [1024, 1, 1] }
      : { fc: [1024, 1, 1] };
    this.inputScale = transformInput ? tensor(IMAGENET_STD.map((s) => s / 0.5), [3], { requiresGrad: false }) : null;
    this.inputShift = transformInput ? tensor(IMAGENET_MEAN.map((m) => (m - 0.5) / 0.5), [3], { requiresGrad: false }) : null;
  }

  get auxLogits(): boolean { return this.aux1 !== null; }
  get transformInput(): boolean { return this.inputScale !== null; }

  /** The main logits (the auxiliary heads are not run). */
  forward(x: Tensor): Tensor {
    return this.run(x, false).logits;
  }

  /** The main logits and, when the model has them, the auxiliary heads' logits. */
  forwardWithAux(x: Tensor): GoogLeNetOutputs {
    return this.run(x, true);
  }

  private run(input: Tensor, withAux: boolean): GoogLeNetOutputs {
    checkImages('googlenet', input, 15);
    let x = this.inputScale && this.inputShift ? add(mul(input, this.inputScale), this.inputShift) : input;
    x = this.maxpool1.forward(this.conv1.forward(x));
    x = this.maxpool2.forward(this.conv3.forward(this.conv2.forward(x)));
    x = this.maxpool3.forward(this.inception3b.forward(this.inception3a.forward(x)));
    x = this.inception4a.forward(x);
    const aux1 = withAux && this.aux1 ? this.aux1.forward(x) : null;
    x = this.inception4d.forward(this.inception4c.forward(this.inception4b.forward(x)));
    const aux2 = withAux && this.aux2 ? this.aux2.forward(x) : null;
    x = this.maxpool4.forward(this.inception4e.forward(x));
    x = this.inception5b.forward(this.inception5a.forward(x));
    const logits = this.fc.forward(this.dropout.forward(this.flatten.forward(this.avgpool.forward(x))));
    return { logits, aux1, aux2 };
  }

  override extraRepr(): string { return `auxLogits=${this.auxLogits}, transformInput=${this.transformInput}`; }
}

export function googlenet(options: GoogLeNetOptions = {}): GoogLeNet {
  return new GoogLeNet(options);
}
