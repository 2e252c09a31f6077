/**
 * torchvision checkpoints: a PyTorch `state_dict()` (saved with safetensors.torch.save_file and
 * read by loadSafetensors) loads into a zoo model with no conversion script. The keys already
 * match — zoo models use torchvision's names — and two layouts differ:
 *
 * - convolution filters: PyTorch stores OIHW [out, in/groups, kh, kw], simdnet OHWI
 *   [out, kh, kw, in/groups]: every Conv2d's weight is transposed;
 * - the first Linear after a flatten: PyTorch flattens NCHW maps in C, H, W order, simdnet flattens
 *   NHWC maps in H, W, C order, so that Linear's input columns are permuted. A module cannot see
 *   from its weights what was flattened before it, so models declare it: a `flattenedLinears`
 *   property naming each such Linear (relative to the model) and the [C, H, W] it reads.
 *
 * Everything else (biases, batch-norm weights and statistics, num_batches_tracked) is copied as
 * is. `toTorchvisionStateDict` does the reverse, for handing weights back to PyTorch.
 */
import { formatShape, sizeOf, Tensor } from '../tensor.ts';
import { Conv2d } from '../nn/layers/conv.ts';
import { Linear } from '../nn/layers/linear.ts';
import { StateDictError, type LoadOptions, type Module, type StateValue } from '../nn/module.ts';

/** Linear layers fed by a flatten: module path → [channels, height, width] of the flattened map. */
export type FlattenedLinears = Readonly<Record<string, readonly [number, number, number]>>;

type Values = ArrayLike<number>;
type Entry = { shape: number[]; data: Values };

/** Whether a module declares flattened Linears (zoo models do). */
function declaredLinears(m: Module): FlattenedLinears | undefined {
  const declared = (m as { flattenedLinears?: unknown }).flattenedLinears;
  return declared !== null && typeof declared === 'object' ? declared as FlattenedLinears : undefined;
}

interface Layouts {
  /** State-dict keys of Conv2d weights. */
  convs: Set<string>;
  /** State-dict key of a flattened Linear's weight → [C, H, W]. */
  linears: Map<string, readonly [number, number, number]>;
}

/** Finds every conv weight and declared flattened Linear in the model, at any depth. */
function layoutsOf(model: Module): Layouts {
  const convs = new Set<string>();
  const linears = new Map<string, readonly [number, number, number]>();
  const modules = new Map(model.namedModules());
  for (const [path, m] of modules) {
    const key = (name: string) => (path ? `${path}.${name}` : name);
    if (m instanceof Conv2d) convs.add(key('weight'));
    const declared = declaredLinears(m);
    if (!declared) continue;
    for (const [name, chw] of Object.entries(declared)) {
      const linear = modules.get(key(name));
      const where = `${m.constructor.name}.flattenedLinears[${JSON.stringify(name)}]`;
      if (!(linear instanceof Linear)) throw new TypeError(`simdnet: torchvision import: ${where} does not name a Linear of the model`);
      if (!Array.isArray(chw) || chw.length !== 3 || chw.some((d) => !Number.isSafeInteger(d) || d < 1) || sizeOf(chw) !== linear.inFeatures) {
        throw new TypeError(`simdnet: torchvision import: ${where} must be [channels, height, width] with a product of ${linear.inFeatures} (the Linear's inFeatures), got ${JSON.stringify(chw)}`);
      }
      linears.set(`${key(name)}.weight`, chw);
    }
  }
  return { convs, linears };
}

/** [O, H, W, I] ↔ [O, I, H, W]. */
const toOihw = (s: readonly number[]) => [s[0]!, s[3]!, s[1]!, s[2]!];
const toOhwi = (s: readonly number[]) => [s[0]!, s[2]!, s[3]!, s[1]!];

/** The values as a Float32Array (typed loops below stay monomorphic and fast on 100M-element weights). */
function floats(data: Values): Float32Array {
  return data instanceof Float32Array ? data : Float32Array.from(data);
}

function transposeOihwToOhwi(values: Values, [o, i, h, w]: readonly [number, number, number, number]): Float32Array {
  const data = floats(values), hw = h * w;
  const out = new Float32Array(o * hw * i);
  for (let a = 0; a < o; a++) {
    const base = a * hw * i;
    for (let p = 0; p < hw; p++) {
      const dst = base + p * i;
      for (let c = 0; c < i; c++) out[dst + c] = data[base + c * hw + p]!;
    }
  }
  return out;
}

function transposeOhwiToOihw(values: Values, [o, h, w, i]: readonly [number, number, number, number]): Float32Array {
  const data = floats(values), hw = h * w;
  const out = new Float32Array(o * i * hw);
  for (let a = 0; a < o; a++) {
    const base = a * hw * i;
    for (let c = 0; c < i; c++) {
      const dst = base + c * hw;
      for (let p = 0; p < hw; p++) out[dst + p] = data[base + p * i + c]!;
    }
  }
  return out;
}

