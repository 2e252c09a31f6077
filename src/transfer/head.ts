/**
 * A network's classifier head: finding it, swapping it for a new one, and cutting it off so the
 * network returns its "CNN codes" (CS231n, Transfer Learning) — the activations that fed the head,
 * with the ReLU thresholding they had in training: 4096-d after AlexNet's fc7 + ReLU, 512-d after
 * ResNet-18's global pooling, 84-d after LeNet-5's F6 + ReLU.
 *
 * The head is named by its attribute path ('fc', 'classifier', 'classifier.6', 'fc3'). Without a
 * name it is the model's last Linear layer in definition order, which is torchvision's `fc` in
 * ResNet and GoogLeNet, `classifier.6` in AlexNet and VGG, and `fc3` in LeNet-5 (modern).
 */
import { Identity } from '../nn/layers/flatten.ts';
import { Linear } from '../nn/layers/linear.ts';
import type { InitOptions } from '../nn/init.ts';
import { Module } from '../nn/module.ts';
import type { Tensor } from '../tensor.ts';
import { isWithin, locate, ModulePathError, normalisePath, pathsAfter, setChild, type ModulePath } from './paths.ts';

export interface HeadOptions {
  /** The head's attribute path; default: the last Linear layer of the model. */
  head?: ModulePath;
}

/** The path of the model's classifier head (validated when given, found when not). */
export function findHead(model: Module, options: HeadOptions = {}, op = 'findHead'): string {
  checkModel(model, op);
  if (options.head !== undefined) return locate(model, options.head, op).path;
  const linears = model.namedModules().filter(([path, m]) => path !== '' && m instanceof Linear);
  if (linears.length === 0) {
    throw new ModulePathError(`simdnet: ${op}: ${model.constructor.name} has no Linear layer to take as its head; name it with { head: '<attribute path>' }`);
  }
  return linears[linears.length - 1]![0];
}

export interface ReplaceHeadOptions extends HeadOptions, InitOptions {}

/**
 * Puts a new head in the old one's place, in the model itself (torchvision's `model.fc =
 * nn.Linear(512, 5)`), and returns the old head (the caller may dispose it). The new head's
 * parameters take the old one's state-dict keys: 'fc.weight', 'classifier.6.bias'. Given a number
 * of classes instead of a module, the new head is a fresh Linear with the old head's input width.
 */
export function replaceHead(model: Module, newHead: Module | number, options: ReplaceHeadOptions = {}): Module {
  const path = findHead(model, options, 'replaceHead');
  const { module: old, parent, name } = locate(model, path, 'replaceHead');
  let replacement: Module;
  if (typeof newHead === 'number') {
    if (!Number.isSafeInteger(newHead) || newHead < 1) throw new RangeError(`simdnet: replaceHead: the number of classes must be a positive integer, got ${newHead}`);
    if (!(old instanceof Linear)) {
      throw new TypeError(`simdnet: replaceHead: the head '${path}' is a ${old.constructor.name}, not a Linear, so its input width is unknown; pass the new head as a Module`);
    }
    replacement = new Linear(old.inFeatures, newHead, options.random ? { random: options.random } : {});
  } else if (newHead instanceof Module) {
    if (newHead === model || model.namedModules().some(([, m]) => m === newHead)) {
      throw new TypeError('simdnet: replaceHead: the new head is already part of the model');
    }
    replacement = newHead;
  } else {
    throw new TypeError(`simdnet: replaceHead: the new head must be a Module or a number of classes, got ${describe(newHead)}`);
  }
  setChild(parent, name, replacement);
  return old;
}

/** Replaces the head by Identity in the model itself, so it returns the codes; returns the old head. */
export function removeHead(model: Module, options: HeadOptions = {}): Module {
  return replaceHead(model, new Identity(), options);
}

export interface FeatureExtractorOptions {
  /** Drop this head only (default: the last Linear): the codes are its input. */
  head?: ModulePath;
  /** Keep everything up to and including this child, drop everything after it (an earlier layer's codes). */
  upTo?: ModulePath;
}

/**
 * A view of `model` that returns codes instead of class scores, without changing the model: it
 * shares the model's weights, and while it runs the dropped parts are stood in for by Identity.
 * Its parameters and state-dict keys are the model's, minus the dropped parts'.
 *
 * - `{ head }` (or nothing): drops the classifier head; the codes are what fed it.
 * - `{ upTo }`: keeps the model up to and including that child — 'layer3', 'features.7', 'pool2'
 *   — and drops every child defined after it at each level of the path. The output is that
 *   child's activation, as the model's forward passes it on (flattened if the forward flattens).
 *
 * Definition order is taken as forward order, and the model's forward must only call its children
 * (a forward that does arithmetic between dropped children is not cut cleanly). Because the
 * weights are shared, freezing the view freezes the model, and disposing it disposes them.
 */
export function featureExtractor(model: Module, options: FeatureExtractorOptions = {}): FeatureExtractor {
  checkModel(model, 'featureExtractor');
  if (options.head !== undefined && options.upTo !== undefined) {
    throw new TypeError('simdnet: featureExtractor: give either { head } (drop the head only) or { upTo } (keep up to a layer), not both');
  }
  const dropped = options.upTo !== undefined
    ? pathsAfter(model, options.upTo, 'featureExtractor')
    : [findHead(model, { head: options.head }, 'featureExtractor')];
  if (dropped.length === 0) {
    throw new ModulePathError(`simdnet: featureExtractor: nothing comes after '${normalisePath(options.upTo!, 'featureExtractor')}' in ${model.constructor.name}, so nothing would be dropped`);
  }
  return new FeatureExtractor(model, dropped);
}

export class FeatureExtractor extends Module {
  private readonly standIn = new Identity();

  constructor(readonly source: Module, readonly dropped: readonly string[]) {
    super();
  }

  /** The source's children that are kept (a child with a dropped part inside is kept, minus that part). */
  override namedChildren(): [string, Module][] {
    return this.source.namedChildren().filter(([name]) => !this.dropped.includes(name));
  }

  /**
   * The source's modules minus the dropped subtrees, under the source's own paths: so parameters(),
   * stateDict(), train() and requiresGrad() see exactly the part that computes the codes.
   */
  override namedModules(prefix = ''): [string, Module][] {
    const kept = this.source.namedModules().filter(([path]) => !this.dropped.some((d) => isWithin(path, d)));
    return [[prefix, this], ...kept.map(([path, m]): [string, Module] => [joinPath(prefix, path), m])];
  }

  forward(x: Tensor): Tensor {
    // Resolved on every call, so a head replaced in the source after this view was made is still dropped.
    const swapped: { parent: Module; name: string; original: Module }[] = [];
    try {
      for (const path of this.dropped) {
        const { parent, name, module } = locate(this.source, path, 'FeatureExtractor');
        setChild(parent, name, this.standIn);
        swapped.push({ parent, name, original: module });
      }
      return this.source.forward(x);
    } finally {
      for (const { parent, name, original } of swapped.reverse()) setChild(parent, name, original);
    }
  }

  override extraRepr(): string {
    return `${this.source.constructor.name} without ${this.dropped.join(', ')}`;
  }
}

function joinPath(prefix: string, path: string): string {
  if (!prefix) return path;
  return path ? `${prefix}.${path}` : prefix;
}

function checkModel(model: unknown, op: string): asserts model is Module {
  if (!(model instanceof Module)) throw new TypeError(`simdnet: ${op}: expected a Module, got ${describe(model)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return typeof value === 'number' ? String(value) : typeof value;
}
