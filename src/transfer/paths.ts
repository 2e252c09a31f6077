/**
 * Addressing a model's parts by their state-dict paths — 'fc', 'classifier.6', 'layer3' — which is
 * what transfer learning cuts, swaps and freezes. A path is a chain of child attribute names, as in
 * PyTorch's named_modules(); a Sequential's children are '0', '1', …, so a number names one of them.
 */
import { Module } from '../nn/module.ts';

/** A dotted child path ('classifier.6'), or a number for a child of a Sequential. */
export type ModulePath = string | number;

/** Thrown when a path names no module, with the children that do exist at that level. */
export class ModulePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModulePathError';
  }
}

export interface Located {
  /** The module the path names. */
  module: Module;
  /** Its parent (the model itself for a top-level child). */
  parent: Module;
  /** Its attribute name in the parent. */
  name: string;
  /** The path, normalised to a dotted string. */
  path: string;
}

/** The module a path names, or a ModulePathError that says which part is missing and what exists. */
export function locate(model: Module, path: ModulePath, op: string): Located {
  const normalised = normalisePath(path, op);
  const parts = normalised.split('.');
  let parent = model;
  let module = model;
  for (const [i, part] of parts.entries()) {
    const child = module.namedChildren().find(([n]) => n === part)?.[1];
    if (!child) {
      const where = i === 0 ? module.constructor.name : `${module.constructor.name} at '${parts.slice(0, i).join('.')}'`;
      throw new ModulePathError(`simdnet: ${op}: ${where} has no child '${part}' (${describeChildren(module)})`);
    }
    parent = module;
    module = child;
  }
  return { module, parent, name: parts[parts.length - 1]!, path: normalised };
}

/** 'a.b' from 'a.b' or 3 → '3'; rejects empty strings, empty segments and non-integers. */
export function normalisePath(path: ModulePath, op: string): string {
  if (typeof path === 'number') {
    if (!Number.isSafeInteger(path) || path < 0) throw new ModulePathError(`simdnet: ${op}: a numeric module path must be a non-negative integer (a Sequential index), got ${path}`);
    return String(path);
  }
  if (typeof path !== 'string' || path === '' || path.split('.').some((p) => p === '')) {
    throw new ModulePathError(`simdnet: ${op}: a module path must be a dotted attribute path such as 'fc' or 'classifier.6', got ${JSON.stringify(path)}`);
  }
  return path;
}

/**
 * Puts `replacement` where `name` is in `parent`. Keeping the attribute in place keeps its position
 * among the parent's own properties, so state-dict keys keep their order.
 */
export function setChild(parent: Module, name: string, replacement: Module): void {
  (parent as unknown as Record<string, Module>)[name] = replacement;
}

/**
 * The children that come after the one a path names, at every level of the path, as full paths:
 * for 'features.5' in an AlexNet, 'features.6' … 'features.12', 'avgpool', 'classifier'. Definition
 * order is taken as forward order, as in every torchvision model.
 */
export function pathsAfter(model: Module, path: ModulePath, op: string): string[] {
  return siblingsAround(model, path, op).after;
}

/** The children before the one a path names at every level, plus the path itself. */
export function pathsUpTo(model: Module, path: ModulePath, op: string): string[] {
  const { before, self } = siblingsAround(model, path, op);
  return [...before, self];
}

/** The path itself plus the children after it at every level. */
export function pathsFrom(model: Module, path: ModulePath, op: string): string[] {
  const { after, self } = siblingsAround(model, path, op);
  return [self, ...after];
}

function siblingsAround(model: Module, path: ModulePath, op: string): { before: string[]; self: string; after: string[] } {
  const self = locate(model, path, op).path;
  const parts = self.split('.');
  const before: string[] = [];
  const afterByLevel: string[][] = [];
  let module = model;
  for (const [i, part] of parts.entries()) {
    const prefix = parts.slice(0, i).join('.');
    const full = (n: string) => (prefix ? `${prefix}.${n}` : n);
    const children = module.namedChildren();
    const at = children.findIndex(([n]) => n === part);
    before.push(...children.slice(0, at).map(([n]) => full(n)));
    afterByLevel.push(children.slice(at + 1).map(([n]) => full(n)));
    module = children[at]![1];
  }
  // In forward order a child's later siblings run before its parent's later siblings.
  return { before, self, after: afterByLevel.reverse().flat() };
}

/** Whether `path` is `root` or inside it. */
export function isWithin(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}.`);
}

export function describeChildren(m: Module): string {
  const names = m.namedChildren().map(([n]) => n);
  return names.length ? `its children: ${names.join(', ')}` : 'it has no children';
}
