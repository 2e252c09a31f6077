/** The transfer-learning APIs on the zoo's torchvision layouts (small inputs keep this quick). */
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import { relativeL2 } from '../helpers/compare.ts';

beforeAll(async () => {
  await sn.init();
});

describe('transfer learning on zoo models', () => {
  it("ResNet-18's CNN codes are the 512 pooled features before fc", () => {
    const model = sn.zoo.resnet18({ seed: 1 });
    expect(sn.transfer.findHead(model)).toBe('fc');
    const codes = sn.tidy(() => sn.transfer.featureExtractor(model).forward(sn.randn([2, 64, 64, 3], { seed: 2 })));
    expect(codes.shape).toEqual([2, 512]);
    codes.dispose();
    model.dispose();
  });

  it("AlexNet's codes are the 4,096 values after fc7 and its ReLU, all non-negative", () => {
    const model = sn.zoo.alexnet({ seed: 1 });
    expect(sn.transfer.findHead(model)).toBe('classifier.6');
    model.eval();
    const codes = sn.tidy(() => Array.from(sn.transfer.featureExtractor(model).forward(sn.randn([1, 96, 96, 3], { seed: 2 })).dataSync()));
    expect(codes.length).toBe(4096);
    expect(Math.min(...codes)).toBeGreaterThanOrEqual(0);
    expect(codes.some((v) => v > 0)).toBe(true);
    model.dispose();
  });

  it('freezing ResNet-18 up to layer3 leaves layer4 and fc to train, with their own learning rate', () => {
    const model = sn.zoo.resnet18({ seed: 1, initWeights: false });
    sn.transfer.freeze(model, { upTo: 'layer3' });
    const trainable = model.namedParameters().filter(([, p]) => p.requiresGrad).map(([k]) => k);
    expect(trainable.every((k) => k.startsWith('layer4.') || k.startsWith('fc.'))).toBe(true);
    expect(trainable).toContain('fc.weight');
    const [backbone, head] = sn.transfer.parameterGroups(model, { backboneLr: 1e-4, headLr: 1e-2 });
    expect(head.params).toEqual([model.fc.weight, model.fc.bias]);
    expect([backbone.lr, head.lr]).toEqual([1e-4, 1e-2]);
    model.dispose();
  });

  it("convolutionalize turns AlexNet's classifier into convolutions: the same logits at 224², a map of scores on larger images", () => {
    const model = sn.zoo.alexnet({ seed: 3 });
    model.eval();
    const x = sn.randn([1, 224, 224, 3], { seed: 4 });
    const before = sn.tidy(() => Array.from(model.forward(x).dataSync()));
    sn.transfer.convolutionalize(model, { inputShape: [224, 224, 3] });
    const after = sn.tidy(() => Array.from(model.forward(x).dataSync()));
    expect(relativeL2(after, before)).toBeLessThan(1e-5);
    const map = sn.tidy(() => model.forward(sn.randn([1, 256, 256, 3], { seed: 5 })));
    expect(map.shape).toEqual([1, 2, 2, 1000]);
    sn.dispose([x, map]);
    model.dispose();
  });
});
