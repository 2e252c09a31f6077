/**
 * Plain and residual CNNs of a given depth, after He et al. (2016)'s CIFAR networks, narrowed and
 * scaled down for 28×28 digits: a 3×3 stride-2 stem (28 → 14), three stages of n blocks of two
 * 3×3 convolutions with BatchNorm (14×14, 7×7, 4×4; each later stage halves the size and doubles
 * the width), global average pooling and a Linear. Depth counts the weighted layers, 6n + 2,
 * so 8, 20, 32, 44, 56 … as in the paper.
 *
 * The residual net adds the block's input to its output before the last ReLU. Where a stage
 * changes size and width, the shortcut subsamples and pads the new channels with zeros (the
 * paper's option A), so it has no parameters: a plain and a residual net of the same depth have
 * exactly the same parameters, and the only difference is the shortcut.
 */
import * as sn from '../../src/index.ts';

const { Module, Conv2d, BatchNorm2d, Linear, Sequential } = sn.nn;

export interface DeepCnnOptions {
  /** Weighted layers, 6n + 2 for n ≥ 1 blocks per stage. */
  depth: number;
  residual: boolean;
  /** Channels of the three stages (default [8, 16, 32]). */
  widths?: [number, number, number];
  classes?: number;
  seed?: number;
}

/** Blocks per stage for a depth of 6n + 2; throws for any other depth. */
export function blocksPerStage(depth: number): number {
  if (!Number.isSafeInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
    throw new RangeError(`deep CNN: depth must be 6n + 2 for n ≥ 1 (8, 14, 20, 26, 32, …), got ${depth}`);
  }
  return (depth - 2) / 6;
}

/** conv-BN-ReLU-conv-BN, then (+ shortcut) and ReLU. */
export class Block extends Module {
  conv1: sn.nn.Conv2d; bn1: sn.nn.BatchNorm2d; conv2: sn.nn.Conv2d; bn2: sn.nn.BatchNorm2d;
  readonly stride: number;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly residual: boolean, random: sn.Random) {
    super();
    if (outChannels < inChannels) throw new RangeError(`deep CNN block: the width may only grow (${inChannels} → ${outChannels})`);
    this.stride = outChannels === inChannels ? 1 : 2;
    this.conv1 = new Conv2d(inChannels, outChannels, 3, { stride: this.stride, padding: 1, bias: false, init: 'he', random });
    this.bn1 = new BatchNorm2d(outChannels);
    this.conv2 = new Conv2d(outChannels, outChannels, 3, { padding: 1, bias: false, init: 'he', random });
    this.bn2 = new BatchNorm2d(outChannels);
  }

  forward(x: sn.Tensor): sn.Tensor {
    const h = sn.relu(this.bn1.forward(this.conv1.forward(x)));
    const y = this.bn2.forward(this.conv2.forward(h));
    return sn.relu(this.residual ? sn.add(y, this.shortcut(x)) : y);
  }

  /** Identity, or (where the block halves the size and widens) subsample and zero-pad the channels. */
  shortcut(x: sn.Tensor): sn.Tensor {
    if (this.stride === 1) return x;
    const sub = sn.avgPool2d(x, { kernelSize: 1, stride: 2 });
    const [n, h, w] = sub.shape as [number, number, number, number];
    return sn.concat([sub, sn.zeros([n, h, w, this.outChannels - this.inChannels], { requiresGrad: false })], 3);
  }
}

export class DeepCnn extends Module {
  stem: sn.nn.Conv2d; stemBn: sn.nn.BatchNorm2d;
  stages: sn.nn.Sequential;
  fc: sn.nn.Linear;

  constructor(readonly config: DeepCnnOptions) {
    super();
    const { depth, residual, widths = [8, 16, 32], classes = 10, seed = 1 } = config;
    const n = blocksPerStage(depth);
    const random = new sn.Random(seed);
    this.stem = new Conv2d(1, widths[0], 3, { stride: 2, padding: 1, bias: false, init: 'he', random });
    this.stemBn = new BatchNorm2d(widths[0]);
    this.stages = new Sequential();
    let width = widths[0];
    for (const stageWidth of widths) {
      for (let b = 0; b < n; b++) {
        this.stages.append(new Block(width, stageWidth, residual, random));
        width = stageWidth;
      }
    }
    this.fc = new Linear(width, classes, { random });
  }

  forward(x: sn.Tensor): sn.Tensor {
    const h = this.stages.forward(sn.relu(this.stemBn.forward(this.stem.forward(x))));
    return this.fc.forward(sn.flatten(sn.globalAvgPool2d(h)));
  }

  /** Conv and Linear layers: the depth as the paper counts it. */
  weightedLayers(): number {
    return this.namedModules().filter(([, m]) => m instanceof Conv2d || m instanceof Linear).length;
  }
}
