/**
 * ResNet (He, Zhang, Ren & Sun 2015) as torchvision builds it: a 7×7/2 stem with max pooling, four
 * stages of BasicBlocks (ResNet-18, 34) or Bottlenecks (50, 101, 152), global average pooling and
 * one Linear. torchvision's "v1.5": a Bottleneck that downsamples puts its stride on the 3×3
 * convolution, not on the first 1×1. A block whose shape changes adds a projection shortcut,
 * `downsample` = 1×1 convolution (stride s, no bias) + batch norm, keys `downsample.0` / `.1`.
 *
 * Parameters: 11,689,512 / 21,797,672 / 25,557,032 / 44,549,160 / 60,192,808, as torchvision's.
 */
import { add } from '../ops/elementwise.ts';
import { describe } from '../ops/validate.ts';
import { writeValues, type Tensor } from '../tensor.ts';
import type { FlattenedLinears } from '../io/torchvision.ts';
import { ReLU } from '../nn/layers/activation.ts';
import { Sequential } from '../nn/layers/container.ts';
import { Conv2d } from '../nn/layers/conv.ts';
import { Flatten } from '../nn/layers/flatten.ts';
import { Linear } from '../nn/layers/linear.ts';
import { BatchNorm2d } from '../nn/layers/normalization.ts';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/layers/pooling.ts';
import { Module } from '../nn/module.ts';
import type { InitOptions, Initializer } from '../nn/init.ts';
import { checkImages, kaimingNormalFanOut, scheme, zooOptions, type ResolvedZooOptions, type ZooOptions } from './common.ts';

/** How the blocks make their convolutions (torchvision: He normal with fan_out, no bias). */
export interface BlockInit extends InitOptions {
  init?: Initializer;
}

function conv(inC: number, outC: number, kernel: number, stride: number, o: BlockInit): Conv2d {
  return new Conv2d(inC, outC, kernel, { random: o.random, init: o.init ?? kaimingNormalFanOut, stride, padding: kernel === 3 ? 1 : 0, bias: false });
}

/** The projection shortcut: 1×1 convolution with the block's stride, then batch norm. */
export function downsample(inC: number, outC: number, stride: number, o: BlockInit = {}): Sequential {
  return new Sequential(conv(inC, outC, 1, stride, o), new BatchNorm2d(outC));
}

/** Two 3×3 convolutions; out = relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x)). */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  conv1: Conv2d; bn1: BatchNorm2d; relu: ReLU; conv2: Conv2d; bn2: BatchNorm2d;
  downsample: Sequential | null;

  constructor(inplanes: number, planes: number, stride = 1, shortcut: Sequential | null = null, o: BlockInit = {}) {
    super();
    this.conv1 = conv(inplanes, planes, 3, stride, o);
    this.bn1 = new BatchNorm2d(planes);
    this.relu = new ReLU();
    this.conv2 = conv(planes, planes, 3, 1, o);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = shortcut;
  }

  forward(x: Tensor): Tensor {
    const out = this.bn2.forward(this.conv2.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x)))));
    const identity = this.downsample ? this.downsample.forward(x) : x;
    return this.relu.forward(add(out, identity));
  }

  /** The batch norm whose output joins the shortcut (zeroed by `zeroInitResidual`). */
  get lastBatchNorm(): BatchNorm2d { return this.bn2; }
}

/** 1×1 reduce, 3×3 (carrying the stride, v1.5), 1×1 expand ×4; plus the shortcut. */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  conv1: Conv2d; bn1: BatchNorm2d; conv2: Conv2d; bn2: BatchNorm2d; conv3: Conv2d; bn3: BatchNorm2d; relu: ReLU;
  downsample: Sequential | null;

  constructor(inplanes: number, planes: number, stride = 1, shortcut: Sequential | null = null, o: BlockInit = {}) {
    super();
    this.conv1 = conv(inplanes, planes, 1, 1, o);
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = conv(planes, planes, 3, stride, o);
    this.bn2 = new BatchNorm2d(planes);
    this.conv3 = conv(planes, planes * Bottleneck.expansion, 1, 1, o);
    this.bn3 = new BatchNorm2d(planes * Bottleneck.expansion);
    this.relu = new ReLU();
    this.downsample = shortcut;
  }

  forward(x: Tensor): Tensor {
    let out = this.relu.forward(this.bn1.forward(this.conv1.forward(x)));
    out = this.relu.forward(this.bn2.forward(this.conv2.forward(out)));
    out = this.bn3.forward(this.conv3.forward(out));
    const identity = this.downsample ? this.downsample.forward(x) : x;
    return this.relu.forward(add(out, identity));
  }

  get lastBatchNorm(): BatchNorm2d { return this.bn3; }
}

