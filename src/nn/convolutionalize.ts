/**
 * convolutionalize: turns a classifier's fully connected layers into the equivalent convolutions
 * (OverFeat; CS231n "Converting FC layers to CONV layers"), so a network trained on fixed-size
 * images slides over a larger image in one pass and returns a map of class scores
 * [N, H', W', classes] — position (i, j) being exactly the original network's scores for the crop
 * at (i·S, j·S), S the network's total stride.
 *
 * - The first Linear after the flatten, over an h×w×C map, becomes a Conv2d with an h×w kernel.
 *   The flatten is NHWC, so its weight [out, h·w·C] IS the OHWI filter [out, h, w, C]: a reshape
 *   that shares the weight's memory, no copy.
 * - Every later Linear becomes a 1×1 Conv2d; the Flatten becomes Identity.
 * - An AdaptiveAvgPool2d right before the flatten (AlexNet's and VGG's `avgpool`, ResNet's global
 *   pooling) becomes Identity when it is the identity at the base size, or, when it downsamples by
 *   integer factors k, an AvgPool2d(k, stride 1) followed by a dilation of k in the first converted
 *   conv — which keeps the score map dense.
 *
 * What is supported: models whose forward runs modules (a Sequential, or a class like
 * LeNet5Modern) with the flatten done by an nn.Flatten module, and after it only Linear, Flatten,
 * Identity, Dropout, ReLU, Sigmoid, Tanh, ScaledTanh, Softmax and LogSoftmax. The structure is
 * learnt by running the model once at the base size; afterwards the converted model is run there
 * again and must reproduce the original scores, or everything is put back and an error explains
 * why. The model is changed in place (same object; the converted layers keep their state-dict
 * keys with conv shapes). With zero-padded convolutions the map still equals the original net at
 * the base size; at other positions it sees the image around the crop instead of padding.
 */
import { noGrad } from '../autograd/tape.ts';
import { Random } from '../random.ts';
import { tensor, tidy, type Tensor } from '../tensor.ts';
import { ReLU, ScaledTanh, Sigmoid, Tanh, Softmax, LogSoftmax } from './layers/activation.ts';
import { Conv2d } from './layers/conv.ts';
import { Dropout } from './layers/dropout.ts';
import { Flatten, Identity } from './layers/flatten.ts';
import { Linear } from './layers/linear.ts';
import { AdaptiveAvgPool2d, AvgPool2d } from './layers/pooling.ts';
import { Module, parameter } from './module.ts';

export interface ConvolutionalizeOptions {
  /** The input size the model was trained on, [height, width, channels] (e.g. [32, 32, 1] for LeNet-5). */
  inputShape: readonly [number, number, number];
}

/** Thrown when a model's layout has no convolutional equivalent that this function can build. */
export class ConvolutionalizeError extends Error {
  constructor(message: string) {
    super(`simdnet: convolutionalize: ${message}`);
    this.name = 'ConvolutionalizeError';
  }
}

/** Modules that act on each position's channels alone, so they work unchanged on a score map. */
const POINTWISE = [Identity, Dropout, ReLU, Sigmoid, Tanh, ScaledTanh] as const;

interface Call { path: string; module: Module; input: readonly number[]; output: readonly number[] }
interface Swap { path: string; parent: Module; name: string; original: Module; replacement: Module }

/** Converts `model` in place (see the file comment) and returns it. */
export function convolutionalize<M extends Module>(model: M, options: ConvolutionalizeOptions): M {
  if (!(model instanceof Module)) throw new TypeError('simdnet: convolutionalize: expected a Module');
  const shape = checkInputShape(options?.inputShape);
  const before = probe(model, shape);
  const swaps: Swap[] = [];
  try {
    plan(model, before.calls, swaps);
  } catch (e) {
    for (const s of swaps) discard(s);
    throw e;
  }
  for (const s of swaps) setChild(s.parent, s.name, s.replacement);
  let problem: string | undefined;
  try {
    const after = probe(model, shape).scores;
    const difference = maxDifference(before.scores, after);
    const scale = before.scores.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    if (!(difference <= 1e-4 * (1 + scale))) {
      problem = `its scores at the base size differ from the original's by up to ${difference.toPrecision(3)}: ` +
        'the forward must compute something between modules that does not carry over to a score map';
    }
  } catch (e) {
    problem = (e as Error).message.replace(/^simdnet: convolutionalize: /, '');
  }
  if (problem !== undefined) {
    for (const s of [...swaps].reverse()) setChild(s.parent, s.name, s.original);
    for (const s of swaps) discard(s);
    throw new ConvolutionalizeError(`the converted ${model.constructor.name} does not compute what the original did (${problem}). The model was left unchanged.`);
  }
  // The converted convs hold reshaped views of the Linear weights; the Linears' own handles go.
  for (const s of swaps) if (s.original instanceof Linear) s.original.weight.dispose();
  return model;
}

