/**
 * Tensor: a handle — address, shape, dtype — onto bytes in the backend's linear memory.
 * Several tensors may share one Storage (reshape is free); the storage's bytes return to the
 * allocator when its last holder lets go. Holders are tensors and, while it needs them, the
 * gradient tape. Using a disposed tensor throws.
 */
import { BYTES_PER_ELEMENT, type Dtype, type FloatDtype } from './backend/backend.ts';
import { backend, backendGeneration } from './runtime.ts';
import { defaultRandom, Random } from './random.ts';

export type { Dtype, FloatDtype };
export type Shape = readonly number[];
export type TypedArray = Float32Array | Float64Array | Int32Array;

/** Bytes in linear memory, freed when the last reference is released. */
export class Storage {
  private refs = 1;
  /** Counts the writes into these bytes after they were first filled (optimizer steps, loads):
   *  whatever was derived from the values is stale once it moved. */
  version = 0;
  /** A buffer derived from these values (a convolution's packed filter), freed with them. */
  derived: DerivedBuffer | undefined;
  constructor(readonly ptr: number, readonly bytes: number, readonly generation: number) {}
  retain(): void {
    this.refs++;
  }
  /** Every in-place write calls this (ops write only into fresh outputs and need not). */
  markWritten(): void {
    this.version++;
  }
  release(): void {
    if (--this.refs !== 0 || this.generation !== backendGeneration()) return;
    const allocator = backend().allocator;
    if (this.derived) {
      allocator.free(this.derived.ptr);
      setDerived(this, undefined);
    }
    allocator.free(this.ptr);
  }
}

/** Bytes derived from a storage's values, valid while the storage's version is `version`. */
export interface DerivedBuffer {
  ptr: number;
  bytes: number;
  /** What the bytes were derived for (a packed filter: the filter shape and the groups). */
  key: string;
  version: number;
}

/** Derived bytes in use, counted for the backend of `derivedGeneration` (a new init() starts at 0). */
let derivedBytes = 0;
let derivedGeneration = -1;

function countDerived(change: number): number {
  if (derivedGeneration !== backendGeneration()) {
    derivedGeneration = backendGeneration();
    derivedBytes = 0;
  }
  return derivedBytes += change;
}

/** @internal Keeps bytes derived from `storage` (replacing older ones) and counts them in memory(). */
export function setDerived(storage: Storage, buffer: DerivedBuffer | undefined): void {
  if (storage.derived) countDerived(-storage.derived.bytes);
  storage.derived = buffer;
  if (buffer) countDerived(buffer.bytes);
}

let nextId = 1;
let liveTensors = 0;
const scopes: Set<Tensor>[] = [];
let leakWarnings = 0;

const leakRegistry = typeof FinalizationRegistry === 'undefined' ? undefined
  : new FinalizationRegistry<{ storage: Storage; shape: Shape }>(({ storage, shape }) => {
    liveTensors--;
    if (leakWarnings++ === 0) {
      console.warn(`simdnet: a tensor of shape ${formatShape(shape)} was garbage-collected without dispose(); ` +
        'its memory was reclaimed. Dispose tensors or create them inside tidy().');
    }
    storage.release();
  });

export class Tensor {
  readonly id = nextId++;
  readonly size: number;
  /** Whether gradients flow to this tensor through a GradientTape. Parameters set it; frozen ones clear it. */
  requiresGrad: boolean;
  private _disposed = false;

