import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../src/index.ts';
import { loadMnist, makeBatch, mapPixels, padImages, split, subset } from '../src/data/index.ts';

let digits: sn.data.ImageDataset;
beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
  digits = mapPixels(padImages(loadMnist(), 2), (v) => (v - 0.1307) / 0.3081);
});

describe('training LeNet-5', () => {
  it('memory in use after 1,000 steps equals that after step 10 (a flat training loop)', () => {
    const model = sn.zoo.lenet5({ seed: 1 });
    const optimizer = new sn.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const batch = Int32Array.from({ length: 8 }, (_, i) => i * 97);
    let afterTen = { bytesInUse: -1, liveTensors: -1 };
    for (let step = 1; step <= 1000; step++) {
      sn.tidy(() => {
        const { x, y } = makeBatch(digits, batch);
        sn.trainStep(model, x, y, optimizer);
      });
      if (step === 10) afterTen = sn.memory();
    }
    expect(sn.memory().bytesInUse).toBe(afterTen.bytesInUse);
    expect(sn.memory().liveTensors).toBe(afterTen.liveTensors);
    model.dispose();
  });

  it('the same seed gives the same losses, bit for bit', () => {
    const run = () => {
      sn.seed(5);
      const model = sn.zoo.lenet5({ variant: 'classic', seed: 5 });
      const optimizer = new sn.optim.SGD(model.parameters(), { lr: 0.02, momentum: 0.9 });
      const result = sn.trainEpoch(model, subset(digits, Int32Array.from({ length: 256 }, (_, i) => i * 37)), {
        batchSize: 32, optimizer, random: new sn.Random(5),
      });
      model.dispose();
      return result.loss;
    };
    expect(run()).toBe(run());
  });

  it('three epochs on 2,000 digits reach well above chance on held-out digits, for both variants', () => {
    const [train, test] = split(subset(digits, Int32Array.from({ length: 2500 }, (_, i) => i * 4)), 2000, 1);
    for (const variant of ['modern', 'classic'] as const) {
      const model = sn.zoo.lenet5({ variant, seed: 1 });
      const optimizer = new sn.optim.Adam(model.parameters(), { lr: 2e-3 });
      const random = new sn.Random(1);
      const losses = [1, 2, 3].map(() => sn.trainEpoch(model, train, { batchSize: 32, optimizer, random }).loss);
      expect(losses[2]!, variant).toBeLessThan(losses[0]!);
      expect(sn.evaluate(model, test).accuracy, variant).toBeGreaterThan(0.85);
      model.dispose();
    }
  });
});
