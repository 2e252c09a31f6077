import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../src/index.ts';

beforeAll(async () => {
  await sn.init();
});

const stats = (t: sn.Tensor) => {
  const v = Array.from(t.dataSync());
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  return { mean, std: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length), max: Math.max(...v.map(Math.abs)) };
};

describe('initialisers', () => {
  it('He, Xavier and LeCun draw with the variances their papers give, from fan-in and fan-out of OHWI filters', () => {
    const shape = [64, 3, 3, 32]; // fanIn = 288, fanOut = 576
    const r = () => ({ random: new sn.Random(1) });
    expect(stats(sn.nn.init.heNormal(shape, r())).std).toBeCloseTo(Math.sqrt(2 / 288), 2);
    expect(stats(sn.nn.init.lecunNormal(shape, r())).std).toBeCloseTo(Math.sqrt(1 / 288), 2);
    expect(stats(sn.nn.init.xavierUniform(shape, r())).std).toBeCloseTo(Math.sqrt(6 / (288 + 576)) / Math.sqrt(3), 2);
    expect(stats(sn.nn.init.xavierUniform(shape, r())).max).toBeLessThanOrEqual(Math.sqrt(6 / (288 + 576)));
    expect(sn.nn.init.fans([10, 20])).toEqual({ fanIn: 20, fanOut: 10 });
  });

  it('the same seed gives the same layer weights, another seed different ones', () => {
    const a = new sn.nn.Conv2d(3, 4, 3, { random: new sn.Random(5) });
    const b = new sn.nn.Conv2d(3, 4, 3, { random: new sn.Random(5) });
    const c = new sn.nn.Conv2d(3, 4, 3, { random: new sn.Random(6) });
    expect([...a.weight.dataSync()]).toEqual([...b.weight.dataSync()]);
    expect([...a.weight.dataSync()]).not.toEqual([...c.weight.dataSync()]);
    expect(() => new sn.nn.Conv2d(3, 4, 3, { init: 'glorot' as never })).toThrowError(/unknown initializer "glorot"/);
  });

  it("Conv2d and Linear default to PyTorch's U(±1/√fanIn) for weights and biases", () => {
    const fc = new sn.nn.Linear(100, 50);
    expect(stats(fc.weight).max).toBeLessThanOrEqual(0.1);
    expect(stats(fc.bias!).max).toBeLessThanOrEqual(0.1);
    expect(stats(fc.weight).std).toBeCloseTo(0.1 / Math.sqrt(3), 2);
  });
});

describe('layers', () => {
  it('Dropout drops in training mode and is the identity in eval mode', () => {
    const d = new sn.nn.Dropout(0.5);
    const x = sn.ones([1000]);
    const train = sn.tidy(() => Array.from(d.forward(x).dataSync()));
    expect(train.filter((v) => v === 0).length).toBeGreaterThan(400);
    expect(train.filter((v) => v === 2).length).toBeGreaterThan(400);
    d.eval();
    expect(sn.tidy(() => Array.from(d.forward(x).dataSync()))).toEqual(new Array(1000).fill(1));
    x.dispose();
  });

  it('pooling, activation and normalisation layers apply their functional ops with their options', () => {
    const x = sn.randn([2, 6, 6, 4], { seed: 1 });
    const same = (m: sn.nn.Module, f: () => sn.Tensor) => sn.tidy(() => expect([...m.forward(x).dataSync()]).toEqual([...f().dataSync()]));
    same(new sn.nn.MaxPool2d(3, { stride: 2, padding: 1 }), () => sn.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }));
    same(new sn.nn.AvgPool2d(2, { countIncludePad: false }), () => sn.avgPool2d(x, { kernelSize: 2, countIncludePad: false }));
    same(new sn.nn.LPPool2d(2, 2), () => sn.lpPool2d(x, { normType: 2, kernelSize: 2 }));
    same(new sn.nn.AdaptiveAvgPool2d([2, 3]), () => sn.adaptiveAvgPool2d(x, [2, 3]));
    same(new sn.nn.ReLU(), () => sn.relu(x));
    same(new sn.nn.Sigmoid(), () => sn.sigmoid(x));
    same(new sn.nn.Tanh(), () => sn.tanh(x));
    same(new sn.nn.ScaledTanh(), () => sn.scaledTanh(x));
    same(new sn.nn.Softmax(), () => sn.softmax(x));
    same(new sn.nn.LocalResponseNorm(3, { alpha: 0.1 }), () => sn.localResponseNorm(x, { size: 3, alpha: 0.1 }));
    x.dispose();
  });

  it('CrossEntropyLoss and MSELoss wrap their functional losses', () => {
    const logits = sn.tensor([[2, 0, 1], [0, 3, 1]]);
    const labels = sn.tensor([0, 1], [2], 'int32');
    expect(new sn.nn.CrossEntropyLoss().forward(logits, labels).item()).toBeCloseTo(sn.crossEntropy(logits, labels).item(), 6);
    expect(new sn.nn.MSELoss({ reduction: 'sum' }).forward(logits, sn.zeros([2, 3])).item()).toBe(4 + 1 + 9 + 1);
  });

  it('Sequential names its children 0, 1, … and prints the tree', () => {
    const net = new sn.nn.Sequential(new sn.nn.Conv2d(1, 2, 3), new sn.nn.ReLU(), new sn.nn.Flatten(), new sn.nn.Linear(8, 2));
    expect(Object.keys(net.stateDict())).toEqual(['0.weight', '0.bias', '3.weight', '3.bias']);
    expect(net.length).toBe(4);
    expect(net.toString()).toMatch(/\(0\): Conv2d\(1, 2, kernelSize=3×3/);
    const y = sn.tidy(() => net.forward(sn.zeros([5, 4, 4, 1])));
    expect(y.shape).toEqual([5, 2]);
  });
});
