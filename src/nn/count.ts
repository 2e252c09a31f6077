/**
 * Parameter counts from layer configurations alone, allocating no weight: what a Conv2d or a
 * Linear of that configuration holds (its numParameters()), and the output shape of a
 * convolution. This lets one compare layers far too large to build, such as the dense layer that
 * maps a 3000×2000 image to a 3000×2000 map (3.6·10¹³ weights).
 */
import { convOutputSize, resolvePadding, type Padding } from '../ops/conv.ts';
import { fail, pair, positiveInt } from '../ops/validate.ts';

/** The constructor arguments of a Conv2d, plus its stride / padding / dilation for the output shape. */
export interface Conv2dConfig {
  inChannels: number;
  outChannels: number;
  kernelSize: number | [number, number];
  stride?: number | [number, number];
  padding?: Padding;
  dilation?: number | [number, number];
  groups?: number;
  /** Whether the layer has a bias (default true, as in Conv2d). */
  bias?: boolean;
}

/** The constructor arguments of a Linear. */
export interface LinearConfig {
  inFeatures: number;
  outFeatures: number;
  /** Whether the layer has a bias (default true, as in Linear). */
  bias?: boolean;
}

/** A product of positive integers that must stay exact in a double. */
function exactProduct(op: string, what: string, factors: number[]): number {
  const n = factors.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(n)) fail(op, `${what} (${factors.join(' × ')}) exceeds 2^53 − 1 and cannot be counted exactly`);
  return n;
}

function exactSum(op: string, what: string, a: number, b: number): number {
  if (!Number.isSafeInteger(a + b)) fail(op, `${what} (${a} + ${b}) exceeds 2^53 − 1 and cannot be counted exactly`);
  return a + b;
}

/** Validates a Conv2d configuration the way the layer's constructor does. */
function checkConv(op: string, c: Conv2dConfig): { kernel: [number, number]; groups: number } {
  if (c === null || typeof c !== 'object') throw new TypeError(`simdnet: ${op}: the configuration must be an object`);
  positiveInt(op, 'inChannels', c.inChannels);
  positiveInt(op, 'outChannels', c.outChannels);
  const kernel = pair(op, 'kernelSize', c.kernelSize);
  const groups = positiveInt(op, 'groups', c.groups ?? 1);
  if (c.inChannels % groups || c.outChannels % groups) {
    fail(op, `inChannels ${c.inChannels} and outChannels ${c.outChannels} must be divisible by groups ${groups}`);
  }
  return { kernel, groups };
}

/** Weights outChannels·kh·kw·inChannels/groups, plus outChannels biases: a Conv2d's numParameters(). */
export function conv2dParameterCount(config: Conv2dConfig): number {
  const op = 'conv2dParameterCount';
  const { kernel, groups } = checkConv(op, config);
  const weights = exactProduct(op, 'the weight count', [config.outChannels, kernel[0], kernel[1], config.inChannels / groups]);
  return config.bias === false ? weights : exactSum(op, 'the parameter count', weights, config.outChannels);
}

/** Weights outFeatures·inFeatures, plus outFeatures biases: a Linear's numParameters(). */
export function linearParameterCount(config: LinearConfig): number {
  const op = 'linearParameterCount';
  if (config === null || typeof config !== 'object') throw new TypeError(`simdnet: ${op}: the configuration must be an object`);
  positiveInt(op, 'inFeatures', config.inFeatures);
  positiveInt(op, 'outFeatures', config.outFeatures);
  const weights = exactProduct(op, 'the weight count', [config.outFeatures, config.inFeatures]);
  return config.bias === false ? weights : exactSum(op, 'the parameter count', weights, config.outFeatures);
}

/** [outHeight, outWidth, outChannels] of the convolution on an input of [height, width] (conv2d's arithmetic). */
export function conv2dOutputShape(config: Conv2dConfig, input: [number, number]): [number, number, number] {
  const op = 'conv2dOutputShape';
  const { kernel } = checkConv(op, config);
  if (!Array.isArray(input) || input.length !== 2) fail(op, `input must be [height, width], got ${JSON.stringify(input)}`);
  const [h, w] = [positiveInt(op, 'input height', input[0]), positiveInt(op, 'input width', input[1])];
  const stride = pair(op, 'stride', config.stride ?? 1);
  const dilation = pair(op, 'dilation', config.dilation ?? 1);
  const pad = resolvePadding(op, config.padding ?? 0, [h, w], kernel, stride, dilation);
  const oh = convOutputSize(h, kernel[0], stride[0], pad.top, pad.bottom, dilation[0]);
  const ow = convOutputSize(w, kernel[1], stride[1], pad.left, pad.right, dilation[1]);
  if (oh < 1 || ow < 1) fail(op, `the ${h}×${w} input is smaller than the ${kernel.join('×')} kernel (output ${oh}×${ow})`);
  return [oh, ow, config.outChannels];
}

/**
 * The fully connected layer that produces the same output map from the same input: every output
 * value gets its own weight to every input value (no sharing, no locality), and, with a bias,
 * one bias per output value instead of one per channel.
 */
export function denseEquivalent(config: Conv2dConfig, input: [number, number]): LinearConfig {
  const [oh, ow, oc] = conv2dOutputShape(config, input);
  const op = 'denseEquivalent';
  return {
    inFeatures: exactProduct(op, 'the input size', [input[0], input[1], config.inChannels]),
    outFeatures: exactProduct(op, 'the output size', [oh, ow, oc]),
    bias: config.bias !== false,
  };
}
