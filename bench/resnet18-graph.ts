/**
 * torchvision's ResNet-18 as a list of layers, with seeded weights under torchvision's state-dict
 * keys and layouts (conv OIHW, fc [out, in]), so every library runs the same network on the same
 * numbers: the peers build it from their ops (bench/contenders/*), simdnet from sn.zoo.resnet18.
 */
import { seededFloats } from './problems.ts';

export interface ConvSpec {
  /** State-dict prefix of the conv weight ("layer2.0.conv1"); its batch norm is `bn`. */
  conv: string;
  bn: string;
  inC: number; outC: number; k: number; stride: number; pad: number;
}

export interface BlockSpec {
  conv1: ConvSpec;
  conv2: ConvSpec;
  /** The 1×1 projection of the shortcut when the shape changes. */
  downsample?: ConvSpec;
}

export interface ResNetSpec {
  stem: ConvSpec;
  blocks: BlockSpec[];
  classes: number;
  features: number;
}

export function resnet18Spec(): ResNetSpec {
  const blocks: BlockSpec[] = [];
  const widths = [64, 128, 256, 512];
  let inC = 64;
  widths.forEach((w, stage) => {
    for (let b = 0; b < 2; b++) {
      const prefix = `layer${stage + 1}.${b}`;
      const stride = stage > 0 && b === 0 ? 2 : 1;
      blocks.push({
        conv1: { conv: `${prefix}.conv1`, bn: `${prefix}.bn1`, inC, outC: w, k: 3, stride, pad: 1 },
        conv2: { conv: `${prefix}.conv2`, bn: `${prefix}.bn2`, inC: w, outC: w, k: 3, stride: 1, pad: 1 },
        downsample: stride !== 1 || inC !== w
          ? { conv: `${prefix}.downsample.0`, bn: `${prefix}.downsample.1`, inC, outC: w, k: 1, stride, pad: 0 }
          : undefined,
      });
      inC = w;
    }
  });
  return { stem: { conv: 'conv1', bn: 'bn1', inC: 3, outC: 64, k: 7, stride: 2, pad: 3 }, blocks, classes: 1000, features: 512 };
}

export function allConvs(spec: ResNetSpec): ConvSpec[] {
  return [spec.stem, ...spec.blocks.flatMap((b) => [b.conv1, b.conv2, ...(b.downsample ? [b.downsample] : [])])];
}

export type Weights = Map<string, { shape: number[]; data: Float32Array }>;

/**
 * Seeded weights: He-scaled filters, batch-norm statistics and affine terms near the identity
 * (so activations stay of order one through the eight blocks), a small classifier.
 */
export function resnet18Weights(spec = resnet18Spec()): Weights {
  const weights: Weights = new Map();
  let seed = 100;
  const put = (key: string, shape: number[], data: Float32Array) => weights.set(key, { shape, data });
  for (const c of allConvs(spec)) {
    const fanIn = c.inC * c.k * c.k;
    put(`${c.conv}.weight`, [c.outC, c.inC, c.k, c.k], seededFloats(c.outC * fanIn, seed++, Math.sqrt(6 / fanIn)));
    const around = (center: number, spread: number) => seededFloats(c.outC, seed++, spread).map((v) => center + v);
    put(`${c.bn}.weight`, [c.outC], around(0.75, 0.25));
    put(`${c.bn}.bias`, [c.outC], around(0, 0.1));
    put(`${c.bn}.running_mean`, [c.outC], around(0, 0.1));
    put(`${c.bn}.running_var`, [c.outC], around(1, 0.25));
  }
  put('fc.weight', [spec.classes, spec.features], seededFloats(spec.classes * spec.features, seed++, Math.sqrt(3 / spec.features)));
  put('fc.bias', [spec.classes], seededFloats(spec.classes, seed++, 0.01));
  return weights;
}

export const BN_EPS = 1e-5;

/** Multiply-adds ×2 of every conv and the classifier for one 224×224 image. */
export function resnet18Flops(spec = resnet18Spec(), size = 224): number {
  let flops = 0;
  let hw = size;
  const out = (h: number, c: ConvSpec) => Math.floor((h + 2 * c.pad - c.k) / c.stride) + 1;
  hw = out(hw, spec.stem);
  flops += 2 * hw * hw * spec.stem.outC * spec.stem.k ** 2 * spec.stem.inC;
  hw = Math.floor((hw + 2 - 3) / 2) + 1; // max pool 3×3/2 pad 1
  for (const b of spec.blocks) {
    const h1 = out(hw, b.conv1);
    for (const c of [b.conv1, b.conv2]) flops += 2 * h1 * h1 * c.outC * c.k ** 2 * c.inC;
    if (b.downsample) flops += 2 * h1 * h1 * b.downsample.outC * b.downsample.inC;
    hw = h1;
  }
  return flops + 2 * spec.features * spec.classes;
}

/** The batch norm of a conv folded into its filter and a bias (what inference converters do). */
export function foldBatchNorm(weights: Weights, c: ConvSpec): { filter: Float32Array; bias: Float32Array } {
  const w = weights.get(`${c.conv}.weight`)!.data;
  const gamma = weights.get(`${c.bn}.weight`)!.data, beta = weights.get(`${c.bn}.bias`)!.data;
  const mean = weights.get(`${c.bn}.running_mean`)!.data, variance = weights.get(`${c.bn}.running_var`)!.data;
  const per = c.inC * c.k * c.k;
  const filter = new Float32Array(w.length), bias = new Float32Array(c.outC);
  for (let o = 0; o < c.outC; o++) {
    const s = gamma[o]! / Math.sqrt(variance[o]! + BN_EPS);
    for (let i = 0; i < per; i++) filter[o * per + i] = w[o * per + i]! * s;
    bias[o] = beta[o]! - mean[o]! * s;
  }
  return { filter, bias };
}
