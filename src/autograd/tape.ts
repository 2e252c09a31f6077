/**
 * GradientTape (TensorFlow-style, eager). While `tape.record(fn)` runs, every op whose output
 * needs a gradient appends a record — its inputs, outputs and a backward closure built by the op
 * itself (micrograd's pattern). `tape.gradient(target, sources)` walks the records backwards,
 * runs only the backward closures on a path from a source to the target, accumulates where a
 * tensor feeds several ops, and returns one gradient per source. The tape keeps the tensors its
 * records need alive (even if the caller disposes them) and lets go once it has run.
 */
import { backend } from '../runtime.ts';
import { BINARY_ADD } from '../backend/kernels.ts';
import { empty, formatShape, Tensor, zeros, type FloatDtype } from '../tensor.ts';

/** Receives the gradient of each output (undefined where none flowed) and which inputs need one;
 *  returns the gradient of each input (undefined where not needed). */
export type BackwardFn = (outputGrads: (Tensor | undefined)[], needs: boolean[]) => (Tensor | undefined)[];

interface TapeRecord {
  op: string;
  inputs: Tensor[];
  outputs: Tensor[];
  backward: BackwardFn;
}

export interface GradientOptions {
  /** The gradient of the target to start from; required when the target is not a scalar. */
  upstream?: Tensor;
  /** What a source that did not take part in the computation gets: zeros (default) or an error. */
  unconnected?: 'zeros' | 'error';
}

const recording: GradientTape[] = [];
let paused = 0;

export class GradientTape {
  private records: TapeRecord[] = [];
  /** Ids of tensors produced by this tape's records. */
  private produced = new Set<number>();
  private watched = new Set<number>();
  private used = false;

  /** A persistent tape allows several gradient() calls; call dispose() when done with it. */
  constructor(readonly options: { persistent?: boolean } = {}) {}

  /** Runs fn with this tape recording, and returns what fn returns. */
  record<T>(fn: () => T): T {
    if (this.used) throw new Error('simdnet: this GradientTape has already computed its gradient; make a new one');
    recording.push(this);
    try {
      return fn();
    } finally {
      recording.splice(recording.lastIndexOf(this), 1);
    }
  }

  /** Marks a tensor whose requiresGrad is false as a source this tape should track. */
  watch(t: Tensor): void {
    this.watched.add(t.id);
  }

  /** @internal */
  tracks(t: Tensor): boolean {
    return (t.requiresGrad && t.dtype !== 'int32') || this.produced.has(t.id) || this.watched.has(t.id);
  }

  /** @internal */
  add(record: TapeRecord): void {
    for (const t of record.inputs) t.storage.retain();
    for (const t of record.outputs) {
      t.storage.retain();
      this.produced.add(t.id);
    }
    this.records.push(record);
  }

  /** Number of recorded ops (for tests and debugging). */
  get size(): number {
    return this.records.length;
  }

  /**
   * d target / d source for each source. The returned tensors are new; the caller owns them.
   */
  gradient(target: Tensor, sources: Tensor[], options: GradientOptions = {}): Tensor[] {
    if (this.used) throw new Error('simdnet: gradient() was already called on this non-persistent GradientTape; create it with { persistent: true } to call it again');
    if (!(target instanceof Tensor)) throw new TypeError('simdnet: gradient: the target must be a Tensor');
    if (!Array.isArray(sources)) throw new TypeError('simdnet: gradient: sources must be an array of tensors');
    sources.forEach((s, i) => {
      if (!(s instanceof Tensor)) throw new TypeError(`simdnet: gradient: source ${i} is not a Tensor`);
    });
    target.assertUsable('the gradient target');
    if (target.dtype === 'int32') throw new TypeError('simdnet: gradient: the target must be a float tensor');
    const { upstream, unconnected = 'zeros' } = options;
    if (upstream === undefined && target.size !== 1) {
      throw new Error(`simdnet: gradient: the target has shape ${formatShape(target.shape)}, not a scalar; pass { upstream } with the gradient of the target (same shape)`);
    }
    if (upstream !== undefined) {
      upstream.assertUsable('the upstream gradient');
      if (upstream.size !== target.size || upstream.dtype !== target.dtype) {
        throw new Error(`simdnet: gradient: upstream has shape ${formatShape(upstream.shape)} (${upstream.dtype}); the target has ${formatShape(target.shape)} (${target.dtype})`);
      }
    }
    try {
      return this.runBackward(target, sources, upstream, unconnected);
    } finally {
      if (!this.options.persistent) this.dispose();
    }
  }

