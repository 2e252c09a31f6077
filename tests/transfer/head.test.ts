import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import { expectClose } from '../helpers/compare.ts';
import { input, run, TinyAlexNet, TinyResNet } from './nets.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

const lenet = (seed = 1) => sn.zoo.lenet5({ variant: 'modern', seed }) as sn.zoo.LeNet5Modern;

/** LeNet-5 (modern) computed layer by layer, stopping after `stop`. */
function lenetByHand(m: sn.zoo.LeNet5Modern, x: sn.Tensor, stop: 'pool2' | 'relu4'): sn.Tensor {
  let h = m.pool1.forward(sn.relu(m.conv1.forward(x)));
  h = m.pool2.forward(sn.relu(m.conv2.forward(h)));
  if (stop === 'pool2') return h;
  h = sn.relu(m.fc1.forward(sn.flatten(h)));
  return sn.relu(m.fc2.forward(h));
}

describe('findHead', () => {
  it('takes the last Linear layer when no head is named: fc3 in LeNet-5, classifier.6 in AlexNet\'s layout, fc in ResNet\'s', () => {
    const models = [lenet(), new TinyAlexNet(1), new TinyResNet(1)];
    expect(models.map((m) => sn.transfer.findHead(m))).toEqual(['fc3', 'classifier.6', 'fc']);
    for (const m of models) m.dispose();
  });

  it('checks a named head and says which child is missing and which exist', () => {
    const m = lenet(), a = new TinyAlexNet(1);
    expect(sn.transfer.findHead(a, { head: 'classifier' })).toBe('classifier');
    expect(() => sn.transfer.findHead(m, { head: 'fc' })).toThrowError(/LeNet5Modern has no child 'fc' \(its children: conv1, relu1, pool1, conv2, relu2, pool2, flatten, fc1, relu3, fc2, relu4, fc3\)/);
    expect(() => sn.transfer.findHead(a, { head: 'classifier.9' })).toThrowError(/Sequential at 'classifier' has no child '9' \(its children: 0, 1, 2, 3, 4, 5, 6\)/);
    expect(() => sn.transfer.findHead(a, { head: 'classifier..6' })).toThrowError(sn.transfer.ModulePathError);
    expect(() => sn.transfer.findHead(new sn.nn.Sequential(new sn.nn.Conv2d(1, 2, 3)))).toThrowError(/Sequential has no Linear layer to take as its head; name it with \{ head/);
    m.dispose(); a.dispose();
  });
});

describe('featureExtractor', () => {
  it('returns LeNet-5\'s 84-d codes after F6 and its ReLU, leaving the model as it was', () => {
    const m = lenet();
    const x = input([3, 32, 32, 1]);
    const extractor = sn.transfer.featureExtractor(m);
    const codes = run(() => extractor.forward(x));
    const expected = run(() => lenetByHand(m, x, 'relu4'));
    expect(codes.shape).toEqual([3, 84]);
    expectClose(codes.data, expected.data, 1e-6, 1e-7, 'codes');
    expect(codes.data.every((v) => v >= 0)).toBe(true);
    expect(codes.data.some((v) => v > 0)).toBe(true);
    // The model still classifies: its head is back in place.
    expect(m.fc3).toBeInstanceOf(sn.nn.Linear);
    expect(run(() => m.forward(x)).shape).toEqual([3, 10]);
    x.dispose(); m.dispose();
  });

  it('shares the model\'s weights and exposes them without the head, under the model\'s keys', () => {
    const m = lenet();
    const extractor = sn.transfer.featureExtractor(m);
    const keys = Object.keys(m.stateDict()).filter((k) => !k.startsWith('fc3.'));
    expect(Object.keys(extractor.stateDict())).toEqual(keys);
    expect(extractor.stateDict()['conv1.weight']).toBe(m.conv1.weight);
    expect(extractor.numParameters()).toBe(m.numParameters() - 84 * 10 - 10);
    expect(extractor.namedChildren().map(([n]) => n)).not.toContain('fc3');
    extractor.eval();
    expect(m.training).toBe(false);
    expect(m.conv1.training).toBe(false);
    m.dispose();
  });

  it('cuts AlexNet\'s classifier before fc8, keeping fc7\'s ReLU (the 4096-d codes of the paper, here 12-d)', () => {
    const a = new TinyAlexNet(2).eval();
    const x = input([2, 12, 12, 1], 3);
    const codes = run(() => sn.transfer.featureExtractor(a).forward(x));
    const c = a.classifier;
    const expected = run(() => sn.relu(c[4]!.forward(sn.relu(c[1]!.forward(sn.flatten(a.avgpool.forward(a.features.forward(x))))))));
    expect(codes.shape).toEqual([2, 12]);
    expectClose(codes.data, expected.data, 1e-6, 1e-7, 'fc7 codes');
    expect(Object.keys(sn.transfer.featureExtractor(a).stateDict())).not.toContain('classifier.6.weight');
    x.dispose(); a.dispose();
  });

  it('returns ResNet\'s globally pooled codes when its fc is dropped', () => {
    const r = new TinyResNet(3);
    const x = input([2, 12, 12, 1], 4);
    const codes = run(() => sn.transfer.featureExtractor(r, { head: 'fc' }).forward(x));
    const expected = run(() => sn.flatten(sn.globalAvgPool2d(r.layer2.forward(r.layer1.forward(sn.relu(r.conv1.forward(x)))))));
    expect(codes.shape).toEqual([2, 6]);
    expectClose(codes.data, expected.data, 1e-6, 1e-7, 'pooled codes');
    x.dispose(); r.dispose();
  });

  it('upTo keeps an earlier layer: LeNet-5\'s pool2 map, AlexNet\'s features.2, a Sequential\'s first layers', () => {
    const m = lenet();
    const x = input([2, 32, 32, 1], 5);
    const pool2 = run(() => sn.transfer.featureExtractor(m, { upTo: 'pool2' }).forward(x));
    expect(pool2.shape).toEqual([2, 5, 5, 16]);
    expectClose(pool2.data, run(() => lenetByHand(m, x, 'pool2')).data, 1e-6, 1e-7, 'pool2');

    const a = new TinyAlexNet(4);
    const y = input([1, 12, 12, 1], 6);
    const early = sn.transfer.featureExtractor(a, { upTo: 'features.2' });
    expect(early.dropped).toEqual(['features.3', 'features.4', 'avgpool', 'flatten', 'classifier']);
    const f = a.features;
    expectClose(run(() => early.forward(y)).data, run(() => f[2]!.forward(f[1]!.forward(f[0]!.forward(y)))).data, 1e-6, 1e-7, 'features.2');
    expect(Object.keys(early.stateDict())).toEqual(['features.0.weight', 'features.0.bias']);

    const seq = new sn.nn.Sequential(new sn.nn.Linear(4, 3), new sn.nn.ReLU(), new sn.nn.Linear(3, 2));
    const z = input([2, 4], 7);
    expectClose(run(() => sn.transfer.featureExtractor(seq, { upTo: 1 }).forward(z)).data,
      run(() => sn.relu(seq[0]!.forward(z))).data, 1e-6, 1e-7, 'Sequential up to 1');
    sn.dispose([x, y, z]); m.dispose(); a.dispose(); seq.dispose();
  });

  it('still drops the head after the model\'s head was replaced', () => {
    const m = lenet();
    const extractor = sn.transfer.featureExtractor(m);
    sn.transfer.replaceHead(m, 3).dispose();
    const x = input([1, 32, 32, 1]);
    expect(run(() => extractor.forward(x)).shape).toEqual([1, 84]);
    x.dispose(); m.dispose();
  });

  it('rejects an unknown head, a cut with nothing after it, both options at once, and a non-Module', () => {
    const m = lenet();
    expect(() => sn.transfer.featureExtractor(m, { head: 'classifier' })).toThrowError(/featureExtractor: LeNet5Modern has no child 'classifier'/);
    expect(() => sn.transfer.featureExtractor(m, { upTo: 'layer3' })).toThrowError(/LeNet5Modern has no child 'layer3'/);
    expect(() => sn.transfer.featureExtractor(m, { upTo: 'fc3' })).toThrowError(/nothing comes after 'fc3'/);
    expect(() => sn.transfer.featureExtractor(m, { head: 'fc3', upTo: 'fc2' })).toThrowError(/either \{ head \}.*or \{ upTo \}/);
    expect(() => sn.transfer.featureExtractor(m, { upTo: -1 })).toThrowError(/non-negative integer/);
    expect(() => sn.transfer.featureExtractor({} as sn.nn.Module)).toThrowError(/expected a Module, got Object/);
    m.dispose();
  });
});

describe('replaceHead and removeHead', () => {
  it('a number of classes gives a fresh Linear of the old head\'s width under the old head\'s keys', () => {
    const m = lenet();
    const old = sn.transfer.replaceHead(m, 5, { random: new sn.Random(9) });
    expect(old).toBeInstanceOf(sn.nn.Linear);
    expect((old as sn.nn.Linear).outFeatures).toBe(10);
    const dict = m.stateDict();
    expect(Object.keys(dict).slice(-2)).toEqual(['fc3.weight', 'fc3.bias']);
    expect(dict['fc3.weight']!.shape).toEqual([5, 84]);
    const x = input([2, 32, 32, 1]);
    expect(run(() => m.forward(x)).shape).toEqual([2, 5]);
    x.dispose(); old.dispose(); m.dispose();
  });

  it('puts a given module at a nested head path and keeps the key order', () => {
    const a = new TinyAlexNet(1);
    const keysBefore = Object.keys(a.stateDict());
    const head = new sn.nn.Linear(12, 2);
    sn.transfer.replaceHead(a, head, { head: 'classifier.6' }).dispose();
    expect(a.classifier[6]).toBe(head);
    expect(Object.keys(a.stateDict())).toEqual(keysBefore);
    expect(a.stateDict()['classifier.6.weight']!.shape).toEqual([2, 12]);
    a.dispose();
  });

  it('removeHead makes the model itself return the codes featureExtractor returns', () => {
    const m = lenet(), twin = lenet();
    const x = input([2, 32, 32, 1]);
    const expected = run(() => sn.transfer.featureExtractor(twin).forward(x));
    const head = sn.transfer.removeHead(m);
    expect(m.fc3).toBeInstanceOf(sn.nn.Identity);
    expectClose(run(() => m.forward(x)).data, expected.data, 0, 0, 'codes');
    x.dispose(); head.dispose(); m.dispose(); twin.dispose();
  });

  it('rejects a bad new head: not a Module, no classes, a number for a non-Linear head, a module already inside', () => {
    const m = lenet(), a = new TinyAlexNet(1);
    expect(() => sn.transfer.replaceHead(m, 0)).toThrowError(/number of classes must be a positive integer, got 0/);
    expect(() => sn.transfer.replaceHead(m, 'fc' as unknown as number)).toThrowError(/must be a Module or a number of classes, got string/);
    expect(() => sn.transfer.replaceHead(a, 3, { head: 'classifier' })).toThrowError(/the head 'classifier' is a Sequential, not a Linear/);
    expect(() => sn.transfer.replaceHead(m, m.fc2)).toThrowError(/already part of the model/);
    expect(m.fc3).toBeInstanceOf(sn.nn.Linear);
    m.dispose(); a.dispose();
  });
});
