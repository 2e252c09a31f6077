/** Reductions, softmax, and the losses composed from them. */
import { recordOp } from '../autograd/tape.ts';
import { backend } from '../runtime.ts';
import { formatShape, Tensor, type FloatDtype } from '../tensor.ts';
import { affine, square, sub } from './elementwise.ts';
import { around } from './shape.ts';
import { axisOf, checkFloat, checkInt, checkOptions, fail, sameDtype } from './validate.ts';
import { floatHeap, kernels, output, scratchTensor } from './util.ts';

export interface ReduceOptions {
  /** An axis or axes to reduce; all of them when absent. */
  axis?: number | number[];
  /** Keep reduced dimensions as 1s. */
  keepDims?: boolean;
}

function reducedAxes(op: string, x: Tensor, axis: number | number[] | undefined): number[] {
  if (axis === undefined) return x.shape.map((_, i) => i);
  const list = (Array.isArray(axis) ? axis : [axis]).map((a) => axisOf(op, a, x.rank));
  if (new Set(list).size !== list.length) fail(op, `axis ${JSON.stringify(axis)} names a dimension twice`);
  return list.sort((a, b) => a - b);
}

/** Σ over the given axes (all by default). */
export function sum(x: Tensor, options: ReduceOptions = {}): Tensor {
  checkOptions('sum', options, ['axis', 'keepDims']);
  checkFloat('sum', 'x', x);
  const axes = reducedAxes('sum', x, options.axis);
  const dtype = x.dtype as FloatDtype;
  const k = kernels(dtype);
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = options.keepDims ? keptShape : x.shape.filter((_, i) => !axes.includes(i));
  const y = output(outShape, dtype, [x]);
  if (axes.length === x.rank) {
    k.reduceSum(x.ptr, y.ptr, 1, x.size, 1);
  } else {
    // One axis at a time, last first, through temporaries.
    let src = x.ptr, shape = [...x.shape];
    const temps: Tensor[] = [];
    axes.slice().reverse().forEach((ax, i) => {
      const [outer, len, inner] = around(shape, ax);
      const last = i === axes.length - 1;
      const dst = last ? y : scratchTensor(shape.map((d, j) => (j === ax ? 1 : d)), dtype);
      if (!last) temps.push(dst);
      k.reduceSum(src, dst.ptr, outer, len, inner);
      src = dst.ptr;
      shape[ax] = 1;
    });
    temps.forEach((t) => t.dispose());
  }
  recordOp('sum', [x], [y], ([dy]) => {
    // Broadcast dy back over the reduced axes, first axis first.
    let src = dy!, shape = [...keptShape];
    const owned: Tensor[] = [];
    for (const ax of axes) {
      const grown = shape.map((d, j) => (j === ax ? x.shape[ax]! : d));
      const dst = scratchTensor(grown, dtype);
      const [outer, len, inner] = around(grown, ax);
      k.broadcastAxis(src.ptr, dst.ptr, outer, len, inner);
      owned.push(dst);
      src = dst;
      shape = grown;
    }
    if (owned.length === 0) {
      const copy = scratchTensor(x.shape, dtype);
      k.copy2d(dy!.ptr, 0, 0, copy.ptr, 0, 0, 1, x.size);
      return [copy];
    }
    owned.slice(0, -1).forEach((t) => t.dispose());
    return [owned[owned.length - 1]!];
  });
  return y;
}

/** Mean over the given axes (all by default). */
export function mean(x: Tensor, options: ReduceOptions = {}): Tensor {
  checkOptions('mean', options, ['axis', 'keepDims']);
  checkFloat('mean', 'x', x);
  const axes = reducedAxes('mean', x, options.axis);
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  if (count === 0) fail('mean', `cannot average over zero elements (shape ${formatShape(x.shape)})`);
  const s = sum(x, options);
  const m = affine(s, 1 / count);
  s.dispose();
  return m;
}

