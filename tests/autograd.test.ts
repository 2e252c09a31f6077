import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../src/index.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

const values = (t: sn.Tensor) => [...t.dataSync()];

describe('GradientTape', () => {
  it('gives the gradient of a scalar with respect to each source, in order', () => {
    const x = sn.tensor([1, 2, 3], [3]);
    const w = sn.tensor([4, 5, 6], [3]);
    const tape = new sn.GradientTape();
    const loss = tape.record(() => sn.sum(sn.mul(x, w)));
    const [dx, dw] = tape.gradient(loss, [x, w]);
    expect(values(dx!)).toEqual([4, 5, 6]);
    expect(values(dw!)).toEqual([1, 2, 3]);
    sn.dispose([x, w, loss, dx, dw]);
  });

  it('accumulates gradients where a tensor is used twice (x·x, residual adds)', () => {
    const x = sn.tensor([1, -2, 3], [3]);
    const tape = new sn.GradientTape();
    const loss = tape.record(() => sn.sum(sn.add(sn.mul(x, x), x)));
    const [dx] = tape.gradient(loss, [x]);
    expect(values(dx!)).toEqual([3, -3, 7]); // 2x + 1
    sn.dispose([x, loss, dx]);
  });

  it('needs an explicit upstream gradient for a non-scalar target, and uses it', () => {
    const x = sn.tensor([1, 2], [2]);
    const tape = new sn.GradientTape({ persistent: true });
    const y = tape.record(() => sn.mul(x, x));
    expect(() => tape.gradient(y, [x])).toThrowError(/has shape \[2\], not a scalar; pass \{ upstream \}/);
    const up = sn.tensor([10, 100], [2]);
    const [dx] = tape.gradient(y, [x], { upstream: up });
    expect(values(dx!)).toEqual([20, 400]);
    tape.dispose();
    sn.dispose([x, y, up, dx]);
  });

  it('returns zeros for a source that did not take part (or throws when asked to)', () => {
    const x = sn.tensor([1, 2], [2]);
    const unrelated = sn.tensor([5, 6, 7], [3]);
    const tape = new sn.GradientTape({ persistent: true });
    const loss = tape.record(() => sn.sum(x));
    const [dx, du] = tape.gradient(loss, [x, unrelated]);
    expect(values(du!)).toEqual([0, 0, 0]);
    expect(values(dx!)).toEqual([1, 1]);
    expect(() => tape.gradient(loss, [unrelated], { unconnected: 'error' })).toThrowError(/source 0 \(shape \[3\]\) did not take part/);
    tape.dispose();
    sn.dispose([x, unrelated, loss, dx, du]);
  });

  it('does not record ops whose inputs need no gradient, nor ops under noGrad', () => {
    const data = sn.tensor([1, 2], [2], { requiresGrad: false });
    const w = sn.tensor([3, 4], [2]);
    const tape = new sn.GradientTape();
    tape.record(() => {
      sn.relu(data);
      sn.noGrad(() => sn.mul(w, w));
    });
    expect(tape.size).toBe(0);
    tape.record(() => sn.mul(w, data));
    expect(tape.size).toBe(1);
    tape.dispose();
    sn.dispose([data, w]);
  });

  it('a frozen parameter (requiresGrad false) stops the backward from reaching the layers below', () => {
    const x = sn.tensor([1, 2], [1, 2], { requiresGrad: false });
    const frozen = sn.tensor([[1, 0], [0, 1]], [2, 2], { requiresGrad: false });
    const head = sn.tensor([[2, 3]], [1, 2]);
    const tape = new sn.GradientTape();
    const loss = tape.record(() => sn.sum(sn.linear(sn.linear(x, frozen), head)));
    expect(tape.size).toBe(2); // the frozen linear on data is not recorded
    const [dHead] = tape.gradient(loss, [head]);
    expect(values(dHead!)).toEqual([1, 2]);
    sn.dispose([x, frozen, head, loss, dHead]);
  });

  it('refuses a second gradient() on a non-persistent tape', () => {
    const x = sn.tensor([1], [1]);
    const tape = new sn.GradientTape();
    const loss = tape.record(() => sn.sum(x));
    tape.gradient(loss, [x])[0]!.dispose();
    expect(() => tape.gradient(loss, [x])).toThrowError(/already called/);
    sn.dispose([x, loss]);
  });

  it('keeps what its records need alive even when the caller disposed it, and frees it after running', () => {
    const start = sn.memory().bytesInUse;
    const x = sn.tensor([1, 2, 3], [3]);
    const tape = new sn.GradientTape();
    const loss = tape.record(() => {
      const h = sn.relu(x);
      const hh = sn.mul(h, h);
      const y = sn.sum(hh);
      h.dispose(); // the tape still holds the bytes of h and hh for the backward
      hh.dispose();
      return y;
    });
    const [dx] = tape.gradient(loss, [x]);
    expect(values(dx!)).toEqual([2, 4, 6]);
    sn.dispose([x, loss, dx]);
    expect(sn.memory().bytesInUse).toBe(start);
  });

  it('differentiates through reshape, flatten, concat and split', () => {
    const a = sn.tensor([1, 2, 3, 4], [1, 2, 2, 1]);
    const b = sn.tensor([5, 6, 7, 8], [1, 2, 2, 1]);
    const w = sn.tensor([1, 2, 3, 4, 5, 6, 7, 8], [8]);
    const tape = new sn.GradientTape();
    const loss = tape.record(() => {
      const c = sn.concat([a, b], 3); // [1, 2, 2, 2]
      const [p, q] = sn.split(c, [1, 1], 3);
      return sn.sum(sn.mul(sn.flatten(sn.concat([q!, p!], 3), 0), w));
    });
    const [da, db] = tape.gradient(loss, [a, b]);
    expect(values(da!)).toEqual([2, 4, 6, 8]);
    expect(values(db!)).toEqual([1, 3, 5, 7]);
    sn.dispose([a, b, w, loss, da, db]);
  });
});