export type ResNetBlock = typeof BasicBlock | typeof Bottleneck;

export interface ResNetOptions extends ZooOptions {
  /** Start each block's last batch norm at γ = 0, so every block begins as the identity (Goyal et al. 2017). */
  zeroInitResidual?: boolean;
}

export class ResNet extends Module {
  conv1: Conv2d; bn1: BatchNorm2d; relu: ReLU; maxpool: MaxPool2d;
  layer1: Sequential; layer2: Sequential; layer3: Sequential; layer4: Sequential;
  avgpool: AdaptiveAvgPool2d; flatten: Flatten; fc: Linear;
  readonly flattenedLinears: FlattenedLinears;

  constructor(readonly block: ResNetBlock, readonly layers: readonly [number, number, number, number], o: ResolvedZooOptions,
    zeroInitResidual = false) {
    super();
    const blockInit: BlockInit = { ...o.init, init: scheme(o, kaimingNormalFanOut) };
    this.conv1 = new Conv2d(3, 64, 7, { ...blockInit, stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(64);
    this.relu = new ReLU();
    this.maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
    let inplanes = 64;
    const stage = (planes: number, blocks: number, stride: number): Sequential => {
      const out = planes * block.expansion;
      const shortcut = stride !== 1 || inplanes !== out ? downsample(inplanes, out, stride, blockInit) : null;
      const s = new Sequential(new block(inplanes, planes, stride, shortcut, blockInit));
      inplanes = out;
      for (let i = 1; i < blocks; i++) s.append(new block(inplanes, planes, 1, null, blockInit));
      return s;
    };
    this.layer1 = stage(64, layers[0], 1);
    this.layer2 = stage(128, layers[1], 2);
    this.layer3 = stage(256, layers[2], 2);
    this.layer4 = stage(512, layers[3], 2);
    this.avgpool = new AdaptiveAvgPool2d(1);
    this.flatten = new Flatten();
    // torchvision leaves fc at PyTorch's default initialisation.
    this.fc = new Linear(512 * block.expansion, o.numClasses, { ...o.init, init: scheme(o, 'pytorch') });
    this.flattenedLinears = { fc: [512 * block.expansion, 1, 1] };
    if (zeroInitResidual) {
      for (const stageModule of [this.layer1, this.layer2, this.layer3, this.layer4]) {
        for (const b of stageModule.layers() as (BasicBlock | Bottleneck)[]) writeValues(b.lastBatchNorm.weight!, new Float32Array(b.lastBatchNorm.numFeatures));
      }
    }
  }

  forward(x: Tensor): Tensor {
    checkImages(this.name, x, 1);
    let h = this.maxpool.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x))));
    h = this.layer4.forward(this.layer3.forward(this.layer2.forward(this.layer1.forward(h))));
    return this.fc.forward(this.flatten.forward(this.avgpool.forward(h)));
  }

  get name(): string {
    const depth = 2 + (this.block === BasicBlock ? 2 : 3) * this.layers.reduce((a, b) => a + b, 0);
    return `resnet${depth}`;
  }

  override extraRepr(): string { return `${this.block.name}, layers=[${this.layers.join(', ')}]`; }
}

function builder(name: string, block: ResNetBlock, layers: [number, number, number, number]) {
  return (options: ResNetOptions = {}): ResNet => {
    const o = zooOptions(name, options, ['zeroInitResidual']);
    const zero = options.zeroInitResidual ?? false;
    if (typeof zero !== 'boolean') throw new TypeError(`simdnet: ${name}: zeroInitResidual must be a boolean, got ${describe(zero)}`);
    return new ResNet(block, layers, o, zero);
  };
}

export const resnet18 = builder('resnet18', BasicBlock, [2, 2, 2, 2]);
export const resnet34 = builder('resnet34', BasicBlock, [3, 4, 6, 3]);
export const resnet50 = builder('resnet50', Bottleneck, [3, 4, 6, 3]);
export const resnet101 = builder('resnet101', Bottleneck, [3, 4, 23, 3]);
export const resnet152 = builder('resnet152', Bottleneck, [3, 8, 36, 3]);
