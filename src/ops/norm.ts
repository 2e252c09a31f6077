/** Normalisation: batch norm (training and inference) and AlexNet's local response normalisation. */
import { recordOp } from '../autograd/tape.ts';
import { formatShape, Tensor, type FloatDtype } from '../tensor.ts';
import { checkFloat, checkOptions, fail, finiteNumber, positiveInt, sameDtype } from './validate.ts';
import { floatHeap, kernels, output, scratchTensor } from './util.ts';

export interface BatchNormOptions {
  /** Normalise with the batch's statistics and update the running ones (default false). */
  training?: boolean;
  momentum?: number;
  eps?: number;
}


/**
 * Batch normalisation over the channels (last dimension) of any NHWC (or [N, C]) tensor.
 * In training, runningMean / runningVar are updated in place (PyTorch's rule: the running
 * variance takes the unbiased batch variance). weight / bias may be null.
 */
export function batchNorm2d(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null,
  weight: Tensor | null, bias: Tensor | null, options: BatchNormOptions = {}): Tensor {
  checkOptions('batchNorm2d', options, ['training', 'momentum', 'eps']);
  checkFloat('batchNorm2d', 'x', x);
  if (x.rank < 2) fail('batchNorm2d', `x must have a batch and a channel dimension, got shape ${formatShape(x.shape)}`);
  const channels = x.shape[x.rank - 1]!;
  const rows = x.size / Math.max(channels, 1);
  const named = { runningMean, runningVar, weight, bias };
  for (const [name, t] of Object.entries(named)) {
    if (t === null || t === undefined) continue;
    checkFloat('batchNorm2d', name, t, 1);
    if (t.size !== channels) fail('batchNorm2d', `${name} must have shape [${channels}] (one per channel), got ${formatShape(t.shape)}`);
  }
  const dtype = sameDtype('batchNorm2d', { x, ...named });
  const training = options.training ?? false;
  const momentum = finiteNumber('batchNorm2d', 'momentum', options.momentum ?? 0.1);
  const eps = finiteNumber('batchNorm2d', 'eps', options.eps ?? 1e-5);
  if (eps <= 0) fail('batchNorm2d', `eps must be positive, got ${eps}`);
  if (!training && (!runningMean || !runningVar)) fail('batchNorm2d', 'inference (training: false) needs runningMean and runningVar');
  if (training && rows < 2) fail('batchNorm2d', `training needs more than one value per channel, got shape ${formatShape(x.shape)}`);

  const k = kernels(dtype);
  const mean = scratchTensor([channels], dtype);
  const invStd = scratchTensor([channels], dtype);
  const { view, shift: sh } = floatHeap(dtype);
  if (training) {
    const variance = scratchTensor([channels], dtype);
    k.batchNormStats(x.ptr, mean.ptr, variance.ptr, rows, channels);
    const f = view();
    runningMean?.storage.markWritten();
    runningVar?.storage.markWritten();
    for (let c = 0; c < channels; c++) {
      const v = f[(variance.ptr >> sh) + c]!;
      f[(invStd.ptr >> sh) + c] = 1 / Math.sqrt(v + eps);
      if (runningMean) {
        const rm = (runningMean.ptr >> sh) + c;
        f[rm] = (1 - momentum) * f[rm]! + momentum * f[(mean.ptr >> sh) + c]!;
      }
      if (runningVar) {
        const rv = (runningVar.ptr >> sh) + c;
        f[rv] = (1 - momentum) * f[rv]! + momentum * v * rows / (rows - 1);
      }
    }
    variance.dispose();
  } else {
    const f = view();
    for (let c = 0; c < channels; c++) {
      f[(mean.ptr >> sh) + c] = f[(runningMean!.ptr >> sh) + c]!;
      f[(invStd.ptr >> sh) + c] = 1 / Math.sqrt(f[(runningVar!.ptr >> sh) + c]! + eps);
    }
  }
  const y = output(x.shape, dtype, [x, weight, bias]);
  k.batchNormForward(x.ptr, mean.ptr, invStd.ptr, weight ? weight.ptr : 0, bias ? bias.ptr : 0, y.ptr, rows, channels);
  const inputs = [x, weight, bias, mean, invStd].filter((t): t is Tensor => t !== null && t !== undefined);
  recordOp('batchNorm2d', inputs, [y], ([dy], needs) => {
    const dx = scratchTensor(x.shape, dtype); // the kernel always writes it
    const dgamma = weight && needs[1] ? scratchTensor([channels], dtype) : undefined;
    const biasIndex = weight ? 2 : 1;
    const dbeta = bias && needs[biasIndex] ? scratchTensor([channels], dtype) : undefined;
    k.batchNormBackward(training ? 1 : 0, x.ptr, dy!.ptr, mean.ptr, invStd.ptr, weight ? weight.ptr : 0,
      dx.ptr, dgamma ? dgamma.ptr : 0, dbeta ? dbeta.ptr : 0, rows, channels);
    if (!needs[0]) dx.dispose();
    const grads: (Tensor | undefined)[] = [needs[0] ? dx : undefined];
    if (weight) grads.push(dgamma);
    if (bias) grads.push(dbeta);
    return grads.concat([undefined, undefined]);
  });
  // The tape holds mean and invStd for the backward; this op lets go of its own handles.
  mean.dispose();
  invStd.dispose();
  return y;
}

export interface LocalResponseNormOptions {
  size: number;
  alpha?: number;
  beta?: number;
  k?: number;
}

/** PyTorch's LocalResponseNorm across channels (AlexNet: size 5, alpha 1e-4, beta 0.75, k 2). */
export function localResponseNorm(x: Tensor, options: LocalResponseNormOptions): Tensor {
  if (options === null || typeof options !== 'object') throw new TypeError('simdnet: localResponseNorm: options with size are required');
  checkOptions('localResponseNorm', options, ['size', 'alpha', 'beta', 'k']);
  checkFloat('localResponseNorm', 'x', x);
  if (x.rank < 2) fail('localResponseNorm', `x must have a channel dimension, got shape ${formatShape(x.shape)}`);
  const size = positiveInt('localResponseNorm', 'size', options.size);
  const alpha = finiteNumber('localResponseNorm', 'alpha', options.alpha ?? 1e-4);
  const beta = finiteNumber('localResponseNorm', 'beta', options.beta ?? 0.75);
  const kk = finiteNumber('localResponseNorm', 'k', options.k ?? 1);
  const dtype = x.dtype as FloatDtype;
  const channels = x.shape[x.rank - 1]!;
  const rows = x.size / Math.max(channels, 1);
  const k = kernels(dtype);
  const y = output(x.shape, dtype, [x]);
  const denom = scratchTensor(x.shape, dtype);
  k.lrnForward(x.ptr, y.ptr, denom.ptr, rows, channels, size, alpha, beta, kk);
  recordOp('localResponseNorm', [x, denom], [y], ([dy]) => {
    const dx = scratchTensor(x.shape, dtype);
    k.lrnBackward(x.ptr, y.ptr, denom.ptr, dy!.ptr, dx.ptr, rows, channels, size, alpha, beta, kk);
    return [dx, undefined];
  });
  denom.dispose();
  return y;
}
