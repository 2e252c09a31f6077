import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import { expectClose } from '../helpers/compare.ts';
import { crop, input, run, TinyAlexNet, TinyResNet } from './nets.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

const lenet = () => sn.zoo.lenet5({ variant: 'modern', seed: 11 }) as sn.zoo.LeNet5Modern;

/**
 * Checks the sliding-window property: position (i, j) of the converted model's map on `big` equals
 * the original model on the base-size crop at (i·stride, j·stride).
 */
function expectSlidingWindow(original: sn.nn.Module, converted: sn.nn.Module, big: sn.Tensor, base: [number, number], stride: number,
  expectedMap: [number, number], atol = 1e-5): void {
  const map = run(() => converted.forward(big));
  const [n, , , c] = big.shape as [number, number, number, number];
  const classes = map.shape[3]!;
  expect(map.shape).toEqual([n, ...expectedMap, classes]);
  const pixels = big.dataSync() as Float32Array;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < expectedMap[0]; i++) {
      for (let j = 0; j < expectedMap[1]; j++) {
        const window = crop(pixels, big.shape as [number, number, number, number], b, i * stride, j * stride, base[0], base[1]);
        const scores = run(() => original.forward(sn.tensor(window, [1, base[0], base[1], c], { requiresGrad: false })));
        const at = ((b * expectedMap[0] + i) * expectedMap[1] + j) * classes;
        expectClose(map.data.subarray(at, at + classes), scores.data, 0, atol, `image ${b}, position (${i}, ${j})`);
      }
    }
  }
}

