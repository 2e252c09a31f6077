import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../src/index.ts';
import { relativeL2 } from './helpers/compare.ts';
import type { FixtureCase } from './helpers/fixtures.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

class Block extends sn.nn.Module {
  conv = new sn.nn.Conv2d(3, 4, 3, { padding: 1, bias: false });
  bn = new sn.nn.BatchNorm2d(4);
  head = new sn.nn.Sequential(new sn.nn.Flatten(), new sn.nn.Linear(4 * 5 * 5, 2));
  forward(x: sn.Tensor) { return this.head.forward(sn.relu(this.bn.forward(this.conv.forward(x)))); }
}

describe('Module', () => {
  it('names parameters and buffers by attribute path, in definition order, as PyTorch does', () => {
    const m = new Block();
    expect(Object.keys(m.stateDict())).toEqual([
      'conv.weight', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked',
      'head.1.weight', 'head.1.bias',
    ]);
    expect(m.namedParameters().map(([k]) => k)).toEqual(['conv.weight', 'bn.weight', 'bn.bias', 'head.1.weight', 'head.1.bias']);
    expect(m.numParameters()).toBe(4 * 3 * 3 * 3 + 4 + 4 + 100 * 2 + 2);
    m.dispose();
  });

  it('loadStateDict copies values in place and round-trips through stateDict', () => {
    const a = new Block(), b = new Block();
    const weightBefore = b.conv.weight;
    b.loadStateDict(a.stateDict());
    expect(b.conv.weight).toBe(weightBefore);
    expect([...b.conv.weight.dataSync()]).toEqual([...a.conv.weight.dataSync()]);
    a.dispose(); b.dispose();
  });

  it('reports missing, unexpected and mis-shaped keys together, and writes nothing', () => {
    const m = new Block();
    const before = [...m.conv.weight.dataSync()];
    const dict: Record<string, sn.nn.StateValue> = { ...m.stateDict() };
    delete dict['bn.bias'];
    dict['extra.weight'] = { shape: [1], data: new Float32Array(1) };
    dict['conv.weight'] = { shape: [4, 3, 3, 2], data: new Float32Array(72) };
    let error: unknown;
    try { m.loadStateDict(dict); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(sn.nn.StateDictError);
    const message = (error as Error).message;
    expect(message).toMatch(/missing keys: bn\.bias/);
    expect(message).toMatch(/unexpected keys: extra\.weight/);
    expect(message).toMatch(/conv\.weight: expected \[4, 3, 3, 3\], got \[4, 3, 3, 2\]/);
    expect([...m.conv.weight.dataSync()]).toEqual(before);
    m.dispose();
  });

  it('non-strict loading takes the matching keys and ignores the rest', () => {
    const a = new Block(), b = new Block();
    b.loadStateDict({ 'conv.weight': a.conv.weight, 'nope': a.conv.weight }, { strict: false });
    expect([...b.conv.weight.dataSync()]).toEqual([...a.conv.weight.dataSync()]);
    a.dispose(); b.dispose();
  });

  it('requiresGrad(false) freezes a subtree; train() and eval() reach every child', () => {
    const m = new Block();
    m.conv.requiresGrad(false);
    expect(m.trainableParameters().length).toBe(4);
    expect(m.numParameters({ trainableOnly: true })).toBe(4 + 4 + 202);
    m.eval();
    expect(m.namedModules().every(([, c]) => !c.training)).toBe(true);
    m.train();
    expect(m.bn.training).toBe(true);
    m.dispose();
  });

  it('a layer given the wrong input shape names itself, the expected and the actual shape', () => {
    const conv = new sn.nn.Conv2d(3, 8, 3);
    const x = sn.zeros([1, 8, 8, 1]);
    expect(() => conv.forward(x)).toThrowError(/Conv2d: expected an NHWC input \[batch, height, width, 3\], got \[1, 8, 8, 1\]/);
    const fc = new sn.nn.Linear(10, 2);
    expect(() => fc.forward(x)).toThrowError(/Linear: expected inputs with 10 features in the last dimension, got \[1, 8, 8, 1\]/);
    sn.dispose([x]); conv.dispose(); fc.dispose();
  });

  it('BatchNorm2d counts batches and updates running statistics only in training mode', () => {
    const bn = new sn.nn.BatchNorm2d(2);
    const x = sn.tensor([1, 10, 3, 20, 5, 30, 7, 40], [2, 2, 1, 2]);
    sn.tidy(() => bn.forward(x));
    expect(bn.num_batches_tracked.item()).toBe(1);
    expect([...bn.running_mean.dataSync()].map((v) => +v.toFixed(4))).toEqual([0.4, 2.5]);
    bn.eval();
    sn.tidy(() => bn.forward(x));
    expect(bn.num_batches_tracked.item()).toBe(1);
    sn.dispose(x); bn.dispose();
  });
});

describe('LeNet-5', () => {
  it('classic holds exactly 60,000 trainable parameters in C1…F6, with the paper\'s C3 table (1,516)', () => {
    const m = sn.zoo.lenet5({ variant: 'classic', seed: 1 }) as sn.zoo.LeNet5Classic;
    expect(m.numParameters()).toBe(60_000);
    expect(m.c3.numParameters()).toBe(1516);
    expect(m.s2.numParameters()).toBe(12);
    expect(m.output.numParameters()).toBe(0);
    const logits = sn.tidy(() => m.forward(sn.zeros([2, 32, 32, 1])));
    expect(logits.shape).toEqual([2, 10]);
    logits.dispose(); m.dispose();
  });

  it('classic C3 map j sees exactly the S2 maps of Table I', () => {
    const m = sn.zoo.lenet5({ variant: 'classic', seed: 1 }) as sn.zoo.LeNet5Classic;
    // Feed one S2 map at a time; map j of C3 responds (beyond its bias) only if it is connected.
    for (let input = 0; input < 6; input++) {
      const x = new Float32Array(14 * 14 * 6);
      for (let p = 0; p < 14 * 14; p++) x[p * 6 + input] = 1;
      const response = sn.tidy(() => sn.sub(m.c3.forward(sn.tensor(x, [1, 14, 14, 6])), m.c3.bias).dataSync());
      for (let j = 0; j < 16; j++) {
        const connected = sn.zoo.C3_CONNECTIONS[j]!.includes(input);
        expect(Math.abs(response[j]!) > 0, `C3 map ${j} and S2 map ${input}`).toBe(connected);
      }
    }
    m.dispose();
  });

  it('modern has 61,706 parameters under PyTorch\'s names and reproduces the PyTorch fixture through the zoo model', () => {
    const m = sn.zoo.lenet5({ variant: 'modern', seed: 1 });
    expect(m.numParameters()).toBe(61_706);
    const nets = JSON.parse(readFileSync(new URL('./fixtures/nets.json', import.meta.url), 'utf8')) as { cases: FixtureCase[] };
    const c = nets.cases.find((k) => k.name === 'lenet5_modern')!;
    const dict = Object.fromEntries(Object.entries(c.inputs).filter(([k]) => k.includes('.')).map(([k, v]) => [k, { shape: v!.shape, data: v!.data }]));
    m.loadStateDict(dict);
    const result = sn.tidy(() => {
      const x = sn.tensor(c.inputs.x!.data, c.inputs.x!.shape, { requiresGrad: false });
      const y = sn.tensor(c.inputs.labels!.data, c.inputs.labels!.shape, 'int32');
      const upstream = sn.tensor(c.upstream.data, c.upstream.shape);
      const tape = new sn.GradientTape();
      const loss = tape.record(() => sn.crossEntropy(m.forward(x), y));
      // The fixture's gradients are those of loss · upstream.
      const grads = tape.gradient(loss, m.parameters(), { upstream });
      return { loss: loss.item(), grads: grads.map((g) => [...g.dataSync()]) };
    });
    expect(Math.abs(result.loss - c.output.data[0]!) / c.output.data[0]!).toBeLessThan(1e-5);
    m.namedParameters().forEach(([name], i) => {
      expect(relativeL2(result.grads[i]!, c.grads[name]!.data), name).toBeLessThan(1e-5);
    });
    m.dispose();
  });
});
