/**
 * The pure-JS twins of every kernel: the same signatures as the wasm exports, over the same kind
 * of linear memory. They are the reference the wasm kernels are tested against, the `js` backend,
 * and (in float64) the oracle of the finite-difference gradient checks.
 */
import type { HeapViews } from '../heap.ts';
import type { Kernels } from '../kernels.ts';
import { jsMemory } from './memory.ts';
import { elementwiseKernels } from './elementwise.ts';
import { gemmKernels } from './gemm.ts';
import { convKernels } from './conv.ts';
import { poolKernels } from './pool.ts';
import { normKernels } from './norm.ts';
import { randomKernels } from './random.ts';
import { reduceKernels } from './reduce.ts';
import { optimKernels } from './optim.ts';

export function createJsKernels(views: HeapViews, dtype: 'float32' | 'float64'): Kernels {
  const mem = jsMemory(views, dtype);
  return {
    ...elementwiseKernels(mem),
    ...gemmKernels(mem),
    ...convKernels(mem),
    ...poolKernels(mem),
    ...reduceKernels(mem),
    ...normKernels(mem),
    ...randomKernels(mem),
    ...optimKernels(mem),
  };
}
