/** Inverted dropout with a seeded, counter-based mask (the same mask whatever the thread count). */
import { recordOp } from '../autograd/tape.ts';
import { BINARY_MUL } from '../backend/kernels.ts';
import { defaultRandom } from '../random.ts';
import { Tensor, type FloatDtype } from '../tensor.ts';
import { reshape } from './shape.ts';
import { checkFloat, checkOptions, describe, fail } from './validate.ts';
import { kernels, output, scratchTensor } from './util.ts';

export interface DropoutOptions {
  /** Probability of zeroing an element (default 0.5). */
  p?: number;
  /** Only in training does dropout drop; otherwise it is the identity (default true). */
  training?: boolean;
  /** Seed of the mask; drawn from the global generator (see `seed`) when absent. */
  seed?: number;
}

export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  checkOptions('dropout', options, ['p', 'training', 'seed']);
  checkFloat('dropout', 'x', x);
  const p = options.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) fail('dropout', `p must be in [0, 1), got ${describe(p)}`);
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) fail('dropout', `seed must be an integer, got ${describe(options.seed)}`);
  const training = options.training ?? true;
  if (!training || p === 0) return reshape(x, x.shape);
  const seed = (options.seed ?? defaultRandom().nextUint32()) >>> 0;
  const dtype = x.dtype as FloatDtype;
  const k = kernels(dtype);
  const y = output(x.shape, dtype, [x]);
  const mask = scratchTensor(x.shape, dtype);
  k.dropoutForward(x.ptr, y.ptr, mask.ptr, x.size, p, seed | 0, 0);
  recordOp('dropout', [x, mask], [y], ([dy]) => {
    const dx = scratchTensor(x.shape, dtype);
    k.binary(BINARY_MUL, dy!.ptr, mask.ptr, dx.ptr, dx.size);
    return [dx, undefined];
  });
  mask.dispose();
  return y;
}