describe('convolutionalize', () => {
  it('LeNet-5: the same logits at 32×32 and, on 40×40, a 3×3 map whose every position is LeNet-5 on its crop', () => {
    const original = lenet(), converted = lenet();
    const same = sn.transfer.convolutionalize(converted, { inputShape: [32, 32, 1] });
    expect(same).toBe(converted);
    expect(converted.fc1).toBeInstanceOf(sn.nn.Conv2d);
    expect(converted.flatten).toBeInstanceOf(sn.nn.Identity);
    const dict = converted.stateDict();
    expect(Object.keys(dict)).toEqual(Object.keys(original.stateDict()));
    expect(dict['fc1.weight']!.shape).toEqual([120, 5, 5, 16]);
    expect(dict['fc2.weight']!.shape).toEqual([84, 1, 1, 120]);
    expect(dict['fc3.weight']!.shape).toEqual([10, 1, 1, 84]);

    const x = input([3, 32, 32, 1], 21);
    const base = run(() => converted.forward(x));
    expect(base.shape).toEqual([3, 1, 1, 10]);
    expectClose(base.data, run(() => original.forward(x)).data, 0, 1e-5, 'logits at the base size');

    const big = input([2, 40, 40, 1], 22);
    expectSlidingWindow(original, converted, big, [32, 32], 4, [3, 3]);
    sn.dispose([x, big]); original.dispose(); converted.dispose();
  });

  it('keeps frozen layers frozen and the weights trainable as convolutions', () => {
    const m = lenet();
    m.fc1.requiresGrad(false);
    sn.transfer.convolutionalize(m, { inputShape: [32, 32, 1] });
    expect(m.stateDict()['fc1.weight']!.requiresGrad).toBe(false);
    expect(m.stateDict()['fc2.weight']!.requiresGrad).toBe(true);
    expect(m.trainableParameters()).toContain(m.stateDict()['fc2.weight']);
    m.dispose();
  });

  it('AlexNet\'s layout: the adaptive pool that is the identity at the base size goes, and the map slides', () => {
    const original = new TinyAlexNet(5).eval(), converted = new TinyAlexNet(5);
    sn.transfer.convolutionalize(converted, { inputShape: [12, 12, 1] });
    expect(converted.avgpool).toBeInstanceOf(sn.nn.Identity);
    expect(converted.classifier[1]).toBeInstanceOf(sn.nn.Conv2d);
    expect(converted.stateDict()['classifier.1.weight']!.shape).toEqual([16, 3, 3, 8]);
    converted.eval();
    const x = input([2, 12, 12, 1], 23);
    expectClose(run(() => converted.forward(x)).data, run(() => original.forward(x)).data, 0, 1e-5, 'scores at 12×12');
    // 18×18: features 6×6 (stride 2), fc6 as a 3×3 conv → 4×4 positions.
    const big = input([1, 18, 20, 1], 24);
    expectSlidingWindow(original, converted, big, [12, 12], 2, [4, 5]);
    sn.dispose([x, big]); original.dispose(); converted.dispose();
  });

  it('an adaptive pool that downsamples becomes a stride-1 average pool and a dilated conv, keeping the map dense', () => {
    // Base 14×14: features 4×4, pooled to 2×2 (k = 2): fc6 becomes a 2×2 conv with dilation 2.
    const original = new TinyAlexNet(6, { pool: 2 }).eval(), converted = new TinyAlexNet(6, { pool: 2 });
    sn.transfer.convolutionalize(converted, { inputShape: [14, 14, 1] });
    expect(converted.avgpool).toBeInstanceOf(sn.nn.AvgPool2d);
    const fc6 = converted.classifier[1] as sn.nn.Conv2d;
    expect(fc6.options.dilation).toEqual([2, 2]);
    converted.eval();
    const big = input([1, 20, 18, 1], 25);
    expectSlidingWindow(original, converted, big, [14, 14], 2, [4, 3]);
    original.dispose(); converted.dispose(); big.dispose();
  });

  it('ResNet\'s layout: global average pooling becomes a sliding average over the base window', () => {
    const original = new TinyResNet(7), converted = new TinyResNet(7);
    sn.transfer.convolutionalize(converted, { inputShape: [12, 12, 1] });
    expect(converted.avgpool).toBeInstanceOf(sn.nn.AvgPool2d);
    expect(converted.stateDict()['fc.weight']!.shape).toEqual([3, 1, 1, 6]);
    const big = input([2, 16, 16, 1], 26);
    expectSlidingWindow(original, converted, big, [12, 12], 2, [3, 3]);
    original.dispose(); converted.dispose(); big.dispose();
  });

  it('a Sequential model with a rectangular base size', () => {
    const make = () => {
      const random = new sn.Random(8);
      return new sn.nn.Sequential(new sn.nn.Conv2d(2, 3, 3, { random }), new sn.nn.ReLU(), new sn.nn.Flatten(),
        new sn.nn.Linear(6 * 10 * 3, 7, { random }), new sn.nn.Tanh(), new sn.nn.Linear(7, 4, { random }), new sn.nn.LogSoftmax(1));
    };
    const original = make(), converted = make();
    sn.transfer.convolutionalize(converted, { inputShape: [8, 12, 2] });
    expect(converted[6]).toBeInstanceOf(sn.nn.LogSoftmax);
    expect((converted[6] as sn.nn.LogSoftmax).axis).toBe(-1);
    const big = input([1, 11, 13, 2], 27);
    expectSlidingWindow(original, converted, big, [8, 12], 1, [4, 2]);
    original.dispose(); converted.dispose(); big.dispose();
  });

  it('refuses LeNet-5 classic, naming its RBF output layer, and leaves it unchanged', () => {
    const m = sn.zoo.lenet5({ variant: 'classic', seed: 1 }) as sn.zoo.LeNet5Classic;
    expect(() => sn.transfer.convolutionalize(m, { inputShape: [32, 32, 1] }))
      .toThrowError(/convolutionalize: the EuclideanRBF at 'output' runs after the flatten and has no convolutional equivalent/);
    expect(m.f6).toBeInstanceOf(sn.nn.Linear);
    expect(m.flatten).toBeInstanceOf(sn.nn.Flatten);
    m.dispose();
  });

  it('refuses a forward that flattens by itself, and a model with no Linear layer', () => {
    class FunctionalFlatten extends sn.nn.Module {
      conv = new sn.nn.Conv2d(1, 2, 3); fc = new sn.nn.Linear(2 * 4 * 4, 3);
      forward(x: sn.Tensor) { return this.fc.forward(sn.flatten(this.conv.forward(x))); }
    }
    const f = new FunctionalFlatten();
    expect(() => sn.transfer.convolutionalize(f, { inputShape: [6, 6, 1] }))
      .toThrowError(/the Linear at 'fc' gets a flat input \[1, 32\] that no nn.Flatten module produced \(the forward of FunctionalFlatten flattens by itself\)/);
    const conv = new sn.nn.Sequential(new sn.nn.Conv2d(1, 2, 3));
    expect(() => sn.transfer.convolutionalize(conv, { inputShape: [6, 6, 1] })).toThrowError(/Sequential runs no Linear layer on flat features: there is nothing to convert/);
    f.dispose(); conv.dispose();
  });

  it('refuses to convert a layer that runs twice, but accepts a ReLU shared by the feature layers', () => {
    class Twice extends sn.nn.Module {
      flatten = new sn.nn.Flatten(); fc = new sn.nn.Linear(4, 4);
      forward(x: sn.Tensor) { return this.fc.forward(this.fc.forward(this.flatten.forward(x))); }
    }
    const m = new Twice();
    expect(() => sn.transfer.convolutionalize(m, { inputShape: [2, 2, 1] })).toThrowError(/the Linear at 'fc' runs more than once in a forward; a shared layer cannot be converted/);
    expect(m.fc).toBeInstanceOf(sn.nn.Linear);
    m.dispose();
  });

  it('puts everything back when the converted model does not reproduce the original (arithmetic between modules)', () => {
    class Centred extends sn.nn.Module {
      flatten = new sn.nn.Flatten(); fc = new sn.nn.Linear(2 * 2 * 1, 3);
      // Subtracts each row's mean over axis 1: the class axis of [N, classes], but an image axis of a map.
      forward(x: sn.Tensor) {
        const s = this.fc.forward(this.flatten.forward(x));
        return sn.sub(s, sn.mean(s, { axis: 1, keepDims: true }));
      }
    }
    const m = new Centred();
    const weight = m.fc.weight;
    expect(() => sn.transfer.convolutionalize(m, { inputShape: [2, 2, 1] })).toThrowError(/does not compute what the original did .* The model was left unchanged/);
    expect(m.fc.weight).toBe(weight);
    expect(m.flatten).toBeInstanceOf(sn.nn.Flatten);
    expect(run(() => m.forward(input([1, 2, 2, 1]))).shape).toEqual([1, 3]);
    m.dispose();
  });

  it('rejects a missing or malformed base size and a non-Module', () => {
    const m = lenet();
    expect(() => sn.transfer.convolutionalize(m, {} as sn.transfer.ConvolutionalizeOptions)).toThrowError(/inputShape must be the base input size \[height, width, channels\]/);
    expect(() => sn.transfer.convolutionalize(m, { inputShape: [32, 32] as unknown as [number, number, number] })).toThrowError(/got \[32,32\]/);
    expect(() => sn.transfer.convolutionalize(m, { inputShape: [28, 28, 1] })).toThrowError(/running LeNet5Modern on an input of \[1, 28, 28, 1\] failed: .*Linear: expected inputs with 400 features/);
    expect(() => sn.transfer.convolutionalize(null as unknown as sn.nn.Module, { inputShape: [1, 1, 1] })).toThrowError(/expected a Module/);
    expect(m.fc1).toBeInstanceOf(sn.nn.Linear);
    m.dispose();
  });
});
