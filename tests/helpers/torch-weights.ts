/**
 * The zoo fixtures' weights, computed rather than committed: the TypeScript twin of the formula in
 * scripts/fixtures/make_zoo_fixtures.py (read its docstring for the definition). Both sides give
 * bit-identical float32 values: only 32-bit integer arithmetic, one float64 multiply-add and one
 * rounding to float32.
 */

/** FNV-1a of the UTF-8 bytes of an ASCII key. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

/** MurmurHash3's 32-bit finaliser. */
export function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const GOLDEN = 0x9e3779b9;

/** float32(offset + scale · u(i)) for i < n, u uniform in [-1, 1) from (seed, name, i). */
export function formulaValues(seed: number, name: string, n: number, offset = 0, scale = 1): Float32Array {
  const key = fmix32(fnv1a32(name) ^ fmix32(seed >>> 0));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let h = (key + Math.imul(i, GOLDEN)) | 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    out[i] = offset + scale * ((h >>> 8) * 1.1920928955078125e-7 - 1); // 2^-23
  }
  return out;
}

/** The last batch norm of a ResNet block: layerL.B.bnK with no bnK+1 beside it. */
function isResidualEnd(prefix: string, keys: ReadonlySet<string>): boolean {
  const m = /^(layer\d+\.\d+)\.bn(\d+)$/.exec(prefix);
  return m !== null && !keys.has(`${m[1]}.bn${Number(m[2]) + 1}.running_mean`);
}

/** (offset, scale) of a float tensor by its role in a torch-layout state dict; null for num_batches_tracked. */
export function roleOf(name: string, shape: readonly number[], keys: ReadonlySet<string>): [number, number] | null {
  const dot = name.lastIndexOf('.');
  const prefix = name.slice(0, dot), leaf = name.slice(dot + 1);
  if (leaf === 'num_batches_tracked') return null;
  if (keys.has(`${prefix}.running_mean`)) {
    if (leaf === 'weight' && isResidualEnd(prefix, keys)) return [0.2, 0.05];
    const bn: Record<string, [number, number]> = { weight: [1, 0.25], bias: [0, 0.1], running_mean: [0, 0.1], running_var: [1, 0.5] };
    const r = bn[leaf];
    if (r) return r;
  }
  if (leaf === 'weight' && shape.length === 4) return [0, Math.sqrt(6 / (shape[1]! * shape[2]! * shape[3]!))];
  if (leaf === 'weight' && shape.length === 2) return [0, Math.sqrt(6 / shape[1]!)];
  if (leaf === 'bias') return [0, 0.1];
  throw new Error(`no weight rule for ${name} [${shape.join(', ')}]`);
}

export type TorchEntry = { shape: number[]; data: Float32Array | Int32Array };

/** Sum and sum of magnitudes of a tensor's values (to compare with the generator's checksum). */
interface Sums { sum: number; sumAbs: number }

function sums(data: Float32Array): Sums {
  let sum = 0, sumAbs = 0;
  for (let i = 0; i < data.length; i++) { sum += data[i]!; sumAbs += Math.abs(data[i]!); }
  return { sum, sumAbs };
}

/** Big tensors shared by several models (VGG's and AlexNet's classifiers) are computed once. */
const cache = new Map<string, { data: Float32Array } & Sums>();

/**
 * The formula's torch-layout state dict for these keys and (PyTorch) shapes, in key order, with
 * the sum of all its float values and of their magnitudes.
 */
export function formulaStateDict(seed: number, keys: readonly string[], shapes: readonly (readonly number[])[]): { dict: Map<string, TorchEntry> } & Sums {
  const keySet = new Set(keys);
  const dict = new Map<string, TorchEntry>();
  let sum = 0, sumAbs = 0;
  keys.forEach((key, k) => {
    const shape = [...shapes[k]!];
    const n = shape.reduce((a, b) => a * b, 1);
    const role = roleOf(key, shape, keySet);
    if (role === null) {
      dict.set(key, { shape, data: Int32Array.of(fnv1a32(key) % 1000) });
      return;
    }
    const id = `${seed}|${key}|${shape.join('x')}|${role.join(',')}`;
    let entry = cache.get(id);
    if (!entry) {
      const data = formulaValues(seed, key, n, role[0], role[1]);
      entry = { data, ...sums(data) };
      if (n >= 1 << 22) cache.set(id, entry);
    }
    dict.set(key, { shape, data: entry.data });
    sum += entry.sum;
    sumAbs += entry.sumAbs;
  });
  return { dict, sum, sumAbs };
}