function softmaxLike(name: 'softmax' | 'logSoftmax', x: Tensor, options: { axis?: number }): Tensor {
  checkOptions(name, options, ['axis']);
  checkFloat(name, 'x', x);
  if (x.rank === 0) fail(name, 'x must have at least one dimension');
  const ax = axisOf(name, options.axis ?? -1, x.rank);
  const dtype = x.dtype as FloatDtype;
  const k = kernels(dtype);
  const [outer, len, inner] = around(x.shape, ax);
  const y = output(x.shape, dtype, [x]);
  (name === 'softmax' ? k.softmax : k.logSoftmax).call(k, x.ptr, y.ptr, outer, len, inner);
  recordOp(name, [x], [y], ([dy]) => {
    const dx = scratchTensor(x.shape, dtype);
    (name === 'softmax' ? k.softmaxBackward : k.logSoftmaxBackward).call(k, y.ptr, dy!.ptr, dx.ptr, outer, len, inner);
    return [dx];
  });
  return y;
}

/** exp(x) / Σ exp(x) along an axis (the last by default). */
export function softmax(x: Tensor, options: { axis?: number } = {}): Tensor {
  return softmaxLike('softmax', x, options);
}

/** log(softmax(x)) along an axis, computed stably. */
export function logSoftmax(x: Tensor, options: { axis?: number } = {}): Tensor {
  return softmaxLike('logSoftmax', x, options);
}

export type Reduction = 'mean' | 'sum' | 'none';

function reduce(name: string, perSample: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return perSample;
  const r = reduction === 'sum' ? sum(perSample) : mean(perSample);
  perSample.dispose();
  return r;
}

