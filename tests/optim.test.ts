import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../src/index.ts';

beforeAll(async () => {
  await sn.init({ backend: 'js' });
});

const f64 = (v: number[]) => sn.tensor(v, [v.length], 'float64');
const values = (t: sn.Tensor) => [...t.dataSync()];

describe('SGD', () => {
  it('plain steps follow w ← w − lr·(g + wd·w)', () => {
    const w = f64([1, -2]);
    const opt = new sn.optim.SGD([w], { lr: 0.1, weightDecay: 0.5 });
    opt.step([f64([1, 1])]);
    expect(values(w)).toEqual([1 - 0.1 * (1 + 0.5), -2 - 0.1 * (1 - 1)]);
  });

  it('momentum and Nesterov match PyTorch\'s update rule over three steps', () => {
    const run = (nesterov: boolean) => {
      const w = f64([1]);
      const opt = new sn.optim.SGD([w], { lr: 0.1, momentum: 0.9, nesterov });
      for (const g of [1, 2, 3]) opt.step([f64([g])]);
      return values(w)[0]!;
    };
    // v1 = 1, v2 = 0.9 + 2 = 2.9, v3 = 2.61 + 3 = 5.61
    expect(run(false)).toBeCloseTo(1 - 0.1 * (1 + 2.9 + 5.61), 12);
    // Nesterov steps with g + 0.9·v: 1.9, 4.61, 8.049
    expect(run(true)).toBeCloseTo(1 - 0.1 * (1.9 + 4.61 + 8.049), 12);
  });

  it('parameter groups keep their own learning rates, and frozen parameters are skipped', () => {
    const backbone = f64([1]), head = f64([1]), frozen = f64([1]);
    frozen.requiresGrad = false;
    const opt = new sn.optim.SGD([{ params: [backbone, frozen], lr: 0.01 }, { params: [head] }], { lr: 0.1 });
    opt.step([f64([1]), f64([1]), f64([1])]);
    expect(values(backbone)[0]).toBeCloseTo(0.99, 12);
    expect(values(head)[0]).toBeCloseTo(0.9, 12);
    expect(values(frozen)[0]).toBe(1);
  });

  it('rejects bad hyper-parameters, duplicate parameters and mismatched gradients with clear errors', () => {
    const w = f64([1, 2]);
    expect(() => new sn.optim.SGD([w], { lr: -1 })).toThrowError(/lr of group 0 must be a number in \[0, Infinity\], got -1/);
    expect(() => new sn.optim.SGD([{ params: [w] }, { params: [w] }], { lr: 1 })).toThrowError(/more than one group/);
    expect(() => new sn.optim.SGD([w], { lr: 1, nesterov: true })).toThrowError(/Nesterov/);
    const opt = new sn.optim.SGD([w], { lr: 1 });
    expect(() => opt.step([f64([1])])).toThrowError(/gradient \[1\] \(float64\) does not match parameter \[2\]/);
    expect(() => opt.step([])).toThrowError(/got 0 gradients for 1 parameters/);
  });

  it('checks every gradient before it moves any parameter: a bad one late in the list changes nothing', () => {
    const first = f64([1, 2]), second = f64([3]);
    const opt = new sn.optim.SGD([first, second], { lr: 0.1, momentum: 0.9 });
    expect(() => opt.step([f64([1, 1]), f64([1, 1])])).toThrowError(/gradient \[2\] \(float64\) does not match parameter \[1\]/);
    expect(values(first)).toEqual([1, 2]);
    expect(values(second)).toEqual([3]);
    opt.step([f64([1, 1]), f64([1])]);
    // Still the first step (momentum starts at the gradient): w − 0.1·g.
    expect(values(first)).toEqual([0.9, 1.9]);
  });
});

describe('Adam', () => {
  it('matches the bias-corrected update of Kingma & Ba over three steps', () => {
    const w = f64([0.5]);
    const opt = new sn.optim.Adam([w], { lr: 0.01 });
    let m = 0, v = 0, expected = 0.5;
    for (const [t, g] of [[1, 0.3], [2, -0.1], [3, 0.2]] as const) {
      opt.step([f64([g])]);
      m = 0.9 * m + 0.1 * g; v = 0.999 * v + 0.001 * g * g;
      expected -= 0.01 * (m / (1 - 0.9 ** t)) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8);
    }
    expect(values(w)[0]).toBeCloseTo(expected, 12);
  });

  it('decoupled weight decay (AdamW) shrinks the weights even with a zero gradient', () => {
    const w = f64([2]);
    new sn.optim.Adam([w], { lr: 0.1, weightDecay: 0.5, decoupled: true }).step([f64([0])]);
    expect(values(w)[0]).toBeCloseTo(2 * (1 - 0.05), 12);
  });
});

describe('optimizer state', () => {
  it('lives in linear memory beyond the step\'s tidy() scope, and dispose() frees it', () => {
    for (const make of [(w: sn.Tensor) => new sn.optim.SGD([w], { lr: 0.1, momentum: 0.9 }), (w: sn.Tensor) => new sn.optim.Adam([w], { lr: 0.1 })]) {
      const w = f64(Array.from({ length: 100 }, (_, i) => i));
      const opt = make(w);
      const before = sn.memory().bytesInUse;
      sn.tidy(() => opt.step([f64(Array.from({ length: 100 }, () => 1))]));
      const held = sn.memory().bytesInUse - before;
      expect(held, opt.constructor.name).toBe((opt instanceof sn.optim.Adam ? 2 : 1) * 800);
      sn.tidy(() => opt.step([f64(Array.from({ length: 100 }, () => 1))]));
      expect(sn.memory().bytesInUse - before, 'no new state on later steps').toBe(held);
      opt.dispose();
      expect(sn.memory().bytesInUse).toBe(before);
      // After dispose() the next step starts the state afresh (SGD: velocity = gradient again).
      const w2 = f64([1]);
      const sgd = new sn.optim.SGD([w2], { lr: 0.1, momentum: 0.9 });
      sgd.step([f64([1])]);
      sgd.dispose();
      sgd.step([f64([1])]);
      expect(values(w2)[0]).toBeCloseTo(1 - 0.1 - 0.1, 12);
      sgd.dispose();
      w.dispose(); w2.dispose();
    }
  });
});

describe('learning-rate schedules', () => {
  it('cosine annealing goes from the initial rate to etaMin, per group', () => {
    const opt = new sn.optim.SGD([{ params: [f64([1])], lr: 0.1 }, { params: [f64([1])], lr: 0.01 }], { lr: 1 });
    const schedule = new sn.optim.CosineAnnealingLR(opt, 4, 0);
    const rates: number[][] = [];
    for (let i = 0; i < 4; i++) { schedule.step(); rates.push(schedule.lastLr); }
    expect(rates[1]![0]).toBeCloseTo(0.05, 12);
    expect(rates[3]![0]).toBeCloseTo(0, 12);
    expect(rates[1]![1]).toBeCloseTo(0.005, 12);
  });

  it('step decay multiplies by gamma every stepSize epochs', () => {
    const opt = new sn.optim.SGD([f64([1])], { lr: 1 });
    const schedule = new sn.optim.StepLR(opt, 2, 0.5);
    const rates = Array.from({ length: 5 }, () => { schedule.step(); return schedule.lastLr[0]; });
    expect(rates).toEqual([1, 0.5, 0.5, 0.25, 0.25]);
  });
});
