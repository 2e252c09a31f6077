/**
 * What the zoo's classic models share: their options, torchvision's initialisation schemes and
 * the input check each model runs before any kernel does.
 */
import { checkOptions, describe, fail, positiveInt } from '../ops/validate.ts';
import { defaultRandom, Random } from '../random.ts';
import { empty, formatShape, sizeOf, Tensor, writeValues, zeros, type Shape } from '../tensor.ts';
import type { InitOptions, Initializer } from '../nn/init.ts';
import { Conv2d } from '../nn/layers/conv.ts';
import { Linear } from '../nn/layers/linear.ts';
import type { Module } from '../nn/module.ts';

export interface ZooOptions {
  /** Size of the last layer (default 1000, ImageNet's classes). */
  numClasses?: number;
  /** Seed of the initial weights (default: the global generator, see `seed`). */
  seed?: number;
  /**
   * Initialise the weights the way torchvision does (default true). false leaves convolution and
   * linear weights at zero, which is much faster for the large models (VGG-16 draws 138 million
   * normals): use it when a checkpoint is loaded right after.
   */
  initWeights?: boolean;
}

export interface ResolvedZooOptions {
  numClasses: number;
  initWeights: boolean;
  init: InitOptions;
}

export const ZOO_OPTION_NAMES = ['numClasses', 'seed', 'initWeights'] as const;

/** Validates a builder's options (the shared ones plus `extra`) and fills in the defaults. */
export function zooOptions(model: string, options: ZooOptions, extra: readonly string[] = []): ResolvedZooOptions {
  checkOptions(model, options, [...ZOO_OPTION_NAMES, ...extra]);
  const numClasses = positiveInt(model, 'numClasses', options.numClasses ?? 1000);
  const initWeights = options.initWeights ?? true;
  if (typeof initWeights !== 'boolean') throw new TypeError(`simdnet: ${model}: initWeights must be a boolean, got ${describe(initWeights)}`);
  if (options.seed !== undefined && !Number.isFinite(options.seed)) {
    throw new TypeError(`simdnet: ${model}: seed must be a finite number, got ${describe(options.seed)}`);
  }
  return { numClasses, initWeights, init: options.seed === undefined ? {} : { random: new Random(options.seed) } };
}

/** A dropout probability option in [0, 1). */
export function dropoutOption(model: string, name: string, value: unknown, fallback: number): number {
  const p = value ?? fallback;
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new TypeError(`simdnet: ${model}: ${name} must be a number in [0, 1), got ${describe(p)}`);
  return p;
}

// ---- torchvision's initialisation schemes, as initializers for Conv2d and Linear -------------

/** A float32 tensor filled by draws from the options' generator (written once, no float64 copy). */
function drawn(shape: Shape, o: InitOptions, draw: (r: Random) => number): Tensor {
  const r = o.random ?? defaultRandom();
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = draw(r);
  const t = empty(shape, 'float32');
  writeValues(t, values);
  return t;
}

/** N(0, std²). */
export const normalInit = (std: number): Initializer => (shape, o) => drawn(shape, o, (r) => std * r.normal());

/** He et al.'s normal for ReLU networks with fan_out = outChannels · kh · kw (torchvision's VGG and ResNet). */
export const kaimingNormalFanOut: Initializer = (shape, o) => {
  const fanOut = shape.length === 4 ? shape[0]! * shape[1]! * shape[2]! : shape[0]!;
  return drawn(shape, o, (r) => Math.sqrt(2 / fanOut) * r.normal());
};

/** All zeros: the `initWeights: false` fast path. */
export const zerosInit: Initializer = (shape) => zeros(shape);

/** The scheme, or zeros when the caller will load weights anyway. */
export function scheme(options: ResolvedZooOptions, initializer: Initializer): Initializer {
  return options.initWeights ? initializer : zerosInit;
}

/** Sets the bias of every Conv2d and Linear of `module` to a constant (torchvision zeroes VGG's). */
export function fillBiases(module: Module, value: number, which: (m: Conv2d | Linear) => boolean = () => true): void {
  for (const [, m] of module.namedModules()) {
    if ((m instanceof Conv2d || m instanceof Linear) && m.bias && which(m)) writeValues(m.bias, new Float32Array(m.bias.size).fill(value));
  }
}

// ---- inputs ------------------------------------------------------------------------------------

/**
 * Checks that x is an NHWC batch of RGB images of at least minSize × minSize (torchvision's
 * `min_size` for the model: smaller inputs pool down to nothing).
 */
export function checkImages(model: string, x: unknown, minSize: number): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`simdnet: ${model}: the input must be a Tensor, got ${describe(x)}`);
  if (x.rank !== 4 || x.shape[3] !== 3) fail(model, `expected NHWC images [batch, height, width, 3], got ${formatShape(x.shape)}`);
  if (x.shape[1]! < minSize || x.shape[2]! < minSize) {
    fail(model, `the input must be at least ${minSize}×${minSize}, got ${x.shape[1]}×${x.shape[2]} (shape ${formatShape(x.shape)})`);
  }
}
