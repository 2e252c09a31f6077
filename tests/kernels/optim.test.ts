import { beforeAll, describe, expect, it } from 'vitest';
import { ADAM_DECOUPLED, SGD_FIRST, SGD_NESTEROV } from '../../src/backend/kernels.ts';
import { randomValues } from '../helpers/compare.ts';
import { kernelEnvs, type KernelEnv } from '../helpers/kernel-harness.ts';

let js: KernelEnv, js64: KernelEnv, wasm: KernelEnv[];
beforeAll(async () => {
  ({ js, js64, wasm } = await kernelEnvs());
});

const GUARD = 4;
/** Lengths around the vector width: empty, scalar tails of 1–3, and a long run. */
const LENGTHS = [0, 1, 3, 4, 7, 8, 1001];

interface Buffers { w: Float64Array; v: Float64Array; m?: Float64Array }

/** Runs `steps` updates on one env from seeded state and gradients; checks the guards behind every buffer. */
function runSgd(env: KernelEnv, n: number, o: { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean }, steps: number): Buffers {
  const w = env.alloc(n + GUARD), v = env.alloc(n + GUARD);
  env.backend.heap[env.dtype === 'float64' ? 'f64' : 'f32'].set(randomValues(n, 1), w >> (env.dtype === 'float64' ? 3 : 2));
  for (let s = 0; s < steps; s++) {
    const g = env.put(randomValues(n, 10 + s));
    const flags = (o.nesterov ? SGD_NESTEROV : 0) | (s === 0 ? SGD_FIRST : 0);
    env.k.sgdStep(w, g, o.momentum === 0 ? 0 : v, n, o.lr, o.momentum, o.dampening, o.weightDecay, flags);
  }
  const out = { w: env.get(w, n + GUARD), v: env.get(v, n + GUARD) };
  env.reset();
  for (const [name, buf] of Object.entries(out)) {
    expect(buf.subarray(n).every(Number.isNaN), `${env.name}: ${name} past the end`).toBe(true);
  }
  return { w: out.w.subarray(0, n), v: out.v.subarray(0, n) };
}

function runAdam(env: KernelEnv, n: number, o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean }, steps: number): Buffers {
  const f = env.dtype === 'float64' ? 'f64' : 'f32', shift = env.dtype === 'float64' ? 3 : 2;
  const w = env.alloc(n + GUARD), m = env.alloc(n + GUARD), v = env.alloc(n + GUARD);
  env.backend.heap[f].set(randomValues(n, 2), w >> shift);
  env.backend.heap[f].fill(0, m >> shift, (m >> shift) + n);
  env.backend.heap[f].fill(0, v >> shift, (v >> shift) + n);
  for (let t = 1; t <= steps; t++) {
    const g = env.put(randomValues(n, 20 + t));
    env.k.adamStep(w, g, m, v, n, o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, o.decoupled ? ADAM_DECOUPLED : 0,
      1 - o.beta1 ** t, 1 - o.beta2 ** t);
  }
  const out = { w: env.get(w, n + GUARD), m: env.get(m, n + GUARD), v: env.get(v, n + GUARD) };
  env.reset();
  for (const [name, buf] of Object.entries(out)) {
    expect(buf.subarray(n).every(Number.isNaN), `${env.name}: ${name} past the end`).toBe(true);
  }
  return { w: out.w.subarray(0, n), m: out.m.subarray(0, n), v: out.v.subarray(0, n) };
}