function checkInputShape(shape: unknown): [number, number, number] {
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new TypeError(`simdnet: convolutionalize: options.inputShape must be the base input size [height, width, channels] of positive integers, got ${JSON.stringify(shape)}`);
  }
  return shape as [number, number, number];
}

/** Runs the model once, in eval mode and without a tape, on a seeded input; logs every leaf module's call. */
function probe(model: Module, [h, w, c]: [number, number, number]): { calls: Call[]; scores: Float32Array } {
  const calls: Call[] = [];
  const leaves = model.namedModules().filter(([, m]) => m.namedChildren().length === 0);
  const wasTraining = model.training;
  model.eval();
  const own = Object.prototype.hasOwnProperty;
  for (const [path, m] of leaves) {
    if (own.call(m, 'forward')) throw new ConvolutionalizeError(`the module at '${path}' has its own forward property; it cannot be traced`);
    const forward = m.forward;
    m.forward = (x: Tensor) => {
      const y = forward.call(m, x);
      calls.push({ path, module: m, input: x.shape, output: y.shape });
      return y;
    };
  }
  try {
    const random = new Random(0x5eed);
    const values = Float32Array.from({ length: h * w * c }, () => 2 * random.uniform() - 1);
    const scores = noGrad(() => tidy(() => model.forward(tensor(values, [1, h, w, c], { requiresGrad: false })).dataSync()));
    return { calls, scores: Float32Array.from(scores) };
  } catch (e) {
    if (e instanceof ConvolutionalizeError) throw e;
    throw new ConvolutionalizeError(`running ${model.constructor.name} on an input of [1, ${h}, ${w}, ${c}] failed: ${(e as Error).message}`);
  } finally {
    for (const [, m] of leaves) delete (m as { forward?: unknown }).forward;
    model.train(wasTraining);
  }
}

