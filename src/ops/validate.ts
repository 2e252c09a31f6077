/**
 * Argument checks shared by the ops. Every op validates all its arguments before any kernel runs;
 * each error names the op, the argument, what was expected and what was given.
 */
import { formatShape, Tensor, type FloatDtype } from '../tensor.ts';

export class ShapeError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

export function fail(op: string, message: string): never {
  throw new ShapeError(`simdnet: ${op}: ${message}`);
}

/** A live float tensor, optionally of a given rank. */
export function checkFloat(op: string, name: string, t: unknown, rank?: number): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`simdnet: ${op}: ${name} must be a Tensor, got ${describe(t)}`);
  t.assertUsable(`${op}: ${name}`);
  if (t.dtype === 'int32') throw new TypeError(`simdnet: ${op}: ${name} must be a float tensor, got int32`);
  if (rank !== undefined && t.rank !== rank) {
    fail(op, `${name} must have rank ${rank}${rank === 4 ? ' (NHWC: [batch, height, width, channels])' : ''}, got shape ${formatShape(t.shape)}`);
  }
}

export function checkInt(op: string, name: string, t: unknown, rank?: number): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`simdnet: ${op}: ${name} must be a Tensor, got ${describe(t)}`);
  t.assertUsable(`${op}: ${name}`);
  if (t.dtype !== 'int32') throw new TypeError(`simdnet: ${op}: ${name} must be an int32 tensor, got ${t.dtype}`);
  if (rank !== undefined && t.rank !== rank) fail(op, `${name} must have rank ${rank}, got shape ${formatShape(t.shape)}`);
}

export function checkShapeEquals(op: string, name: string, t: Tensor, expected: readonly number[]): void {
  if (t.rank !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    fail(op, `${name} must have shape ${formatShape(expected)}, got ${formatShape(t.shape)}`);
  }
}

/** All float tensors of one op share a dtype; returns it. */
export function sameDtype(op: string, named: Record<string, Tensor | null | undefined>): FloatDtype {
  let dtype: FloatDtype | undefined;
  let first = '';
  for (const [name, t] of Object.entries(named)) {
    if (!t) continue;
    if (dtype === undefined) { dtype = t.dtype as FloatDtype; first = name; continue; }
    if (t.dtype !== dtype) throw new TypeError(`simdnet: ${op}: ${name} is ${t.dtype} but ${first} is ${dtype}; mixed dtypes are not supported`);
  }
  return dtype ?? 'float32';
}

export function positiveInt(op: string, name: string, v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1) fail(op, `${name} must be a positive integer, got ${describe(v)}`);
  return v as number;
}

export function nonNegativeInt(op: string, name: string, v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) fail(op, `${name} must be a non-negative integer, got ${describe(v)}`);
  return v as number;
}

/** A number or [h, w] pair of positive integers. */
export function pair(op: string, name: string, v: unknown, check = positiveInt): [number, number] {
  if (Array.isArray(v)) {
    if (v.length !== 2) fail(op, `${name} must be a number or [height, width], got ${describe(v)}`);
    return [check(op, `${name}[0]`, v[0]), check(op, `${name}[1]`, v[1])];
  }
  const n = check(op, name, v);
  return [n, n];
}

export function finiteNumber(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(op, `${name} must be a finite number, got ${describe(v)}`);
  return v;
}

export function checkOptions(op: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`simdnet: ${op}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new TypeError(`simdnet: ${op}: unknown option '${key}' (allowed: ${allowed.join(', ')})`);
  }
}

/** Resolves a possibly negative axis against a rank. */
export function axisOf(op: string, axis: unknown, rank: number, name = 'axis'): number {
  if (!Number.isInteger(axis) || (axis as number) < -rank || (axis as number) >= Math.max(rank, 1)) {
    fail(op, `${name} must be an integer in [${-rank}, ${rank - 1}], got ${describe(axis)}`);
  }
  return ((axis as number) + rank) % Math.max(rank, 1);
}

export function describe(v: unknown): string {
  if (v instanceof Tensor) return `a tensor of shape ${formatShape(v.shape)}`;
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}
