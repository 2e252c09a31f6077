import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import { expectClose } from '../helpers/compare.ts';
import { input, TinyAlexNet } from './nets.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

const lenet = (seed = 1) => sn.zoo.lenet5({ variant: 'modern', seed }) as sn.zoo.LeNet5Modern;
const trainable = (m: sn.nn.Module) => m.namedParameters().filter(([, p]) => p.requiresGrad).map(([n]) => n);

describe('freeze and unfreeze', () => {
  it('freeze() with no selection freezes every parameter; unfreeze() undoes it', () => {
    const m = lenet();
    expect(sn.transfer.freeze(m)).toHaveLength(10);
    expect(m.numParameters({ trainableOnly: true })).toBe(0);
    expect(sn.transfer.unfreeze(m)).toHaveLength(10);
    expect(m.numParameters({ trainableOnly: true })).toBe(m.numParameters());
    m.dispose();
  });

  it('upTo freezes every child up to and including the named one, and returns the parameter names', () => {
    const m = lenet();
    expect(sn.transfer.freeze(m, { upTo: 'conv2' })).toEqual(['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias']);
    expect(trainable(m)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias']);
    m.dispose();
  });

  it('upTo reaches into a Sequential: AlexNet\'s features up to features.3 and nothing of the classifier', () => {
    const a = new TinyAlexNet(1);
    expect(sn.transfer.freeze(a, { upTo: 'features.3' })).toEqual(['features.0.weight', 'features.0.bias', 'features.3.weight', 'features.3.bias']);
    expect(trainable(a).every((n) => n.startsWith('classifier.'))).toBe(true);
    a.dispose();
  });

  it('first and last count the children that hold parameters; from and only name them', () => {
    const m = lenet();
    expect(sn.transfer.freeze(m, { first: 2 })).toEqual(['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias']);
    sn.transfer.freeze(m);
    expect(sn.transfer.unfreeze(m, { last: 1 })).toEqual(['fc3.weight', 'fc3.bias']);
    expect(sn.transfer.unfreeze(m, { from: 'fc2' })).toEqual(['fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias']);
    sn.transfer.unfreeze(m);
    expect(sn.transfer.freeze(m, { only: ['conv1', 'fc3'] })).toEqual(['conv1.weight', 'conv1.bias', 'fc3.weight', 'fc3.bias']);
    expect(sn.transfer.freeze(m, { first: 0 })).toEqual([]);
    m.dispose();
  });

  it('rejects a stage that does not exist, a count out of range, several selections and unknown options', () => {
    const m = lenet();
    expect(() => sn.transfer.freeze(m, { upTo: 'layer3' })).toThrowError(/freeze: LeNet5Modern has no child 'layer3' \(its children: conv1, relu1/);
    expect(() => sn.transfer.unfreeze(m, { from: 'fc4' })).toThrowError(/unfreeze: LeNet5Modern has no child 'fc4'/);
    expect(() => sn.transfer.freeze(m, { first: 6 })).toThrowError(/first must be an integer in \[0, 5\] \(LeNet5Modern has 5 children with parameters: conv1, conv2, fc1, fc2, fc3\), got 6/);
    expect(() => sn.transfer.freeze(m, { last: 1.5 })).toThrowError(/last must be an integer/);
    expect(() => sn.transfer.freeze(m, { upTo: 'conv1', first: 1 })).toThrowError(/give one of upTo, first, not several/);
    expect(() => sn.transfer.freeze(m, { upto: 'conv1' } as sn.transfer.LayerSelection)).toThrowError(/unknown option 'upto'/);
    expect(m.numParameters({ trainableOnly: true })).toBe(m.numParameters());
    m.dispose();
  });
});

describe('a frozen backbone on the tape', () => {
  it('records nothing of the frozen part: only the head\'s op, with the same gradient as the head alone', () => {
    const m = lenet();
    sn.transfer.freeze(m);
    sn.transfer.unfreeze(m, { only: 'fc3' });
    const x = input([4, 32, 32, 1]);
    const labels = sn.tensor([0, 1, 2, 3], [4], 'int32');
    const frozen = sn.tidy(() => {
      const tape = new sn.GradientTape();
      const logits = tape.record(() => m.forward(x));
      const size = tape.size;
      const loss = tape.record(() => sn.crossEntropy(logits, labels));
      return { size, grad: [...tape.gradient(loss, [m.fc3.weight])[0]!.dataSync()] };
    });
    // The same head applied to the codes computed outside any tape.
    const headOnly = sn.tidy(() => {
      const codes = sn.transfer.featureExtractor(m).forward(x);
      const tape = new sn.GradientTape();
      const logits = tape.record(() => m.fc3.forward(codes));
      const size = tape.size;
      const loss = tape.record(() => sn.crossEntropy(logits, labels));
      return { size, grad: [...tape.gradient(loss, [m.fc3.weight])[0]!.dataSync()] };
    });
    const unfrozen = sn.tidy(() => {
      sn.transfer.unfreeze(m);
      const tape = new sn.GradientTape();
      tape.record(() => m.forward(x));
      const size = tape.size;
      tape.dispose();
      return size;
    });
    expect(headOnly.size).toBeGreaterThan(0);
    expect(frozen.size).toBe(headOnly.size);
    expect(unfrozen).toBeGreaterThan(frozen.size + 8);
    expectClose(frozen.grad, headOnly.grad, 1e-6, 1e-8, 'fc3.weight gradient');
    sn.dispose([x, labels]); m.dispose();
  });

  it('a fully frozen model records no op at all', () => {
    const m = lenet();
    sn.transfer.freeze(m);
    const x = input([2, 32, 32, 1]);
    const size = sn.tidy(() => {
      const tape = new sn.GradientTape();
      tape.record(() => m.forward(x));
      const n = tape.size;
      tape.dispose();
      return n;
    });
    expect(size).toBe(0);
    x.dispose(); m.dispose();
  });
});

describe('parameterGroups', () => {
  it('splits backbone and head, and SGD moves each by its own learning rate', () => {
    const m = lenet();
    const groups = sn.transfer.parameterGroups(m, { backboneLr: 0.001, headLr: 0.1 });
    expect(groups.map((g) => g.lr)).toEqual([0.001, 0.1]);
    expect(groups[0].params).toHaveLength(8);
    expect(groups[1].params).toEqual([m.fc3.weight, m.fc3.bias]);
    const optimizer = new sn.optim.SGD(groups, { lr: 0.5 });
    const before = optimizer.parameters().map((p) => Float32Array.from(p.dataSync()));
    const grads = optimizer.parameters().map((p) => sn.ones(p.shape, { requiresGrad: false }));
    optimizer.step(grads);
    optimizer.parameters().forEach((p, i) => {
      const lr = i < 8 ? 0.001 : 0.1;
      expectClose(p.dataSync(), before[i]!.map((v) => v - lr), 1e-6, 1e-7, `parameter ${i}`);
    });
    sn.dispose(grads); m.dispose();
  });

  it('keeps frozen parameters in the backbone group, where the optimizer skips them until unfrozen', () => {
    const m = lenet();
    sn.transfer.freeze(m, { upTo: 'fc2' });
    const groups = sn.transfer.parameterGroups(m, { head: 'fc3', backboneLr: 0.01, headLr: 0.1 });
    const optimizer = new sn.optim.SGD(groups, { lr: 0.1 });
    const conv1 = Float32Array.from(m.conv1.weight.dataSync());
    const grads = optimizer.parameters().map((p) => sn.ones(p.shape, { requiresGrad: false }));
    optimizer.step(grads);
    expect([...m.conv1.weight.dataSync()]).toEqual([...conv1]);
    sn.transfer.unfreeze(m);
    optimizer.step(grads);
    expectClose(m.conv1.weight.dataSync(), conv1.map((v) => v - 0.01), 1e-6, 1e-7, 'conv1 after unfreezing');
    sn.dispose(grads); m.dispose();
  });

  it('takes a nested head path or several heads', () => {
    const a = new TinyAlexNet(1);
    const [backbone, head] = sn.transfer.parameterGroups(a, { head: ['classifier.4', 'classifier.6'], backboneLr: 0, headLr: 0.1 });
    expect(head.params).toEqual([a.classifier[4]!.parameters(), a.classifier[6]!.parameters()].flat());
    expect(backbone.params).toHaveLength(a.parameters().length - 4);
    a.dispose();
  });

  it('rejects an unknown head, a head without parameters and bad learning rates', () => {
    const m = lenet();
    expect(() => sn.transfer.parameterGroups(m, { head: 'fc', backboneLr: 0.01, headLr: 0.1 })).toThrowError(/parameterGroups: LeNet5Modern has no child 'fc'/);
    expect(() => sn.transfer.parameterGroups(m, { head: 'relu4', backboneLr: 0.01, headLr: 0.1 })).toThrowError(/the head 'relu4' has no parameters/);
    expect(() => sn.transfer.parameterGroups(m, { backboneLr: -1, headLr: 0.1 })).toThrowError(/backboneLr must be a finite number ≥ 0, got -1/);
    expect(() => sn.transfer.parameterGroups(m, { backboneLr: 0.1 } as sn.transfer.ParameterGroupOptions)).toThrowError(/headLr must be/);
    m.dispose();
  });
});
