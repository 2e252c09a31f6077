/**
 * safetensors, read and written by our own code: an 8-byte little-endian header length, a JSON
 * header { name: { dtype, shape, data_offsets }, __metadata__?: { string: string } }, then the
 * tensor bytes. The reader validates the way the format's reference implementation does and
 * never allocates more than the file itself justifies.
 */
import { Tensor } from '../tensor.ts';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** Whether typed arrays are little-endian here, as safetensors is (then tensors are copied as bytes). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** The reference implementation's cap on the header (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`simdnet: safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

export interface LoadedTensor {
  /** The dtype stored in the file. */
  dtype: SafetensorsDtype;
  shape: number[];
  /** Floats of any width become float32; integers become int32 (I64 values must fit). */
  data: Float32Array | Int32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, LoadedTensor>;
  metadata: Record<string, string>;
}

/** Parses and validates a safetensors file. */
export function readSafetensors(input: ArrayBuffer | Uint8Array): SafetensorsFile {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length < 8) throw new SafetensorsError(`the file has ${bytes.length} bytes, fewer than the 8 of the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES) throw new SafetensorsError(`the header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + headerLength > bytes.length) throw new SafetensorsError(`the header length ${headerLength} runs past the end of the ${bytes.length}-byte file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw new SafetensorsError('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) throw new SafetensorsError('the header must be a JSON object starting with "{"');
  const keys = topLevelKeys(text);
  const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
  if (duplicate !== undefined) throw new SafetensorsError(`the header names ${JSON.stringify(duplicate)} twice`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new SafetensorsError('the header must be a JSON object');

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SafetensorsError('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw new SafetensorsError(`__metadata__.${k} must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push({ name, ...checkEntry(name, value) });
  }
  // Offsets must tile the data buffer exactly: sorted, contiguous, no holes, no overlaps.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of sorted) {
    if (e.begin !== expected) {
      throw new SafetensorsError(`tensor ${JSON.stringify(e.name)} starts at byte ${e.begin}, expected ${expected} (offsets must be contiguous without holes or overlaps)`);
    }
    expected = e.end;
  }
  if (expected !== dataLength) throw new SafetensorsError(`the tensors cover ${expected} bytes but the data section has ${dataLength}`);

  const tensors = new Map<string, LoadedTensor>();
  for (const e of entries) {
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decode(e.name, e.dtype, view, dataStart + e.begin, (e.end - e.begin) / DTYPE_BYTES[e.dtype]) });
  }
  return { tensors, metadata };
}

