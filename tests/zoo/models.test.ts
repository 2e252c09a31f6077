/**
 * The zoo models' construction: options and their errors, input checks that run before any kernel,
 * the architectural details torchvision fixes (v1.5 stride, downsample keys, BasicConv2d), the
 * GoogLeNet auxiliary-head API and the initialisation schemes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

/** Mean and standard deviation of a tensor's values. */
function stats(t: sn.Tensor): { mean: number; std: number } {
  const v = t.dataSync();
  let s = 0, s2 = 0;
  for (const x of v) { s += x; s2 += x * x; }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean) };
}

describe('inputs are checked before any kernel runs', () => {
  it('names the model, what it needs and what it got', () => {
    const alex = sn.zoo.alexnet({ initWeights: false, numClasses: 3 });
    const original = sn.zoo.alexnet({ variant: 'original', initWeights: false, numClasses: 3 });
    const zf = sn.zoo.zfnet({ initWeights: false, numClasses: 3 });
    const r18 = sn.zoo.resnet18({ initWeights: false, numClasses: 3 });
    const before = sn.memory().bytesInUse;
    sn.tidy(() => {
      expect(() => alex.forward(sn.zeros([1, 62, 62, 3]))).toThrow(/alexnet: the input must be at least 63×63, got 62×62/);
      expect(() => r18.forward(sn.zeros([1, 32, 32, 1]))).toThrow(/resnet18: expected NHWC images \[batch, height, width, 3\], got \[1, 32, 32, 1\]/);
      expect(() => r18.forward(sn.zeros([32, 32, 3]))).toThrow(/resnet18: expected NHWC images/);
      expect(() => original.forward(sn.zeros([1, 224, 224, 3]))).toThrow(/alexnet \(original\): fc6 reads a 6×6×256 feature map, which needs an input such as 227×227; a 224×224 input gives 5×5/);
      expect(() => zf.forward(sn.zeros([1, 227, 240, 3]))).toThrow(/zfnet: .* such as 224×224; a 227×240 input gives 6×7/);
      expect(() => zf.forward([1, 2, 3] as unknown as sn.Tensor)).toThrow(/zfnet: the input must be a Tensor/);
    });
    expect(sn.memory().bytesInUse).toBe(before);
    for (const m of [alex, original, zf, r18]) m.dispose();
  });

  it('rejects unknown or invalid options', () => {
    expect(() => sn.zoo.resnet18({ classes: 10 } as never)).toThrow(/resnet18: unknown option 'classes'/);
    expect(() => sn.zoo.vgg11({ numClasses: 0 })).toThrow(/vgg11: numClasses must be a positive integer, got 0/);
    expect(() => sn.zoo.alexnet({ variant: 'caffe' as never })).toThrow(/alexnet: variant must be 'torchvision' or 'original', got "caffe"/);
    expect(() => sn.zoo.googlenet({ dropout: 1 })).toThrow(/googlenet: dropout must be a number in \[0, 1\), got 1/);
    expect(() => sn.zoo.googlenet({ auxLogits: 'yes' as never })).toThrow(/googlenet: auxLogits must be a boolean/);
    expect(() => sn.zoo.resnet50({ initWeights: 0 as never })).toThrow(/resnet50: initWeights must be a boolean/);
    expect(() => sn.zoo.resnet34({ seed: NaN })).toThrow(/resnet34: seed must be a finite number/);
  });
});

