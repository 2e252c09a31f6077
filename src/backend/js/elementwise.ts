import type { Kernels } from '../kernels.ts';
import type { JsMemory } from './memory.ts';

/** JS twins of assembly/kernels/elementwise.ts. */
export function elementwiseKernels(mem: JsMemory): Pick<Kernels, 'fill'> {
  return {
    fill(y, value, n) {
      const f = mem.float, o = y >> mem.shift;
      f.fill(value, o, o + n);
    },
  };
}
