/**
 * LeNet-5 trains to the same bits on 1, 2, 3 and 4 threads: one training step's loss and every
 * gradient, and a short training run's losses and final weights. minParallelWork = 0 splits even
 * LeNet's small kernels; the run also checks that memory in use stays flat with threads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import '../../src/threads.node.ts';
import { loadMnist, makeBatch, mapPixels, padImages, subset } from '../../src/data/index.ts';
import { bits } from './cases.ts';
import { expectSameBits } from './compare.ts';

let digits: sn.data.ImageDataset;
beforeAll(() => {
  digits = mapPixels(padImages(loadMnist(), 2), (v) => (v - 0.1307) / 0.3081);
});
afterAll(() => sn.shutdown());

const THREADS = [1, 2, 3, 4];

async function withThreads<T>(threads: number, body: () => T): Promise<T> {
  const info = await sn.init({ threads, minParallelWork: 0 });
  expect(info.threads).toBe(threads);
  return body();
}

describe('LeNet-5 with threads', () => {
  for (const variant of ['modern', 'classic'] as const) {
    it(`${variant}: one training step gives the same loss and gradients, bit for bit`, async () => {
      const step = () => sn.tidy(() => {
        const model = sn.zoo.lenet5({ variant, seed: 3 });
        const { x, y } = makeBatch(digits, Int32Array.from({ length: 32 }, (_, i) => i * 31));
        const tape = new sn.GradientTape();
        const loss = tape.record(() => sn.crossEntropy(model.forward(x), y));
        const grads = tape.gradient(loss, model.parameters());
        const out = { loss: bits(loss), grads: grads.map(bits) };
        model.dispose();
        return out;
      });
      const runs: ReturnType<typeof step>[] = [];
      for (const threads of THREADS) runs.push(await withThreads(threads, step));
      const splits = sn.backend().threadPool!.stats.splits;
      expect(splits.conv2dForward, 'conv2d forward ran split').toBeGreaterThan(0);
      expect(splits.conv2dBackwardInput, 'conv2d input gradient ran split').toBeGreaterThan(0);
      expect(splits.gemm, 'gemm ran split').toBeGreaterThan(0);
      for (const [i, run] of runs.entries()) {
        expectSameBits(run.loss, runs[0]!.loss, `${THREADS[i]} threads: loss`);
        run.grads.forEach((g, k) => expectSameBits(g, runs[0]!.grads[k]!, `${THREADS[i]} threads: gradient ${k}`));
      }
    });
  }

  it('a short training run gives the same losses and weights, bit for bit, in flat memory', async () => {
    const train = () => {
      sn.seed(5);
      const model = sn.zoo.lenet5({ variant: 'modern', seed: 5 });
      const optimizer = new sn.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      const data = subset(digits, Int32Array.from({ length: 320 }, (_, i) => i * 29));
      const random = new sn.Random(5);
      const losses: number[] = [];
      const inUse: number[] = [];
      for (let epoch = 0; epoch < 2; epoch++) {
        losses.push(sn.trainEpoch(model, data, { batchSize: 32, optimizer, random }).loss);
        inUse.push(sn.memory().bytesInUse);
      }
      const weights = model.parameters().map(bits);
      model.dispose();
      return { losses, weights, inUse };
    };
    const runs: ReturnType<typeof train>[] = [];
    for (const threads of THREADS) runs.push(await withThreads(threads, train));
    for (const [i, run] of runs.entries()) {
      expect(run.losses, `${THREADS[i]} threads: losses`).toEqual(runs[0]!.losses);
      run.weights.forEach((w, k) => expectSameBits(w, runs[0]!.weights[k]!, `${THREADS[i]} threads: weight ${k}`));
      expect(run.inUse[1], `${THREADS[i]} threads: bytes in use after each epoch`).toBe(run.inUse[0]);
    }
    expect(runs[0]!.losses[1]!).toBeLessThan(runs[0]!.losses[0]!);
  });
});
