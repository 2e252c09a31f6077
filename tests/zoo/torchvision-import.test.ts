/**
 * io/torchvision: PyTorch's layouts (OIHW filters, CHW-ordered columns of the first Linear after a
 * flatten) mapped onto ours index by index, the reverse export, and the errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import type { StateValue } from '../../src/nn/module.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

/** conv 2→3 (2×2 kernel, groups 1) on a 3×3 map, flatten of 3×2×2 into fc. */
class Tiny extends sn.nn.Module {
  conv = new sn.nn.Conv2d(2, 3, 2);
  flatten = new sn.nn.Flatten();
  fc = new sn.nn.Linear(3 * 2 * 2, 4);
  readonly flattenedLinears: sn.io.FlattenedLinears = { fc: [3, 2, 2] };
  forward(x: sn.Tensor) { return this.fc.forward(this.flatten.forward(this.conv.forward(x))); }
}

/** A torch-layout dict for Tiny whose every value encodes its own torch index. */
function torchDict(): Map<string, StateValue> {
  const iota = (n: number, base: number) => Float32Array.from({ length: n }, (_, i) => base + i);
  return new Map<string, StateValue>([
    ['conv.weight', { shape: [3, 2, 2, 2], data: iota(24, 0) }], // OIHW
    ['conv.bias', { shape: [3], data: iota(3, 100) }],
    ['fc.weight', { shape: [4, 12], data: iota(48, 1000) }], // columns c·4 + h·2 + w
    ['fc.bias', { shape: [4], data: iota(4, 2000) }],
  ]);
}