const SGD_CASES = [
  { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
  { lr: 0.05, momentum: 0, dampening: 0, weightDecay: 5e-4, nesterov: false },
  { lr: 0.01, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false },
  { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: true },
  { lr: 0.02, momentum: 0.5, dampening: 0.3, weightDecay: 1e-3, nesterov: false },
];

const ADAM_CASES = [
  { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false },
  { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.01, decoupled: false },
  { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true },
];

describe('sgdStep', () => {
  it("follows PyTorch's rule over three steps (float64 twin, by hand)", () => {
    // w = 1, g = 1, 2, 3, momentum 0.9, wd 0.5, lr 0.1: d = g + 0.5·w; v1 = d1, v = 0.9·v + d.
    const w = js64.put([1]), v = js64.alloc(1);
    let wRef = 1, vRef = 0;
    for (const [i, g] of [1, 2, 3].entries()) {
      js64.k.sgdStep(w, js64.put([g]), v, 1, 0.1, 0.9, 0, 0.5, i === 0 ? SGD_FIRST : 0);
      const d = g + 0.5 * wRef;
      vRef = i === 0 ? d : 0.9 * vRef + d;
      wRef -= 0.1 * vRef;
    }
    expect(js64.get(w, 1)[0]).toBeCloseTo(wRef, 14);
    expect(js64.get(v, 1)[0]).toBeCloseTo(vRef, 14);
    js64.reset();
  });

  it('without momentum leaves the velocity buffer alone (it may be 0)', () => {
    for (const env of [js, ...wasm]) {
      const w = env.put([1, 2, 3, 4, 5]), g = env.put([1, 1, 1, 1, 1]);
      env.k.sgdStep(w, g, 0, 5, 0.5, 0, 0, 0, 0);
      expect([...env.get(w, 5)], env.name).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
      env.reset();
    }
  });

  it('wasm matches the float32 twin bit for bit (weights and velocity, every tail length)', () => {
    for (const o of SGD_CASES) {
      for (const n of LENGTHS) {
        const want = runSgd(js, n, o, 3);
        for (const env of wasm) {
          const got = runSgd(env, n, o, 3);
          expect([...got.w], `${env.name} w ${JSON.stringify(o)} n=${n}`).toEqual([...want.w]);
          if (o.momentum !== 0) expect([...got.v], `${env.name} v ${JSON.stringify(o)} n=${n}`).toEqual([...want.v]);
        }
      }
    }
  });

  it('float32 stays within rounding of the float64 reference', () => {
    for (const o of SGD_CASES) {
      const want = runSgd(js64, 257, o, 4);
      const got = runSgd(wasm[0]!, 257, o, 4);
      got.w.forEach((x, i) => expect(Math.abs(x - want.w[i]!), `w[${i}]`).toBeLessThan(1e-6 * (1 + Math.abs(want.w[i]!))));
    }
  });
});

describe('adamStep', () => {
  it('matches the bias-corrected update of Kingma & Ba (float64 twin, by hand), coupled and decoupled decay', () => {
    for (const decoupled of [false, true]) {
      const w = js64.put([0.5]), m = js64.put([0]), v = js64.put([0]);
      let wRef = 0.5, mRef = 0, vRef = 0;
      for (const [t, g] of [[1, 0.3], [2, -0.1], [3, 0.2]] as const) {
        js64.k.adamStep(w, js64.put([g]), m, v, 1, 0.01, 0.9, 0.999, 1e-8, 0.1, decoupled ? ADAM_DECOUPLED : 0, 1 - 0.9 ** t, 1 - 0.999 ** t);
        const gi = decoupled ? g : g + 0.1 * wRef;
        if (decoupled) wRef *= 1 - 0.01 * 0.1;
        mRef = 0.9 * mRef + 0.1 * gi;
        vRef = 0.999 * vRef + 0.001 * gi * gi;
        wRef -= (0.01 / (1 - 0.9 ** t)) * mRef / (Math.sqrt(vRef / (1 - 0.999 ** t)) + 1e-8);
      }
      expect(js64.get(w, 1)[0], `decoupled ${decoupled}`).toBeCloseTo(wRef, 13);
      js64.reset();
    }
  });

  it('wasm matches the float32 twin bit for bit (weights and both moments, every tail length)', () => {
    for (const o of ADAM_CASES) {
      for (const n of LENGTHS) {
        const want = runAdam(js, n, o, 3);
        for (const env of wasm) {
          const got = runAdam(env, n, o, 3);
          const what = `${env.name} ${JSON.stringify(o)} n=${n}`;
          expect([...got.w], `w ${what}`).toEqual([...want.w]);
          expect([...got.m!], `m ${what}`).toEqual([...want.m!]);
          expect([...got.v], `v ${what}`).toEqual([...want.v]);
        }
      }
    }
  });
});