/**
 * The columns of an [rows, C·H·W] weight from C, H, W order to H, W, C order (toHwc), or back.
 * Per row this is the same transpose as a filter's, a [C, H·W] block to [H·W, C].
 */
function permuteColumns(values: Values, rows: number, [c, h, w]: readonly [number, number, number], toHwc: boolean): Float32Array {
  return toHwc ? transposeOihwToOhwi(values, [rows, c, h, w]) : transposeOhwiToOihw(values, [rows, h, w, c]);
}

function entryOf(value: StateValue): Entry {
  if (value instanceof Tensor) return { shape: [...value.shape], data: value.dataSync() };
  if (value === null || typeof value !== 'object' || !Array.isArray(value.shape) || value.data === undefined) {
    throw new TypeError('simdnet: torchvision import: every value must be a Tensor or { shape, data }');
  }
  return { shape: [...value.shape], data: value.data };
}

/**
 * Converts a torch-layout state dict to simdnet's layout for `model`, checking every key and shape
 * against the model first: missing keys, unexpected keys and shapes are reported together in
 * PyTorch's layout (a filter as [out, in, kh, kw]), before anything is converted.
 */
export function fromTorchvisionStateDict(model: Module, dict: Map<string, StateValue> | Record<string, StateValue>,
  options: LoadOptions = {}): Map<string, Entry> {
  const strict = options.strict ?? true;
  const entries = dict instanceof Map ? dict : new Map(Object.entries(dict));
  const { convs, linears } = layoutsOf(model);
  const own = model.stateDict();
  const torchShape = (key: string) => (convs.has(key) ? toOihw(own[key]!.shape) : [...own[key]!.shape]);
  const missing = Object.keys(own).filter((k) => !entries.has(k));
  const unexpected = [...entries.keys()].filter((k) => !(k in own));
  const mismatched: string[] = [];
  const converted = new Map<string, Entry>();
  for (const [key, value] of entries) {
    if (!(key in own)) continue;
    const e = entryOf(value);
    const expected = torchShape(key);
    if (e.shape.length !== expected.length || e.shape.some((d, i) => d !== expected[i]) || e.data.length !== sizeOf(expected)) {
      mismatched.push(`${key}: expected ${formatShape(expected)}${convs.has(key) ? ' (OIHW)' : ''}, got ${formatShape(e.shape)}${e.data.length !== sizeOf(e.shape) ? ` with ${e.data.length} values` : ''}`);
      continue;
    }
    converted.set(key, e);
  }
  if (mismatched.length || (strict && (missing.length || unexpected.length))) {
    throw new StateDictError(strict ? missing : [], strict ? unexpected : [], mismatched);
  }
  for (const [key, e] of converted) {
    if (convs.has(key)) converted.set(key, { shape: toOhwi(e.shape), data: transposeOihwToOhwi(e.data, e.shape as [number, number, number, number]) });
    else if (linears.has(key)) converted.set(key, { shape: e.shape, data: permuteColumns(e.data, e.shape[0]!, linears.get(key)!, true) });
  }
  return converted;
}

/**
 * Loads a torchvision state dict (PyTorch layouts, torchvision keys) into a model:
 * `loadTorchvisionStateDict(sn.zoo.resnet18(), sn.io.loadSafetensors(bytes))`.
 * `strict` (default true) requires exactly the model's keys, as loadStateDict does.
 */
export function loadTorchvisionStateDict(model: Module, dict: Map<string, StateValue> | Record<string, StateValue>,
  options: LoadOptions = {}): void {
  model.loadStateDict(fromTorchvisionStateDict(model, dict, options), options);
}

/** The model's state in PyTorch's layouts under torchvision's keys (copies), e.g. for writeSafetensors. */
export function toTorchvisionStateDict(model: Module): Map<string, { shape: number[]; data: Float32Array | Int32Array }> {
  const { convs, linears } = layoutsOf(model);
  const out = new Map<string, { shape: number[]; data: Float32Array | Int32Array }>();
  for (const [key, t] of Object.entries(model.stateDict())) {
    const raw = t.dataSync();
    const data = raw instanceof Float64Array ? Float32Array.from(raw) : raw;
    if (convs.has(key)) out.set(key, { shape: toOihw(t.shape), data: transposeOhwiToOihw(data, t.shape as [number, number, number, number]) });
    else if (linears.has(key)) out.set(key, { shape: [...t.shape], data: permuteColumns(data, t.shape[0]!, linears.get(key)!, false) });
    else out.set(key, { shape: [...t.shape], data });
  }
  return out;
}