/** Decides every replacement from the traced calls; throws (changing nothing) on anything unsupported. */
function plan(model: Module, calls: Call[], swaps: Swap[]): void {
  const name = model.constructor.name;
  const runs = new Map<Module, number>();
  for (const call of calls) runs.set(call.module, (runs.get(call.module) ?? 0) + 1);
  const flat = calls.findIndex((c) => c.module instanceof Flatten);
  const firstLinear = calls.findIndex((c) => c.module instanceof Linear && c.input.length === 2);
  if (firstLinear < 0) throw new ConvolutionalizeError(`${name} runs no Linear layer on flat features: there is nothing to convert`);
  if (flat < 0 || flat > firstLinear) {
    const l = calls[firstLinear]!;
    throw new ConvolutionalizeError(`the Linear at '${l.path}' gets a flat input [${l.input.join(', ')}] that no nn.Flatten module produced ` +
      `(the forward of ${name} flattens by itself); the flatten must be an nn.Flatten module, as in LeNet5Modern`);
  }
  const flatten = calls[flat]!;
  if ((flatten.module as Flatten).startDim !== 1 || flatten.input.length !== 4) {
    throw new ConvolutionalizeError(`the Flatten at '${flatten.path}' must flatten an NHWC map [N, H, W, C] from dimension 1, got input [${flatten.input.join(', ')}] and startDim ${(flatten.module as Flatten).startDim}`);
  }
  const swap = (call: Call, replacement: Module) => {
    // A module used twice (ResNet's blocks reuse one ReLU) is fine unless it is one to replace.
    if (runs.get(call.module)! > 1) throw new ConvolutionalizeError(`the ${call.module.constructor.name} at '${call.path}' runs more than once in a forward; a shared layer cannot be converted`);
    swaps.push({ path: call.path, ...locateParent(model, call.path), original: call.module, replacement });
  };

  let dilation: [number, number] = [1, 1];
  for (let i = 0; i < flat; i++) {
    const call = calls[i]!;
    if (!(call.module instanceof AdaptiveAvgPool2d)) continue;
    const between = calls.slice(i + 1, flat).filter((c) => !isPointwise(c.module));
    if (between.length > 0) {
      throw new ConvolutionalizeError(`the AdaptiveAvgPool2d at '${call.path}' fixes the map size before '${between[0]!.path}' runs; only an adaptive pool right before the flatten can be converted`);
    }
    const [, ih, iw] = call.input as [number, number, number, number];
    const [, oh, ow] = call.output as [number, number, number, number];
    if (ih === oh && iw === ow) swap(call, new Identity());
    else if (ih % oh === 0 && iw % ow === 0) {
      const k: [number, number] = [ih / oh, iw / ow];
      swap(call, new AvgPool2d(k, { stride: 1 }));
      dilation = [oh > 1 ? k[0] : 1, ow > 1 ? k[1] : 1];
    } else {
      throw new ConvolutionalizeError(`the AdaptiveAvgPool2d at '${call.path}' maps ${ih}×${iw} to ${oh}×${ow}, not by whole factors, at the base size; choose an inputShape where it is the identity or divides evenly`);
    }
  }

  swap(flatten, new Identity());
  const [, fh, fw, fc] = flatten.input as [number, number, number, number];
  let converted = 0;
  for (const call of calls.slice(flat + 1)) {
    const m = call.module;
    if (m instanceof Linear) {
      swap(call, converted === 0 ? convFromLinear(m, [fh, fw], fc, dilation) : convFromLinear(m, [1, 1], m.inFeatures, [1, 1]));
      converted++;
    } else if (m instanceof Flatten) {
      swap(call, new Identity()); // a second flatten of an already flat tensor
    } else if (m instanceof Softmax || m instanceof LogSoftmax) {
      const last = m.axis === -1 || m.axis === call.input.length - 1;
      if (!last) throw new ConvolutionalizeError(`the ${m.constructor.name} at '${call.path}' normalises axis ${m.axis}, not the class axis; it cannot run on a score map`);
      if (m.axis !== -1) swap(call, m instanceof Softmax ? new Softmax(-1) : new LogSoftmax(-1));
    } else if (!isPointwise(m)) {
      throw new ConvolutionalizeError(`the ${m.constructor.name} at '${call.path}' runs after the flatten and has no convolutional equivalent ` +
        `(supported there: Linear, Flatten, Identity, Dropout, ReLU, Sigmoid, Tanh, ScaledTanh, Softmax, LogSoftmax)`);
    }
  }
}

function isPointwise(m: Module): boolean {
  return POINTWISE.some((kind) => m instanceof kind);
}

/**
 * A Conv2d computing what `linear` computes, over a kh×kw×inC window: the weight [out, kh·kw·inC]
 * viewed as OHWI [out, kh, kw, inC] (NHWC flatten order), the bias the same tensor.
 */
function convFromLinear(linear: Linear, [kh, kw]: [number, number], inC: number, dilation: [number, number]): Conv2d {
  const out = linear.outFeatures;
  const conv = new Conv2d(inC, out, [kh, kw], { bias: linear.bias !== null, dilation });
  conv.weight.dispose();
  conv.weight = parameter(linear.weight.reshape([out, kh, kw, inC]));
  conv.weight.requiresGrad = linear.weight.requiresGrad;
  if (conv.bias) {
    conv.bias.dispose();
    conv.bias = linear.bias;
  }
  return conv;
}

/** Frees what a planned replacement allocated (not the tensors it shares with the original). */
function discard(s: Swap): void {
  if (s.replacement instanceof Conv2d) s.replacement.weight.dispose();
}

function locateParent(model: Module, path: string): { parent: Module; name: string } {
  const parts = path.split('.');
  let parent = model;
  for (const part of parts.slice(0, -1)) parent = parent.namedChildren().find(([n]) => n === part)![1];
  return { parent, name: parts[parts.length - 1]! };
}

function setChild(parent: Module, name: string, child: Module): void {
  (parent as unknown as Record<string, Module>)[name] = child;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
