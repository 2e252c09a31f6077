/**
 * JS twins of assembly/kernels/optim.ts. Each operation is rounded to the float type (`round`),
 * the hyper-parameters too (the wasm exports receive them as float32), so the float32 twin
 * reproduces the wasm kernels bit for bit.
 */
import { ADAM_DECOUPLED, SGD_FIRST, SGD_NESTEROV, type Kernels } from '../kernels.ts';
import type { JsMemory } from './memory.ts';

type OptimKernels = Pick<Kernels, 'sgdStep' | 'adamStep'>;

export function optimKernels(mem: JsMemory): OptimKernels {
  const r = mem.round;
  return {
    sgdStep(w, g, v, n, lr, momentum, dampening, weightDecay, flags) {
      const f = mem.float, s = mem.shift;
      const W = w >> s, G = g >> s, V = v >> s;
      lr = r(lr); momentum = r(momentum); weightDecay = r(weightDecay);
      const keep = r(1 - r(dampening));
      const nesterov = (flags & SGD_NESTEROV) !== 0, first = (flags & SGD_FIRST) !== 0;
      for (let i = 0; i < n; i++) {
        const wi = f[W + i]!;
        const d = r(f[G + i]! + r(weightDecay * wi));
        let step = d;
        if (momentum !== 0) {
          const vi = first ? d : r(r(momentum * f[V + i]!) + r(keep * d));
          f[V + i] = vi;
          step = nesterov ? r(d + r(momentum * vi)) : vi;
        }
        f[W + i] = r(wi - r(lr * step));
      }
    },
    adamStep(w, g, m, v, n, lr, beta1, beta2, eps, weightDecay, flags, c1, c2) {
      const f = mem.float, s = mem.shift;
      const W = w >> s, G = g >> s, M = m >> s, V = v >> s;
      lr = r(lr); beta1 = r(beta1); beta2 = r(beta2); eps = r(eps); weightDecay = r(weightDecay);
      c1 = r(c1); c2 = r(c2);
      const decoupled = (flags & ADAM_DECOUPLED) !== 0;
      const shrink = decoupled ? r(1 - r(lr * weightDecay)) : 1;
      const coupled = decoupled ? 0 : weightDecay;
      const stepSize = r(lr / c1), a1 = r(1 - beta1), a2 = r(1 - beta2);
      for (let i = 0; i < n; i++) {
        const w0 = f[W + i]!;
        const gi = r(f[G + i]! + r(coupled * w0));
        const wi = r(w0 * shrink);
        const mi = r(r(beta1 * f[M + i]!) + r(a1 * gi));
        const vi = r(r(beta2 * f[V + i]!) + r(r(a2 * gi) * gi));
        f[M + i] = mi;
        f[V + i] = vi;
        f[W + i] = r(wi - r(r(stepSize * mi) / r(r(Math.sqrt(r(vi / c2))) + eps)));
      }
    },
  };
}