  /** @internal Use the factories (tensor, zeros, …) or ops to make tensors. */
  constructor(readonly storage: Storage, readonly shape: Shape, readonly dtype: Dtype, requiresGrad = true) {
    this.size = sizeOf(shape);
    this.requiresGrad = requiresGrad && dtype !== 'int32';
    liveTensors++;
    // The shape is formatted only if the warning is ever printed: every op makes tensors.
    leakRegistry?.register(this, { storage, shape }, this);
    scopes[scopes.length - 1]?.add(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  get disposed(): boolean {
    return this._disposed;
  }

  /** @internal The byte address of the first element (for kernels). */
  get ptr(): number {
    return this.storage.ptr;
  }

  /** Throws unless the tensor can be used: not disposed, and made by the current backend. */
  assertUsable(what = 'tensor'): void {
    if (this._disposed) throw new Error(`simdnet: ${what} (shape ${formatShape(this.shape)}) was disposed and cannot be used`);
    if (this.storage.generation !== backendGeneration()) {
      throw new Error(`simdnet: ${what} (shape ${formatShape(this.shape)}) belongs to a backend replaced by a later init()`);
    }
  }

  /** A copy of the values, in row-major order. */
  dataSync(): TypedArray {
    this.assertUsable();
    const heap = backend().heap;
    switch (this.dtype) {
      case 'float32': return heap.f32.slice(this.ptr >> 2, (this.ptr >> 2) + this.size);
      case 'float64': return heap.f64.slice(this.ptr >> 3, (this.ptr >> 3) + this.size);
      case 'int32': return heap.i32.slice(this.ptr >> 2, (this.ptr >> 2) + this.size);
    }
  }

  /** The values as nested arrays. */
  arraySync(): unknown {
    const data = Array.from(this.dataSync());
    const build = (dim: number, offset: number): unknown => {
      if (dim === this.shape.length) return data[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim]! }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`simdnet: item() needs a tensor of one element, got shape ${formatShape(this.shape)}`);
    return this.dataSync()[0]!;
  }

  /** A tensor of another shape over the same storage (no copy). One dimension may be -1. */
  reshape(shape: Shape): Tensor {
    this.assertUsable();
    const resolved = resolveReshape(this.shape, shape);
    this.storage.retain();
    return new Tensor(this.storage, resolved, this.dtype, this.requiresGrad);
  }

  /** Frees this handle; the bytes go back once no other tensor or tape holds them. Idempotent. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    liveTensors--;
    leakRegistry?.unregister(this);
    for (const scope of scopes) scope.delete(this);
    this.storage.release();
  }

  toString(): string {
    if (this._disposed) return `Tensor(disposed, shape ${formatShape(this.shape)})`;
    const values = Array.from(this.dataSync().slice(0, 8)).map((v) => +v.toPrecision(4));
    return `Tensor(shape ${formatShape(this.shape)}, ${this.dtype}, [${values.join(', ')}${this.size > 8 ? ', …' : ''}])`;
  }
}

// ---- making tensors ---------------------------------------------------------------------------

export interface TensorOptions {
  dtype?: Dtype;
  /** Default true for float tensors: gradients can be taken with respect to them. */
  requiresGrad?: boolean;
}

/** An uninitialised tensor (its bytes are whatever the memory held). */
export function empty(shape: Shape, dtype: Dtype = 'float32', requiresGrad = true): Tensor {
  checkShape(shape, 'shape');
  checkDtype(dtype);
  const b = backend();
  if (dtype === 'float64') b.kernels('float64'); // throws a clear error on the wasm backend
  const bytes = sizeOf(shape) * BYTES_PER_ELEMENT[dtype];
  const ptr = b.allocator.alloc(bytes);
  return new Tensor(new Storage(ptr, bytes, backendGeneration()), [...shape], dtype, requiresGrad);
}

/** A tensor holding `values` (a flat array or typed array in row-major order, or nested arrays). */
export function tensor(values: ArrayLike<number> | NestedArray, shape?: Shape, options: TensorOptions | Dtype = {}): Tensor {
  const { dtype = 'float32', requiresGrad = true } = typeof options === 'string' ? { dtype: options } : options;
  const flat = flatten(values);
  const resolvedShape = shape ?? inferShape(values);
  checkShape(resolvedShape, 'shape');
  if (sizeOf(resolvedShape) !== flat.length) {
    throw new RangeError(`simdnet: tensor: ${flat.length} values do not fill shape ${formatShape(resolvedShape)} (${sizeOf(resolvedShape)} elements)`);
  }
  if (dtype === 'int32') {
    for (let i = 0; i < flat.length; i++) {
      const v = flat[i]!;
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
        throw new TypeError(`simdnet: tensor: int32 values must be 32-bit integers, got ${v} at index ${i}`);
      }
    }
  }
  const t = empty(resolvedShape, dtype, requiresGrad);
  writeValues(t, flat);
  return t;
}