  private runBackward(target: Tensor, sources: Tensor[], upstream: Tensor | undefined,
    unconnected: 'zeros' | 'error'): Tensor[] {
    // Which tensors depend on a source: only records on such a path run backwards.
    const dependsOnSource = new Set<number>(sources.map((s) => s.id));
    const relevant: boolean[] = this.records.map((r) => {
      const hit = r.inputs.some((t) => dependsOnSource.has(t.id));
      if (hit) for (const t of r.outputs) dependsOnSource.add(t.id);
      return hit;
    });
    const grads = new Map<number, Tensor>();
    const sourceIds = new Set(sources.map((s) => s.id));
    paused++;
    try {
      grads.set(target.id, upstream ? upstream.reshape(target.shape) : onesLike(target));
      for (let i = this.records.length - 1; i >= 0; i--) {
        const record = this.records[i]!;
        if (!relevant[i]) continue;
        const outputGrads = record.outputs.map((t) => grads.get(t.id));
        if (outputGrads.every((g) => g === undefined)) continue;
        const needs = record.inputs.map((t) => dependsOnSource.has(t.id));
        const inputGrads = record.backward(outputGrads, needs);
        // Gradients of this record's outputs are consumed, unless an output is itself a source.
        for (const t of record.outputs) {
          if (!sourceIds.has(t.id)) { grads.get(t.id)?.dispose(); grads.delete(t.id); }
        }
        record.inputs.forEach((t, j) => {
          const g = inputGrads[j];
          if (!g) return;
          if (!needs[j]) { g.dispose(); return; }
          accumulate(grads, t, g);
        });
      }
    } finally {
      paused--;
    }
    const result = sources.map((s, i) => {
      const g = grads.get(s.id);
      if (g) { grads.delete(s.id); return g.shape.length === s.shape.length ? g : reshapeOwned(g, s.shape); }
      if (unconnected === 'error') {
        throw new Error(`simdnet: gradient: source ${i} (shape ${formatShape(s.shape)}) did not take part in computing the target`);
      }
      return zeros(s.shape, s.dtype as FloatDtype);
    });
    for (const g of grads.values()) g.dispose();
    return result;
  }

  /** Lets go of every tensor the records hold. */
  dispose(): void {
    for (const r of this.records) {
      for (const t of r.inputs) t.storage.release();
      for (const t of r.outputs) t.storage.release();
    }
    this.records = [];
    this.produced.clear();
    this.used = true;
  }
}

function onesLike(t: Tensor): Tensor {
  const g = empty(t.shape, t.dtype, false);
  backend().kernels(t.dtype as FloatDtype).fill(g.ptr, 1, g.size);
  return g;
}

function reshapeOwned(g: Tensor, shape: readonly number[]): Tensor {
  const r = g.reshape(shape);
  g.dispose();
  return r;
}

function accumulate(grads: Map<number, Tensor>, t: Tensor, g: Tensor): void {
  if (g.size !== t.size) {
    throw new Error(`simdnet: internal error: a backward produced a gradient of shape ${formatShape(g.shape)} for a tensor of shape ${formatShape(t.shape)}`);
  }
  const previous = grads.get(t.id);
  if (!previous) { grads.set(t.id, g); return; }
  previous.storage.markWritten();
  backend().kernels(t.dtype as FloatDtype).binary(BINARY_ADD, previous.ptr, g.ptr, previous.ptr, previous.size);
  g.dispose();
}

/**
 * Records an op on every recording tape that tracks one of its inputs. The op's outputs then need
 * gradients too. Called by each op right after its forward kernel ran.
 */
export function recordOp(op: string, inputs: Tensor[], outputs: Tensor[], backward: BackwardFn): void {
  if (paused || recording.length === 0) return;
  for (const tape of recording) {
    if (inputs.some((t) => tape.tracks(t))) tape.add({ op, inputs, outputs, backward });
  }
}

/** Runs fn with gradient recording off (inference, optimizer updates, metrics). */
export function noGrad<T>(fn: () => T): T {
  paused++;
  try {
    return fn();
  } finally {
    paused--;
  }
}

export function isRecording(): boolean {
  return paused === 0 && recording.length > 0;
}
