/** Reductions, softmax, and the losses composed from them. */
import { recordOp } from '../autograd/tape.ts';
import { backend } from '../runtime.ts';
import { formatShape, Tensor, type FloatDtype } from '../tensor.ts';
import { affine, square, sub } from './elementwise.ts';
import { around } from './shape.ts';
import { axisOf, checkFloat, checkInt, checkOptions, fail, sameDtype } from './validate.ts';
import { kernels, output, scratchTensor } from './util.ts';

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
  const view = () => (dtype === 'float64' ? backend().heap.f64 : backend().heap.f32);
  const shift = dtype === 'float64' ? 3 : 2;
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