export type NestedArray = number | NestedArray[];

export function zeros(shape: Shape, options: TensorOptions | Dtype = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: Shape, options: TensorOptions | Dtype = {}): Tensor {
  return full(shape, 1, options);
}

export function full(shape: Shape, value: number, options: TensorOptions | Dtype = {}): Tensor {
  const { dtype = 'float32', requiresGrad = true } = typeof options === 'string' ? { dtype: options } : options;
  const t = empty(shape, dtype, requiresGrad);
  if (dtype === 'int32') backend().heap.i32.fill(value, t.ptr >> 2, (t.ptr >> 2) + t.size);
  else backend().kernels(dtype).fill(t.ptr, value, t.size);
  return t;
}

export interface RandomOptions extends TensorOptions {
  /** A seed for this call alone; without it the global generator (see `seed`) is used. */
  seed?: number;
  /** A generator to draw from (advances it). */
  random?: Random;
}

/** Normal samples: mean + std · N(0, 1). */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const { mean = 0, std = 1 } = options;
  const rng = pickRandom(options);
  return fromGenerator(shape, options, () => mean + std * rng.normal());
}

/** Uniform samples in [low, high). */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const { low = 0, high = 1 } = options;
  const rng = pickRandom(options);
  return fromGenerator(shape, options, () => low + (high - low) * rng.uniform());
}

function pickRandom(options: RandomOptions): Random {
  if (options.random) return options.random;
  return options.seed !== undefined ? new Random(options.seed) : defaultRandom();
}

function fromGenerator(shape: Shape, options: TensorOptions, draw: () => number): Tensor {
  checkShape(shape, 'shape');
  const values = new Float64Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = draw();
  const t = empty(shape, options.dtype ?? 'float32', options.requiresGrad ?? true);
  writeValues(t, values);
  return t;
}

/** @internal Copies values into a tensor's storage. */
export function writeValues(t: Tensor, values: ArrayLike<number>): void {
  t.storage.markWritten();
  const heap = backend().heap;
  if (t.dtype === 'float64') heap.f64.set(values, t.ptr >> 3);
  else if (t.dtype === 'float32') heap.f32.set(values, t.ptr >> 2);
  else heap.i32.set(values, t.ptr >> 2);
}

// ---- scopes -----------------------------------------------------------------------------------

/**
 * Runs fn and disposes every tensor created inside it except those it returns (found in the
 * returned value, arrays and plain objects included). fn must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    // Nothing made inside can escape a throwing scope: free it all.
    disposeAll(scope);
    throw error;
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) {
    disposeAll(scope);
    throw new Error('simdnet: tidy(fn) needs a synchronous fn; it returned a Promise');
  }
  const kept = new Set<Tensor>();
  collectTensors(result, kept);
  for (const t of scope) if (!kept.has(t)) t.dispose();
  const parent = scopes[scopes.length - 1];
  if (parent) for (const t of kept) if (!t.disposed) parent.add(t);
  return result;
}

function disposeAll(scope: Set<Tensor>): void {
  for (const t of scope) t.dispose();
}

/** Exempts a tensor from disposal by the enclosing tidy() scopes. */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of scopes) scope.delete(t);
  return t;
}