function checkReduction(op: string, reduction: unknown): Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    fail(op, `reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  }
  return reduction;
}

/** Checks integer class labels against the number of classes before any kernel runs. */
function checkLabels(op: string, labels: Tensor, rows: number, classes: number): void {
  checkInt(op, 'labels', labels, 1);
  if (labels.size !== rows) fail(op, `labels has ${labels.size} entries for ${rows} rows of scores`);
  const heap = backend().heap.i32;
  const base = labels.ptr >> 2;
  for (let i = 0; i < rows; i++) {
    const label = heap[base + i]!;
    if (label < 0 || label >= classes) fail(op, `labels[${i}] is ${label}, outside the ${classes} classes [0, ${classes - 1}]`);
  }
}

/** −logp[r, labels[r]] per row: the negative log-likelihood of log-probabilities [N, C]. */
export function nllLoss(logp: Tensor, labels: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkOptions('nllLoss', options, ['reduction']);
  checkFloat('nllLoss', 'logp', logp, 2);
  const reduction = checkReduction('nllLoss', options.reduction ?? 'mean');
  const [rows, classes] = logp.shape as [number, number];
  checkLabels('nllLoss', labels, rows, classes);
  const dtype = logp.dtype as FloatDtype;
  const k = kernels(dtype);
  const losses = output([rows], dtype, [logp]);
  k.nllLoss(logp.ptr, labels.ptr, losses.ptr, rows, classes);
  recordOp('nllLoss', [logp], [losses], ([dl]) => {
    const dlogp = scratchTensor(logp.shape, dtype);
    k.nllLossBackward(dl!.ptr, labels.ptr, dlogp.ptr, rows, classes);
    return [dlogp];
  });
  return reduce('nllLoss', losses, reduction);
}

/** Softmax cross-entropy of scores [N, C] against int32 labels [N] (PyTorch's F.cross_entropy). */
export function crossEntropy(logits: Tensor, labels: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkOptions('crossEntropy', options, ['reduction']);
  checkFloat('crossEntropy', 'logits', logits, 2);
  checkReduction('crossEntropy', options.reduction ?? 'mean');
  checkLabels('crossEntropy', labels, logits.shape[0]!, logits.shape[1]!);
  const logp = logSoftmax(logits, { axis: 1 });
  const loss = nllLoss(logp, labels, options);
  logp.dispose();
  return loss;
}

/** Mean squared error (PyTorch's F.mse_loss). */
export function mseLoss(prediction: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkOptions('mseLoss', options, ['reduction']);
  checkFloat('mseLoss', 'prediction', prediction);
  checkFloat('mseLoss', 'target', target);
  sameDtype('mseLoss', { prediction, target });
  if (prediction.rank !== target.rank || prediction.shape.some((d, i) => d !== target.shape[i])) {
    fail('mseLoss', `prediction ${formatShape(prediction.shape)} and target ${formatShape(target.shape)} must have the same shape`);
  }
  const reduction = checkReduction('mseLoss', options.reduction ?? 'mean');
  const d = sub(prediction, target);
  const s = square(d);
  d.dispose();
  return reduce('mseLoss', s, reduction);
}

/** Multiclass hinge loss Σ_{j≠y} max(0, s_j − s_y + margin) per row (the linear SVM of CS231n). */
export function hingeLoss(scores: Tensor, labels: Tensor, options: { margin?: number; reduction?: Reduction } = {}): Tensor {
  checkOptions('hingeLoss', options, ['margin', 'reduction']);
  checkFloat('hingeLoss', 'scores', scores, 2);
  const [rows, classes] = scores.shape as [number, number];
  checkLabels('hingeLoss', labels, rows, classes);
  const reduction = checkReduction('hingeLoss', options.reduction ?? 'mean');
  const margin = options.margin ?? 1;
  const dtype = scores.dtype as FloatDtype;
  // Few rows × few classes: a JS loop over the heap is as fast as a kernel call here.
  const { view, shift } = floatHeap(dtype);
  const labelAt = (r: number) => backend().heap.i32[(labels.ptr >> 2) + r]!;
  const losses = output([rows], dtype, [scores]);
  {
    const f = view(), s = scores.ptr >> shift, o = losses.ptr >> shift;
    for (let r = 0; r < rows; r++) {
      const y = labelAt(r), sy = f[s + r * classes + y]!;
      let l = 0;
      for (let j = 0; j < classes; j++) if (j !== y) l += Math.max(0, f[s + r * classes + j]! - sy + margin);
      f[o + r] = l;
    }
  }
  recordOp('hingeLoss', [scores], [losses], ([dl]) => {
    const ds = scratchTensor(scores.shape, dtype);
    const f = view(), s = scores.ptr >> shift, g = ds.ptr >> shift, d = dl!.ptr >> shift;
    for (let r = 0; r < rows; r++) {
      const y = labelAt(r), sy = f[s + r * classes + y]!;
      let active = 0;
      for (let j = 0; j < classes; j++) {
        const on = j !== y && f[s + r * classes + j]! - sy + margin > 0;
        f[g + r * classes + j] = on ? f[d + r]! : 0;
        if (on) active++;
      }
      f[g + r * classes + y] = -active * f[d + r]!;
    }
    return [ds];
  });
  return reduce('hingeLoss', losses, reduction);
}


/** Targets must match the scores' shape and dtype and lie in [0, 1]; checked before anything runs. */
function checkBinaryTargets(op: string, scoresName: string, scores: Tensor, targets: Tensor): FloatDtype {
  checkFloat(op, scoresName, scores);
  checkFloat(op, 'targets', targets);
  const dtype = sameDtype(op, { [scoresName]: scores, targets });
  if (scores.rank !== targets.rank || scores.shape.some((d, i) => d !== targets.shape[i])) {
    fail(op, `${scoresName} ${formatShape(scores.shape)} and targets ${formatShape(targets.shape)} must have the same shape`);
  }
  const { view, shift } = floatHeap(dtype);
  const f = view(), t = targets.ptr >> shift;
  for (let i = 0; i < targets.size; i++) {
    const v = f[t + i]!;
    if (!(v >= 0 && v <= 1)) fail(op, `targets[${i}] is ${v}, outside [0, 1]`);
  }
  return dtype;
}

/** PyTorch clamps each log term of the binary cross-entropy at −100, so p = 0 or 1 gives a finite loss. */
const LOG_FLOOR = -100;
const clampedLog = (v: number) => Math.max(Math.log(v), LOG_FLOOR);

/**
 * Binary cross-entropy of probabilities p ∈ [0, 1] against targets t ∈ [0, 1] of the same shape,
 * elementwise −(t·log p + (1 − t)·log(1 − p)) with each log clamped at −100 (PyTorch's
 * F.binary_cross_entropy). For sigmoid outputs prefer binaryCrossEntropyWithLogits, which never
 * rounds a probability to 0 or 1.
 */
export function binaryCrossEntropy(probabilities: Tensor, targets: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  const op = 'binaryCrossEntropy';
  checkOptions(op, options, ['reduction']);
  const dtype = checkBinaryTargets(op, 'probabilities', probabilities, targets);
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  const { view, shift } = floatHeap(dtype);
  {
    const f = view(), p = probabilities.ptr >> shift;
    for (let i = 0; i < probabilities.size; i++) {
      const v = f[p + i]!;
      if (!(v >= 0 && v <= 1)) fail(op, `probabilities[${i}] is ${v}, outside [0, 1]`);
    }
  }
  const n = probabilities.size;
  const losses = output(probabilities.shape, dtype, [probabilities, targets]);
  {
    const f = view(), p = probabilities.ptr >> shift, t = targets.ptr >> shift, o = losses.ptr >> shift;
    for (let i = 0; i < n; i++) f[o + i] = -(f[t + i]! * clampedLog(f[p + i]!) + (1 - f[t + i]!) * clampedLog(1 - f[p + i]!));
  }
  recordOp(op, [probabilities, targets], [losses], ([dl], needs) => {
    const grads: (Tensor | undefined)[] = [undefined, undefined];
    const f = () => view();
    const p = probabilities.ptr >> shift, t = targets.ptr >> shift, d = dl!.ptr >> shift;
    if (needs[0]) {
      // d/dp = (p − t) / (p(1 − p)), with the denominator kept from 0 as PyTorch does (eps 1e-12).
      const dp = scratchTensor(probabilities.shape, dtype);
      const v = f(), g = dp.ptr >> shift;
      for (let i = 0; i < n; i++) v[g + i] = v[d + i]! * (v[p + i]! - v[t + i]!) / Math.max(v[p + i]! * (1 - v[p + i]!), 1e-12);
      grads[0] = dp;
    }
    if (needs[1]) {
      const dt = scratchTensor(targets.shape, dtype);
      const v = f(), g = dt.ptr >> shift;
      for (let i = 0; i < n; i++) v[g + i] = v[d + i]! * (clampedLog(1 - v[p + i]!) - clampedLog(v[p + i]!));
      grads[1] = dt;
    }
    return grads;
  });
  return reduce(op, losses, reduction);
}

/**
 * Binary cross-entropy of logits z (any real) against targets t ∈ [0, 1] of the same shape: the
 * loss of sigmoid(z), computed stably as max(z, 0) − z·t + log(1 + e^−|z|) (PyTorch's
 * F.binary_cross_entropy_with_logits). Each element is its own two-class problem, so ten outputs
 * against one-hot targets train ten one-vs-rest classifiers.
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  checkOptions(op, options, ['reduction']);
  const dtype = checkBinaryTargets(op, 'logits', logits, targets);
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  const { view, shift } = floatHeap(dtype);
  const n = logits.size;
  const losses = output(logits.shape, dtype, [logits, targets]);
  {
    const f = view(), z = logits.ptr >> shift, t = targets.ptr >> shift, o = losses.ptr >> shift;
    for (let i = 0; i < n; i++) {
      const v = f[z + i]!;
      f[o + i] = Math.max(v, 0) - v * f[t + i]! + Math.log1p(Math.exp(-Math.abs(v)));
    }
  }
  recordOp(op, [logits, targets], [losses], ([dl], needs) => {
    const grads: (Tensor | undefined)[] = [undefined, undefined];
    const z = logits.ptr >> shift, t = targets.ptr >> shift, d = dl!.ptr >> shift;
    if (needs[0]) {
      const dz = scratchTensor(logits.shape, dtype);
      const f = view(), g = dz.ptr >> shift;
      for (let i = 0; i < n; i++) f[g + i] = f[d + i]! * (1 / (1 + Math.exp(-f[z + i]!)) - f[t + i]!);
      grads[0] = dz;
    }
    if (needs[1]) {
      const dt = scratchTensor(targets.shape, dtype);
      const f = view(), g = dt.ptr >> shift;
      for (let i = 0; i < n; i++) f[g + i] = -f[d + i]! * f[z + i]!;
      grads[1] = dt;
    }
    return grads;
  });
  return reduce(op, losses, reduction);
}
