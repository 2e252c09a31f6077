/**
 * Module: the base of every layer and model. As in PyTorch, a module's attribute names ARE its
 * checkpoint format: a parameter stored as `this.weight` in a child stored as `this.conv1` is the
 * state-dict key `conv1.weight`. Parameters and buffers are tensors marked with `parameter()` /
 * `buffer()`; child modules are found the same way (own properties, in definition order).
 */
import { formatShape, Tensor, writeValues, type TypedArray } from '../tensor.ts';

const parameters = new WeakSet<Tensor>();
const buffers = new WeakSet<Tensor>();

/** Marks a tensor as a trainable parameter of the module whose attribute holds it. */
export function parameter(t: Tensor): Tensor {
  parameters.add(t);
  t.requiresGrad = true;
  return t;
}

/** Marks a tensor as persistent state that is not trained (running statistics, fixed codes). */
export function buffer(t: Tensor): Tensor {
  buffers.add(t);
  t.requiresGrad = false;
  return t;
}

export function isParameter(t: Tensor): boolean {
  return parameters.has(t);
}

export type StateDict = Record<string, Tensor>;

/** A value loadable into a tensor: a tensor, or a typed array / plain array with its shape. */
export type StateValue = Tensor | { shape: readonly number[]; data: TypedArray | ArrayLike<number> };

export interface LoadOptions {
  /** Require exactly the module's keys (default true); false loads the keys that match. */
  strict?: boolean;
}

export class StateDictError extends Error {
  constructor(readonly missing: string[], readonly unexpected: string[], readonly mismatched: string[]) {
    const parts: string[] = [];
    if (missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
    if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
    if (mismatched.length) parts.push(`wrong shapes: ${mismatched.join('; ')}`);
    super(`simdnet: loadStateDict: ${parts.join(' | ')}`);
    this.name = 'StateDictError';
  }
}

export abstract class Module {
  /** Training mode (dropout drops, batch norm uses batch statistics). */
  training = true;

  abstract forward(x: Tensor): Tensor;

  /** Child modules by attribute name, in definition order. */
  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  /** This module and every descendant with its dotted path ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  private ownTensors(kind: WeakSet<Tensor>): [string, Tensor][] {
    return Object.entries(this).filter((e): e is [string, Tensor] => e[1] instanceof Tensor && kind.has(e[1]));
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    return this.namedModules(prefix).flatMap(([path, m]) =>
      m.ownTensors(parameters).map(([n, t]): [string, Tensor] => [path ? `${path}.${n}` : n, t]));
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    return this.namedModules(prefix).flatMap(([path, m]) =>
      m.ownTensors(buffers).map(([n, t]): [string, Tensor] => [path ? `${path}.${n}` : n, t]));
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Parameters that are trained (requiresGrad), i.e. not frozen. */
  trainableParameters(): Tensor[] {
    return this.parameters().filter((t) => t.requiresGrad);
  }

  /** Number of parameter elements (all, or only the trainable ones). */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    return (options.trainableOnly ? this.trainableParameters() : this.parameters()).reduce((n, t) => n + t.size, 0);
  }

  /** Parameters and buffers by key, in PyTorch's order (the tensors themselves, not copies). */
  stateDict(): StateDict {
    const dict: StateDict = {};
    for (const [path, m] of this.namedModules()) {
      for (const [n, t] of [...m.ownTensors(parameters), ...m.ownTensors(buffers)]) dict[path ? `${path}.${n}` : n] = t;
    }
    return dict;
  }

  /**
   * Copies values into this module's parameters and buffers (in place, so optimizers keep their
   * references). All problems — missing, unexpected and mis-shaped keys — are reported together,
   * and nothing is written unless everything checks out.
   */
  loadStateDict(dict: Record<string, StateValue> | Map<string, StateValue>, options: LoadOptions = {}): void {
    const strict = options.strict ?? true;
    const entries = dict instanceof Map ? dict : new Map(Object.entries(dict));
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !entries.has(k));
    const unexpected = [...entries.keys()].filter((k) => !(k in own));
    const mismatched: string[] = [];
    for (const [key, target] of Object.entries(own)) {
      const value = entries.get(key);
      if (value === undefined) continue;
      const shape = value instanceof Tensor ? value.shape : value.shape;
      const size = value instanceof Tensor ? value.size : value.data.length;
      if (shape.length !== target.rank || shape.some((d, i) => d !== target.shape[i]) || size !== target.size) {
        mismatched.push(`${key}: expected ${formatShape(target.shape)}, got ${formatShape(shape)}`);
      }
    }
    if (mismatched.length || (strict && (missing.length || unexpected.length))) {
      throw new StateDictError(strict ? missing : [], strict ? unexpected : [], mismatched);
    }
    for (const [key, target] of Object.entries(own)) {
      const value = entries.get(key);
      if (value === undefined) continue;
      writeValues(target, value instanceof Tensor ? value.dataSync() : value.data);
    }
    this.afterLoad();
  }

  /** Hook for modules that cache something derived from their weights. */
  protected afterLoad(): void {}

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Freezes (false) or unfreezes (true) every parameter of this module and its children. */
  requiresGrad(flag = true): this {
    for (const t of this.parameters()) t.requiresGrad = flag;
    return this;
  }

  /** Frees every tensor this module and its children hold (parameters, buffers and private state). */
  dispose(): void {
    for (const [, m] of this.namedModules()) {
      for (const value of Object.values(m)) if (value instanceof Tensor) value.dispose();
    }
  }

  /** A short description of the layer's configuration (for summaries and printing). */
  extraRepr(): string {
    return '';
  }

  toString(indent = ''): string {
    const children = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (children.length === 0) return `${head})`;
    const inner = children.map(([n, c]) => `${indent}  (${n}): ${c.toString(indent + '  ')}`).join('\n');
    return `${head}\n${inner}\n${indent})`;
  }
}
