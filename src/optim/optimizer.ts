/**
 * The optimizer base: parameter groups (each with its own hyper-parameters, e.g. a small learning
 * rate for pretrained layers and a larger one for a new head), frozen parameters skipped, and the
 * gradients handed in as `tape.gradient` returns them.
 */
import { backend } from '../runtime.ts';
import type { Kernels } from '../backend/kernels.ts';
import { empty, formatShape, keep, Tensor, type FloatDtype } from '../tensor.ts';

export interface ParamGroup<H> {
  params: Tensor[];
  /** Hyper-parameters of this group (defaults filled in from the optimizer's). */
  options: H;
  /** The learning rate the group started with (schedules scale from it). */
  initialLr: number;
}

export type GroupSpec<H> = { params: Tensor[] } & Partial<H>;

export abstract class Optimizer<H extends { lr: number }> {
  readonly groups: ParamGroup<H>[];
  private state: Tensor[] = [];

  constructor(params: Tensor[] | GroupSpec<H>[], defaults: H) {
    if (!Array.isArray(params) || params.length === 0) throw new TypeError(`simdnet: ${this.constructor.name}: give a non-empty array of parameters or of parameter groups`);
    const specs = (params[0] instanceof Tensor ? [{ params: params as Tensor[] }] : params) as GroupSpec<H>[];
    const seen = new Set<Tensor>();
    this.groups = specs.map((spec, g) => {
      if (!spec || !Array.isArray(spec.params)) throw new TypeError(`simdnet: ${this.constructor.name}: group ${g} needs a params array`);
      spec.params.forEach((p, i) => {
        if (!(p instanceof Tensor) || p.dtype === 'int32') throw new TypeError(`simdnet: ${this.constructor.name}: group ${g} param ${i} is not a float Tensor`);
        if (seen.has(p)) throw new Error(`simdnet: ${this.constructor.name}: a parameter appears in more than one group (group ${g}, index ${i})`);
        seen.add(p);
      });
      const { params: groupParams, ...overrides } = spec;
      const options = { ...defaults, ...overrides } as H;
      this.validate(options, g);
      return { params: groupParams, options, initialLr: options.lr };
    });
  }

  /** Every parameter, in group order: the order `step` expects gradients in. */
  parameters(): Tensor[] {
    return this.groups.flatMap((g) => g.params);
  }

  /**
   * Applies one update. grads: one gradient per parameter in `parameters()` order (as
   * `tape.gradient(loss, optimizer.parameters())` returns), or a Map from parameter to gradient.
   * Frozen parameters (requiresGrad false) and parameters without a gradient are skipped.
   */
  step(grads: (Tensor | undefined)[] | Map<Tensor, Tensor>): void {
    const params = this.parameters();
    const lookup = grads instanceof Map ? (p: Tensor) => grads.get(p) : (p: Tensor, i: number) => grads[i];
    if (!(grads instanceof Map) && grads.length !== params.length) {
      throw new Error(`simdnet: ${this.constructor.name}.step: got ${grads.length} gradients for ${params.length} parameters`);
    }
    // Every pair is checked before any parameter moves: a bad gradient leaves the model as it was.
    const updates: [Tensor, Tensor, H][] = [];
    let index = 0;
    for (const group of this.groups) {
      for (const p of group.params) {
        const g = lookup(p, index++);
        if (!p.requiresGrad || g === undefined) continue;
        p.assertUsable('a parameter');
        g.assertUsable('a gradient');
        if (g.size !== p.size || g.dtype !== p.dtype) {
          throw new Error(`simdnet: ${this.constructor.name}.step: gradient ${formatShape(g.shape)} (${g.dtype}) does not match parameter ${formatShape(p.shape)} (${p.dtype})`);
        }
        updates.push([p, g, group.options]);
      }
    }
    for (const [p, g, options] of updates) {
      this.update(p, g, options, backend().kernels(p.dtype as FloatDtype));
      p.storage.markWritten();
    }
    this.afterStep();
  }

  /**
   * A state buffer (momentum, moments) shaped like a parameter, zero-filled, living in linear
   * memory next to it so the update kernels read it in place. It outlives the tidy() scope of
   * the step that made it; dispose() frees it.
   */
  protected stateFor(p: Tensor): Tensor {
    const t = keep(empty(p.shape, p.dtype, false));
    backend().kernels(p.dtype as FloatDtype).fill(t.ptr, 0, t.size);
    this.state.push(t);
    return t;
  }

  /** Frees the optimizer's state (momentum buffers, Adam moments); a later step starts afresh. */
  dispose(): void {
    for (const t of this.state.splice(0)) t.dispose();
    this.resetState();
  }

  /** Sets the learning rate of every group (or of one). */
  setLearningRate(lr: number, group?: number): void {
    for (const [i, g] of this.groups.entries()) if (group === undefined || group === i) g.options.lr = lr;
  }

  protected afterStep(): void {}
  /** Forgets the per-parameter state after dispose() freed its buffers. */
  protected abstract resetState(): void;
  protected abstract validate(options: H, group: number): void;
  /** Updates parameter p in place from its gradient g (same shape and dtype, checked). */
  protected abstract update(p: Tensor, g: Tensor, options: H, kernels: Kernels): void;
}

export function checkHyper(optimizer: string, group: number, name: string, value: unknown, min: number, max = Infinity, minInclusive = true): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value > max || (minInclusive ? value < min : value <= min)) {
    throw new RangeError(`simdnet: ${optimizer}: ${name} of group ${group} must be a number in ${minInclusive ? '[' : '('}${min}, ${max}], got ${String(value)}`);
  }
}