/** Disposes every tensor found in a value (a tensor, or arrays and objects holding tensors). */
export function dispose(value: unknown): void {
  const found = new Set<Tensor>();
  collectTensors(value, found);
  for (const t of found) t.dispose();
}

export function collectTensors(value: unknown, into: Set<Tensor>, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (value instanceof Tensor) { into.add(value); return; }
  if (Array.isArray(value)) { for (const v of value) collectTensors(v, into, depth + 1); return; }
  if (value instanceof Map) { for (const v of value.values()) collectTensors(v, into, depth + 1); return; }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into, depth + 1);
  }
}

// ---- memory report ----------------------------------------------------------------------------

export interface MemoryInfo {
  /** Bytes held by tensors (and by the tape for tensors it saved). */
  bytesInUse: number;
  /** Tensors created and not yet disposed. */
  liveTensors: number;
  /** Of bytesInUse, the convolution filters kept packed beside their weights (the forward packs
   *  a filter once, and again only after its values change); freed with the weights. */
  packedFilterBytes: number;
  /** The highest bytesInUse since init() (includes the backend's scratch). */
  peakBytes: number;
  /** Size of the linear memory and its maximum. */
  memoryBytes: number;
  maximumBytes: number;
  backend: 'wasm' | 'js';
}

export function memory(): MemoryInfo {
  const b = backend();
  const stats = b.allocator.stats();
  return {
    bytesInUse: stats.bytesInUse - b.reservedBytes,
    liveTensors,
    packedFilterBytes: countDerived(0),
    peakBytes: stats.peakBytesInUse,
    memoryBytes: stats.memoryBytes,
    maximumBytes: stats.maximumBytes,
    backend: b.name,
  };
}

// ---- shapes -----------------------------------------------------------------------------------

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function checkShape(shape: Shape, name: string): void {
  if (!Array.isArray(shape)) throw new TypeError(`simdnet: ${name} must be an array of dimensions, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`simdnet: ${name} ${formatShape(shape)} has an invalid dimension ${d}: dimensions are non-negative integers`);
    }
  }
}

function checkDtype(dtype: string): void {
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') {
    throw new TypeError(`simdnet: dtype must be 'float32', 'float64' or 'int32', got ${JSON.stringify(dtype)}`);
  }
}

function resolveReshape(from: Shape, to: Shape): number[] {
  const size = sizeOf(from);
  const free = to.filter((d) => d === -1).length;
  if (free > 1) throw new RangeError(`simdnet: reshape: at most one dimension may be -1, got ${formatShape(to)}`);
  const known = sizeOf(to.filter((d) => d !== -1));
  const resolved = to.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  checkShape(resolved, 'reshape target');
  if (sizeOf(resolved) !== size) {
    throw new RangeError(`simdnet: reshape: cannot view ${size} elements of shape ${formatShape(from)} as ${formatShape(to)}`);
  }
  return resolved;
}

function flatten(values: ArrayLike<number> | NestedArray): ArrayLike<number> {
  if (typeof values === 'number') return [values];
  if (ArrayBuffer.isView(values)) return values as unknown as ArrayLike<number>;
  if (!Array.isArray(values)) {
    throw new TypeError(`simdnet: tensor: values must be an array, a typed array or a number, got ${typeof values}`);
  }
  if (values.length === 0 || !Array.isArray(values[0])) {
    for (let i = 0; i < values.length; i++) {
      if (typeof values[i] !== 'number') throw new TypeError(`simdnet: tensor: value ${i} is ${typeof values[i]}, not a number`);
    }
    return values as number[];
  }
  return (values as NestedArray[]).flat(Infinity as 1) as number[];
}

function inferShape(values: ArrayLike<number> | NestedArray): number[] {
  const shape: number[] = [];
  let v: unknown = values;
  while (Array.isArray(v) || ArrayBuffer.isView(v)) {
    shape.push((v as ArrayLike<unknown>).length);
    v = (v as ArrayLike<unknown>)[0];
  }
  return shape;
}