describe('loadTorchvisionStateDict', () => {
  it('transposes filters OIHW → OHWI and permutes the flattened Linear\'s columns CHW → HWC', () => {
    const m = new Tiny();
    sn.io.loadTorchvisionStateDict(m, torchDict());
    const w = m.conv.weight.dataSync();
    for (let o = 0; o < 3; o++) for (let h = 0; h < 2; h++) for (let x = 0; x < 2; x++) for (let i = 0; i < 2; i++) {
      expect(w[((o * 2 + h) * 2 + x) * 2 + i]).toBe(((o * 2 + i) * 2 + h) * 2 + x);
    }
    const fc = m.fc.weight.dataSync();
    for (let o = 0; o < 4; o++) for (let h = 0; h < 2; h++) for (let x = 0; x < 2; x++) for (let c = 0; c < 3; c++) {
      expect(fc[o * 12 + (h * 2 + x) * 3 + c]).toBe(1000 + o * 12 + c * 4 + h * 2 + x);
    }
    expect([...m.conv.bias!.dataSync()]).toEqual([100, 101, 102]);
    expect([...m.fc.bias!.dataSync()]).toEqual([2000, 2001, 2002, 2003]);
    m.dispose();
  });

  it('computes what PyTorch computes: the same logits as an NCHW reference written out by hand', () => {
    const m = new Tiny();
    sn.io.loadTorchvisionStateDict(m, torchDict());
    // Input NHWC [1, 3, 3, 2] with x[h][w][c] = 0.01·(c·9 + h·3 + w) − 0.05, reference in CHW order.
    const x = new Float32Array(18);
    for (let h = 0; h < 3; h++) for (let w = 0; w < 3; w++) for (let c = 0; c < 2; c++) x[(h * 3 + w) * 2 + c] = 0.01 * (c * 9 + h * 3 + w) - 0.05;
    const conv: number[] = []; // CHW [3, 2, 2]
    for (let o = 0; o < 3; o++) for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) {
      let s = 100 + o;
      for (let i = 0; i < 2; i++) for (let kh = 0; kh < 2; kh++) for (let kw = 0; kw < 2; kw++) {
        s += (((o * 2 + i) * 2 + kh) * 2 + kw) * x[((h + kh) * 3 + (w + kw)) * 2 + i]!;
      }
      conv.push(s);
    }
    const expected = [0, 1, 2, 3].map((o) => conv.reduce((s, v, j) => s + (1000 + o * 12 + j) * v, 2000 + o));
    const got = sn.tidy(() => m.forward(sn.tensor(x, [1, 3, 3, 2])).dataSync());
    for (let o = 0; o < 4; o++) expect(got[o]! / expected[o]!).toBeCloseTo(1, 5);
    m.dispose();
  });

  it('toTorchvisionStateDict is the inverse: export, re-import, identical weights', () => {
    const a = new Tiny(), b = new Tiny();
    const exported = sn.io.toTorchvisionStateDict(a);
    expect(exported.get('conv.weight')!.shape).toEqual([3, 2, 2, 2]);
    sn.io.loadTorchvisionStateDict(b, exported);
    for (const [k, t] of Object.entries(a.stateDict())) expect([...b.stateDict()[k]!.dataSync()], k).toEqual([...t.dataSync()]);
    // A zoo model with batch norm, through safetensors bytes both ways.
    const r = sn.zoo.resnet18({ numClasses: 3, seed: 5 }), fresh = sn.zoo.resnet18({ numClasses: 3, initWeights: false });
    sn.io.loadTorchvisionStateDict(fresh, sn.io.loadSafetensors(sn.io.writeSafetensors(sn.io.toTorchvisionStateDict(r))));
    const target = fresh.stateDict();
    let differing = 0;
    for (const [k, t] of Object.entries(r.stateDict())) {
      const x = t.dataSync(), y = target[k]!.dataSync();
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) differing++;
    }
    expect(differing).toBe(0);
    a.dispose(); b.dispose(); r.dispose(); fresh.dispose();
  });

  it('LeNet-5 (modern) declares its flattened fc1, so a PyTorch LeNet checkpoint loads too', () => {
    const m = sn.zoo.lenet5({ seed: 4 });
    const exported = sn.io.toTorchvisionStateDict(m);
    const ours = m.stateDict()['fc1.weight']!.dataSync(), theirs = exported.get('fc1.weight')!.data;
    // Column (h·5 + w)·16 + c of ours is column c·25 + h·5 + w of PyTorch's.
    expect(theirs[0 * 400 + 3 * 25 + 2 * 5 + 1]).toBe(ours[0 * 400 + (2 * 5 + 1) * 16 + 3]);
    m.dispose();
  });

  it('reports missing, unexpected and mis-shaped keys together in PyTorch\'s layout, and writes nothing', () => {
    const m = new Tiny();
    const before = [...m.conv.weight.dataSync()];
    const dict = torchDict();
    dict.delete('fc.bias');
    dict.set('fc.extra', { shape: [1], data: new Float32Array(1) });
    dict.set('conv.weight', { shape: [3, 2, 2, 2].reverse(), data: new Float32Array(24) }); // OHWI by mistake
    let error: unknown;
    try { sn.io.loadTorchvisionStateDict(m, dict); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(sn.nn.StateDictError);
    const message = (error as Error).message;
    expect(message).toMatch(/missing keys: fc\.bias/);
    expect(message).toMatch(/unexpected keys: fc\.extra/);
    expect(message).toMatch(/conv\.weight: expected \[3, 2, 2, 2\] \(OIHW\), got \[2, 2, 2, 3\]/);
    expect([...m.conv.weight.dataSync()]).toEqual(before);
    // Not strict: the matching keys load, the rest is ignored.
    const partial = torchDict();
    partial.delete('fc.bias');
    partial.set('fc.extra', { shape: [1], data: new Float32Array(1) });
    sn.io.loadTorchvisionStateDict(m, partial, { strict: false });
    expect(m.conv.bias!.dataSync()[2]).toBe(102);
    m.dispose();
  });

  it('rejects a model whose flattenedLinears declaration does not fit', () => {
    class Wrong extends Tiny {
      override readonly flattenedLinears: sn.io.FlattenedLinears = { fc: [3, 2, 1] };
    }
    class Missing extends Tiny {
      override readonly flattenedLinears: sn.io.FlattenedLinears = { head: [3, 2, 2] };
    }
    const w = new Wrong(), n = new Missing();
    expect(() => sn.io.loadTorchvisionStateDict(w, torchDict())).toThrow(/Wrong\.flattenedLinears\["fc"\] must be \[channels, height, width\] with a product of 12/);
    expect(() => sn.io.loadTorchvisionStateDict(n, torchDict())).toThrow(/Missing\.flattenedLinears\["head"\] does not name a Linear/);
    w.dispose(); n.dispose();
  });

  it('finds declarations of nested models under their path', () => {
    class Wrapper extends sn.nn.Module {
      backbone = new Tiny();
      forward(x: sn.Tensor) { return this.backbone.forward(x); }
    }
    const m = new Wrapper();
    const dict = new Map([...torchDict()].map(([k, v]) => [`backbone.${k}`, v]));
    sn.io.loadTorchvisionStateDict(m, dict);
    // Our column 3 is (h 0, w 1, c 0): PyTorch's column c·4 + h·2 + w = 1.
    expect(m.backbone.fc.weight.dataSync()[3]).toBe(1001);
    m.dispose();
  });
});
