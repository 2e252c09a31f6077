/**
 * Weight initialisation, seeded. fanIn / fanOut follow PyTorch: for a conv filter OHWI
 * [out, kh, kw, in], fanIn = in·kh·kw and fanOut = out·kh·kw; for a Linear [out, in], in and out.
 */
import { defaultRandom, Random } from '../random.ts';
import { empty, sizeOf, Tensor, writeValues, type Shape } from '../tensor.ts';

export interface InitOptions {
  /** A generator to draw from; the global one (see `seed`) by default. */
  random?: Random;
}

export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const receptive = shape.length === 4 ? shape[1]! * shape[2]! : 1;
  const inputs = shape[shape.length - 1]!;
  return { fanIn: inputs * receptive, fanOut: shape[0]! * receptive };
}

function filled(shape: Shape, draw: (r: Random) => number, options: InitOptions): Tensor {
  const r = options.random ?? defaultRandom();
  const values = new Float64Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = draw(r);
  const t = empty(shape, 'float32');
  writeValues(t, values);
  return t;
}

export const uniform = (shape: Shape, bound: number, o: InitOptions = {}) => filled(shape, (r) => (2 * r.uniform() - 1) * bound, o);
export const normal = (shape: Shape, std: number, o: InitOptions = {}) => filled(shape, (r) => std * r.normal(), o);
export const constant = (shape: Shape, value: number, o: InitOptions = {}) => filled(shape, () => value, o);

/** He et al. 2015, for ReLU networks: N(0, 2 / fanIn). */
export const heNormal = (shape: Shape, o: InitOptions = {}) => normal(shape, Math.sqrt(2 / fans(shape).fanIn), o);
export const heUniform = (shape: Shape, o: InitOptions = {}) => uniform(shape, Math.sqrt(6 / fans(shape).fanIn), o);
/** Glorot & Bengio 2010: U(±√(6 / (fanIn + fanOut))). */
export const xavierUniform = (shape: Shape, o: InitOptions = {}) => {
  const { fanIn, fanOut } = fans(shape);
  return uniform(shape, Math.sqrt(6 / (fanIn + fanOut)), o);
};
export const xavierNormal = (shape: Shape, o: InitOptions = {}) => {
  const { fanIn, fanOut } = fans(shape);
  return normal(shape, Math.sqrt(2 / (fanIn + fanOut)), o);
};
/** LeCun 1998: N(0, 1 / fanIn) (LeCun et al. also used U(±2.4 / fanIn)). */
export const lecunNormal = (shape: Shape, o: InitOptions = {}) => normal(shape, Math.sqrt(1 / fans(shape).fanIn), o);
export const lecunUniform = (shape: Shape, o: InitOptions = {}) => uniform(shape, 2.4 / fans(shape).fanIn, o);
/** PyTorch's default for Conv2d and Linear weights and biases: U(±1/√fanIn). */
export const pytorchDefault = (shape: Shape, fanIn: number, o: InitOptions = {}) => uniform(shape, 1 / Math.sqrt(fanIn), o);

/** A named scheme, or a function making the weight (e.g. a model zoo's own scheme). */
export type Initializer = 'pytorch' | 'he' | 'xavier' | 'lecun' | ((shape: Shape, options: InitOptions) => Tensor);

/** A weight tensor initialised by name or by a custom function (whose result must have `shape`). */
export function initWeight(kind: Initializer, shape: Shape, o: InitOptions = {}): Tensor {
  if (typeof kind === 'function') {
    const t = kind(shape, o);
    if (!(t instanceof Tensor) || t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      const got = t instanceof Tensor ? `[${t.shape.join(', ')}]` : String(t);
      if (t instanceof Tensor) t.dispose();
      throw new TypeError(`simdnet: a custom initializer must return a tensor of shape [${shape.join(', ')}], got ${got}`);
    }
    return t;
  }
  switch (kind) {
    case 'he': return heNormal(shape, o);
    case 'xavier': return xavierUniform(shape, o);
    case 'lecun': return lecunNormal(shape, o);
    case 'pytorch': return pytorchDefault(shape, fans(shape).fanIn, o);
    default: throw new TypeError(`simdnet: unknown initializer ${JSON.stringify(kind)} (use 'pytorch', 'he', 'xavier' or 'lecun')`);
  }
}