describe('architecture', () => {
  it('ResNet: v1.5 puts the stride on the bottleneck\'s 3×3; projection shortcuts are downsample.0 / .1', () => {
    const m = sn.zoo.resnet50({ initWeights: false, numClasses: 10 });
    const first = m.layer2[0] as sn.zoo.Bottleneck;
    expect(first.conv1.options.stride).toBe(1);
    expect(first.conv2.options.stride).toBe(2);
    expect(first.downsample![0]).toBeInstanceOf(sn.nn.Conv2d);
    expect((first.downsample![0] as sn.nn.Conv2d).options.stride).toBe(2);
    expect(Object.keys(m.stateDict())).toContain('layer2.0.downsample.1.running_var');
    expect((m.layer2[1] as sn.zoo.Bottleneck).downsample).toBeNull();
    // layer1 of a Bottleneck net changes the width (64 → 256) without striding: a shortcut too.
    expect((m.layer1[0] as sn.zoo.Bottleneck).downsample).not.toBeNull();
    const r18 = sn.zoo.resnet18({ initWeights: false });
    expect((r18.layer1[0] as sn.zoo.BasicBlock).downsample).toBeNull();
    const y = sn.tidy(() => m.forward(sn.zeros([2, 40, 40, 3])).shape);
    expect(y).toEqual([2, 10]);
    m.dispose(); r18.dispose();
  });

  it('GoogLeNet: BasicConv2d is a bias-free conv + batch norm with eps 0.001; the third branch has a 3×3', () => {
    const m = sn.zoo.googlenet({ initWeights: false });
    expect(m.conv1.conv.bias).toBeNull();
    expect(m.conv1.bn.eps).toBe(0.001);
    expect((m.inception3a.branch3[1] as sn.zoo.BasicConv2d).conv.kernelSize).toEqual([3, 3]);
    expect(m.inception5b.outChannels).toBe(1024);
    m.dispose();
  });

  it('GoogLeNet: forward gives the logits only; forwardWithAux adds the heads when the model has them', () => {
    const m = sn.zoo.googlenet({ auxLogits: true, numClasses: 7, seed: 3 });
    const plain = sn.zoo.googlenet({ numClasses: 7, seed: 3 });
    const x = sn.rand([2, 64, 64, 3], { requiresGrad: false });
    m.train();
    const shapes = sn.tidy(() => {
      const out = m.forwardWithAux(x);
      return [out.logits.shape, out.aux1!.shape, out.aux2!.shape];
    });
    expect(shapes).toEqual([[2, 7], [2, 7], [2, 7]]);
    expect(sn.tidy(() => m.forward(x).shape)).toEqual([2, 7]);
    plain.eval();
    const none = sn.tidy(() => { const o = plain.forwardWithAux(x); return [o.aux1, o.aux2]; });
    expect(none).toEqual([null, null]);
    // The same seed builds the same trunk; in evaluation mode forward and forwardWithAux agree.
    m.eval();
    const [a, b] = sn.tidy(() => [m.forward(x).dataSync(), m.forwardWithAux(x).logits.dataSync()]);
    expect([...a!]).toEqual([...b!]);
    sn.dispose(x); m.dispose(); plain.dispose();
  });

  it('GoogLeNet: transformInput is torchvision\'s per-channel re-normalisation of the input', () => {
    const transformed = sn.zoo.googlenet({ transformInput: true, numClasses: 5, seed: 9 }).eval();
    const plain = sn.zoo.googlenet({ numClasses: 5, seed: 9 }).eval();
    const [got, expected] = sn.tidy(() => {
      const x = sn.rand([1, 32, 32, 3], { requiresGrad: false });
      const scale = sn.tensor([0.229 / 0.5, 0.224 / 0.5, 0.225 / 0.5], [3]);
      const shift = sn.tensor([(0.485 - 0.5) / 0.5, (0.456 - 0.5) / 0.5, (0.406 - 0.5) / 0.5], [3]);
      return [transformed.forward(x).dataSync(), plain.forward(sn.add(sn.mul(x, scale), shift)).dataSync()];
    });
    expect([...got!]).toEqual([...expected!]);
    expect(Object.keys(transformed.stateDict())).toEqual(Object.keys(plain.stateDict()));
    transformed.dispose(); plain.dispose();
  });
});

describe('initialisation follows torchvision (and the papers for the original AlexNet and ZFNet)', () => {
  it('layers take the zoo\'s schemes as custom initializers, which must return the asked shape', () => {
    const ok = new sn.nn.Linear(3, 2, { init: (shape) => sn.full(shape, 0.5) });
    expect([...ok.weight.dataSync()]).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(() => new sn.nn.Conv2d(1, 2, 3, { init: () => sn.zeros([2, 3]) }))
      .toThrow(/a custom initializer must return a tensor of shape \[2, 3, 3, 1\], got \[2, 3\]/);
    ok.dispose();
  });

  it('ResNet: He normal with fan_out for convolutions, batch norm 1 / 0; zeroInitResidual zeroes each block\'s last γ', () => {
    const m = sn.zoo.resnet18({ seed: 1, zeroInitResidual: true, numClasses: 10 });
    const w = m.layer3[1] as sn.zoo.BasicBlock;
    const { mean, std } = stats(w.conv1.weight);
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    expect(std / Math.sqrt(2 / (256 * 3 * 3))).toBeCloseTo(1, 2);
    expect(new Set(w.bn1.weight!.dataSync())).toEqual(new Set([1]));
    expect(new Set(w.bn2.weight!.dataSync())).toEqual(new Set([0]));
    const again = sn.zoo.resnet18({ seed: 1, numClasses: 10 });
    expect([...again.conv1.weight.dataSync()]).toEqual([...m.conv1.weight.dataSync()]);
    expect(new Set((again.layer3[1] as sn.zoo.BasicBlock).bn2.weight!.dataSync())).toEqual(new Set([1]));
    m.dispose(); again.dispose();
  });

  it('the original AlexNet: N(0, 0.01²) with biases 1 in conv2, conv4, conv5, fc6, fc7; initWeights: false leaves zeros', () => {
    const a = sn.zoo.alexnet({ variant: 'original', seed: 2, numClasses: 10 });
    const biasOnes = Object.entries(a.stateDict()).filter(([k]) => k.endsWith('.bias'))
      .map(([k, t]) => [k, [...new Set(t.dataSync())]]);
    expect(biasOnes).toEqual([
      ['features.0.bias', [0]], ['features.4.bias', [1]], ['features.8.bias', [0]], ['features.10.bias', [1]], ['features.12.bias', [1]],
      ['classifier.1.bias', [1]], ['classifier.4.bias', [1]], ['classifier.6.bias', [0]],
    ]);
    expect(stats(a.features[8]!.parameters()[0]!).std).toBeCloseTo(0.01, 3);
    a.dispose();
    const v = sn.zoo.vgg11_bn({ seed: 2, initWeights: false, numClasses: 10 });
    expect(new Set((v.features[0] as sn.nn.Conv2d).bias!.dataSync())).toEqual(new Set([0]));
    expect(new Set((v.features[0] as sn.nn.Conv2d).weight.dataSync())).toEqual(new Set([0])); // initWeights: false
    v.dispose();
  });
});