function checkEntry(name: string, value: unknown): { dtype: SafetensorsDtype; shape: number[]; begin: number; end: number } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SafetensorsError(`tensor ${JSON.stringify(name)} must be described by an object`);
  const { dtype, shape, data_offsets: offsets, ...rest } = value as Record<string, unknown>;
  const unknownField = Object.keys(rest)[0];
  if (unknownField !== undefined) throw new SafetensorsError(`tensor ${JSON.stringify(name)} has an unknown field ${JSON.stringify(unknownField)}`);
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw new SafetensorsError(`tensor ${JSON.stringify(name)} has an unsupported dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new SafetensorsError(`tensor ${JSON.stringify(name)} has an invalid shape ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || o < 0) || offsets[0] > offsets[1]) {
    throw new SafetensorsError(`tensor ${JSON.stringify(name)} has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  let elements = 1;
  for (const d of shape as number[]) {
    elements *= d;
    if (!Number.isSafeInteger(elements)) throw new SafetensorsError(`tensor ${JSON.stringify(name)}: the shape ${JSON.stringify(shape)} overflows`);
  }
  const bytes = elements * DTYPE_BYTES[dtype as SafetensorsDtype];
  if (!Number.isSafeInteger(bytes) || bytes !== offsets[1] - offsets[0]) {
    throw new SafetensorsError(`tensor ${JSON.stringify(name)}: shape ${JSON.stringify(shape)} of ${dtype} needs ${bytes} bytes but data_offsets span ${offsets[1] - offsets[0]}`);
  }
  return { dtype: dtype as SafetensorsDtype, shape: shape as number[], begin: offsets[0], end: offsets[1] };
}

/** Copies (never views: the data may be unaligned) and widens or narrows to float32 / int32. */
function decode(name: string, dtype: SafetensorsDtype, view: DataView, at: number, n: number): Float32Array | Int32Array {
  // On little-endian hosts (all the usual ones) whole tensors are byte copies: a 500 MB VGG checkpoint
  // decodes in a fraction of a second instead of seconds element by element.
  if (LITTLE_ENDIAN && (dtype === 'F32' || dtype === 'I32')) {
    const out = dtype === 'F32' ? new Float32Array(n) : new Int32Array(n);
    new Uint8Array(out.buffer).set(new Uint8Array(view.buffer, view.byteOffset + at, 4 * n));
    return out;
  }
  if (LITTLE_ENDIAN && dtype === 'F64') {
    const wide = new Float64Array(n);
    new Uint8Array(wide.buffer).set(new Uint8Array(view.buffer, view.byteOffset + at, 8 * n));
    return Float32Array.from(wide);
  }
  switch (dtype) {
    case 'F32': { const out = new Float32Array(n); for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, true); return out; }
    case 'F64': { const out = new Float32Array(n); for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, true); return out; }
    case 'F16': { const out = new Float32Array(n); for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(at + 2 * i, true)); return out; }
    case 'BF16': {
      const out = new Float32Array(n);
      const word = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) { word.setUint32(0, view.getUint16(at + 2 * i, true) << 16); out[i] = word.getFloat32(0); }
      return out;
    }
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(at + 8 * i, true);
        if (v < -2147483648n || v > 2147483647n) throw new SafetensorsError(`tensor ${JSON.stringify(name)}: I64 value ${v} does not fit in int32`);
        out[i] = Number(v);
      }
      return out;
    }
    case 'I32': { const out = new Int32Array(n); for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, true); return out; }
    case 'I16': { const out = new Int32Array(n); for (let i = 0; i < n; i++) out[i] = view.getInt16(at + 2 * i, true); return out; }
    case 'I8': { const out = new Int32Array(n); for (let i = 0; i < n; i++) out[i] = view.getInt8(at + i); return out; }
    case 'U8': case 'BOOL': { const out = new Int32Array(n); for (let i = 0; i < n; i++) out[i] = view.getUint8(at + i); return out; }
  }
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** The keys of the outermost JSON object, duplicates included (JSON.parse would hide them). */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0, expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        try { keys.push(JSON.parse(text.slice(i, j + 1)) as string); } catch { /* JSON.parse reports it */ }
        expectKey = false;
      }
      i = j;
    } else if (ch === '{' || ch === '[') {
      depth++;
      if (depth === 1 && ch === '{') expectKey = true;
    } else if (ch === '}' || ch === ']') {
      depth--;
    } else if (ch === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

export type SaveValue = Tensor | { shape: readonly number[]; data: Float32Array | Float64Array | Int32Array };

/** Serialises tensors (F32 for float32, F64 for float64, I32 for int32) with optional metadata. */
export function writeSafetensors(tensors: Record<string, SaveValue> | Map<string, SaveValue>, metadata?: Record<string, string>): Uint8Array {
  const entries = [...(tensors instanceof Map ? tensors : new Map(Object.entries(tensors)))].map(([name, v]) => {
    if (name === '__metadata__') throw new SafetensorsError('"__metadata__" cannot name a tensor');
    const data = v instanceof Tensor ? v.dataSync() : v.data;
    const shape = [...v.shape];
    if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new SafetensorsError(`tensor ${JSON.stringify(name)}: shape ${JSON.stringify(shape)} does not match ${data.length} values`);
    const dtype: SafetensorsDtype = data instanceof Float64Array ? 'F64' : data instanceof Int32Array ? 'I32' : 'F32';
    return { name, shape, data, dtype };
  });
  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new SafetensorsError(`metadata ${k} must be a string`);
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const e of entries) {
    const size = e.data.length * DTYPE_BYTES[e.dtype];
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const e of entries) {
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength), at);
      at += e.data.byteLength;
      continue;
    }
    for (let i = 0; i < e.data.length; i++) {
      if (e.dtype === 'F64') view.setFloat64(at + 8 * i, e.data[i]!, true);
      else if (e.dtype === 'I32') view.setInt32(at + 4 * i, e.data[i]!, true);
      else view.setFloat32(at + 4 * i, e.data[i]!, true);
    }
    at += e.data.length * DTYPE_BYTES[e.dtype];
  }
  return out;
}

/** A state dict from safetensors bytes, ready for `module.loadStateDict`. */
export function loadSafetensors(bytes: ArrayBuffer | Uint8Array): Map<string, { shape: number[]; data: Float32Array | Int32Array }> {
  return readSafetensors(bytes).tensors;
}
