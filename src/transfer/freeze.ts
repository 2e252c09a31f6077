/**
 * Freezing pretrained layers and giving them a smaller learning rate than a new head.
 *
 * A frozen parameter has requiresGrad false: optimizers skip it, and — because an op's output needs
 * a gradient only when one of its inputs does — a GradientTape records nothing of the forward until
 * the first trainable layer, so the frozen part costs no backward work and keeps no activations.
 */
import type { Module } from '../nn/module.ts';
import type { Tensor } from '../tensor.ts';
import { findHead } from './head.ts';
import { isWithin, locate, ModulePathError, normalisePath, pathsFrom, pathsUpTo, type ModulePath } from './paths.ts';

/** Which part of a model to freeze or unfreeze; at most one key. Nothing means the whole model. */
export interface LayerSelection {
  /** Every child up to and including this one ('layer3', 'features.7'). */
  upTo?: ModulePath;
  /** This child and every child after it ('layer4'). */
  from?: ModulePath;
  /** The first N children that hold parameters (ReLU, pooling and other parameter-free children are not counted). */
  first?: number;
  /** The last N children that hold parameters. */
  last?: number;
  /** Exactly these parts. */
  only?: ModulePath | ModulePath[];
}

/** Stops training the selected parameters; returns their state-dict names. */
export function freeze(model: Module, selection: LayerSelection = {}): string[] {
  return setTrainable(model, selection, false, 'freeze');
}

/** Trains the selected parameters again; returns their state-dict names. */
export function unfreeze(model: Module, selection: LayerSelection = {}): string[] {
  return setTrainable(model, selection, true, 'unfreeze');
}

function setTrainable(model: Module, selection: LayerSelection, flag: boolean, op: string): string[] {
  const roots = selectedPaths(model, selection, op);
  const named = model.namedParameters().filter(([name]) => roots === 'all' || roots.some((r) => isWithin(name, r)));
  for (const [, p] of named) p.requiresGrad = flag;
  return named.map(([name]) => name);
}

/** The module paths a selection covers, or 'all'. */
export function selectedPaths(model: Module, selection: LayerSelection, op: string): string[] | 'all' {
  if (selection === null || typeof selection !== 'object') throw new TypeError(`simdnet: ${op}: the selection must be an object such as { upTo: 'layer3' }, got ${String(selection)}`);
  const known = ['upTo', 'from', 'first', 'last', 'only'];
  const unknown = Object.keys(selection).filter((k) => !known.includes(k));
  if (unknown.length) throw new TypeError(`simdnet: ${op}: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (use one of ${known.join(', ')})`);
  const given = known.filter((k) => (selection as Record<string, unknown>)[k] !== undefined);
  if (given.length > 1) throw new TypeError(`simdnet: ${op}: give one of ${given.join(', ')}, not several`);
  const { upTo, from, first, last, only } = selection;
  if (upTo !== undefined) return pathsUpTo(model, upTo, op);
  if (from !== undefined) return pathsFrom(model, from, op);
  if (only !== undefined) return (Array.isArray(only) ? only : [only]).map((p) => locate(model, p, op).path);
  if (first !== undefined || last !== undefined) {
    const learning = model.namedChildren().filter(([, m]) => m.parameters().length > 0).map(([n]) => n);
    const count = (first ?? last)!;
    const key = first !== undefined ? 'first' : 'last';
    if (!Number.isSafeInteger(count) || count < 0 || count > learning.length) {
      throw new RangeError(`simdnet: ${op}: ${key} must be an integer in [0, ${learning.length}] (${model.constructor.name} has ${learning.length} children with parameters: ${learning.join(', ')}), got ${count}`);
    }
    return first !== undefined ? learning.slice(0, count) : learning.slice(learning.length - count);
  }
  return 'all';
}

export interface ParameterGroupOptions {
  /** The new head (default: the last Linear layer); several paths for several heads. */
  head?: ModulePath | ModulePath[];
  /** Learning rate of the pretrained part (typically ~10× smaller than headLr). */
  backboneLr: number;
  /** Learning rate of the head. */
  headLr: number;
}

/** A parameter group as sn.optim.SGD and sn.optim.Adam take it. */
export interface LrGroup {
  params: Tensor[];
  lr: number;
}

/**
 * Two parameter groups for fine-tuning: [backbone at backboneLr, head at headLr], to pass to
 * `new sn.optim.SGD(groups, { lr: headLr, momentum: 0.9 })`. Frozen parameters are included (the
 * optimizer skips them while frozen), so unfreezing later needs no new optimizer.
 */
export function parameterGroups(model: Module, options: ParameterGroupOptions): [LrGroup, LrGroup] {
  if (options === null || typeof options !== 'object') throw new TypeError('simdnet: parameterGroups: options { backboneLr, headLr } are required');
  for (const key of ['backboneLr', 'headLr'] as const) {
    const lr = options[key];
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) throw new RangeError(`simdnet: parameterGroups: ${key} must be a finite number ≥ 0, got ${String(lr)}`);
  }
  const heads = options.head === undefined
    ? [findHead(model, {}, 'parameterGroups')]
    : (Array.isArray(options.head) ? options.head : [options.head]).map((h) => locate(model, normalisePath(h, 'parameterGroups'), 'parameterGroups').path);
  const named = model.namedParameters();
  const inHead = ([name]: [string, Tensor]) => heads.some((h) => isWithin(name, h));
  const head = named.filter(inHead).map(([, p]) => p);
  if (head.length === 0) throw new ModulePathError(`simdnet: parameterGroups: the head ${heads.map((h) => `'${h}'`).join(', ')} has no parameters`);
  return [
    { params: named.filter((e) => !inHead(e)).map(([, p]) => p), lr: options.backboneLr },
    { params: head, lr: options.headLr },
  ];
}
