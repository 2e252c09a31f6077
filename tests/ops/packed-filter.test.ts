/**
 * conv2d keeps each filter packed beside its weights (src/ops/packed-filter.ts): packed once,
 * repacked only after the values change, freed with them, and never a stale copy.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';

beforeAll(async () => {
  await sn.init();
});

/** conv2d through a fresh copy of the filter: what the packed copy must reproduce. */
function freshConv(x: sn.Tensor, w: sn.Tensor, b: sn.Tensor | null, options: sn.Conv2dOptions): Float32Array {
  return sn.tidy(() => {
    const copy = sn.tensor(Array.from(w.dataSync()), w.shape);
    return sn.conv2d(x, copy, b, options).dataSync() as Float32Array;
  });
}

describe('the packed copy of a convolution filter', () => {
  const options: sn.Conv2dOptions = { padding: 1 };

  it('is made once, counted in memory(), and freed with the filter', () => {
    const start = sn.memory();
    const x = sn.randn([1, 6, 6, 16], { seed: 1 }), w = sn.randn([20, 3, 3, 16], { seed: 2 });
    sn.tidy(() => { sn.conv2d(x, w, null, options); });
    // 20 output channels in panels of 8: 24 columns of 3·3·16 taps.
    const packed = 24 * 144 * 4;
    expect(sn.memory().packedFilterBytes - start.packedFilterBytes).toBe(packed);
    const kept = w.storage.derived;
    sn.tidy(() => { sn.conv2d(x, w, null, options); });
    expect(w.storage.derived, 'the second call reuses the copy').toBe(kept);
    expect(sn.memory().packedFilterBytes - start.packedFilterBytes).toBe(packed);
    sn.dispose([x, w]);
    expect(sn.memory().packedFilterBytes).toBe(start.packedFilterBytes);
    expect(sn.memory().bytesInUse).toBe(start.bytesInUse);
  });

  it('is not made where the forward reads the filter as stored (depthwise, one input channel)', () => {
    const start = sn.memory().packedFilterBytes;
    sn.tidy(() => {
      sn.conv2d(sn.randn([1, 8, 8, 12]), sn.randn([12, 3, 3, 1]), null, { padding: 1, groups: 12 });
      sn.conv2d(sn.randn([2, 12, 12, 1]), sn.randn([6, 5, 5, 1]));
    });
    expect(sn.memory().packedFilterBytes).toBe(start);
  });

  it('follows an optimizer step: the next forward uses the new weights', () => {
    const layer = new sn.nn.Conv2d(16, 24, 3, { padding: 1, random: new sn.Random(3) });
    const optimizer = new sn.optim.SGD(layer.parameters(), { lr: 0.5, momentum: 0.9 });
    const x = sn.randn([2, 5, 5, 16], { seed: 4 });
    const initial = layer.weight.storage.version;
    for (let step = 0; step < 3; step++) {
      sn.tidy(() => {
        const tape = new sn.GradientTape();
        const loss = tape.record(() => sn.sum(sn.mul(layer.forward(x), layer.forward(x))));
        optimizer.step(tape.gradient(loss, optimizer.parameters()));
      });
      const y = sn.tidy(() => layer.forward(x).dataSync());
      expect(y, `after step ${step + 1}`).toEqual(freshConv(x, layer.weight, layer.bias, layer.options));
      expect(layer.weight.storage.derived!.version).toBe(layer.weight.storage.version);
    }
    expect(layer.weight.storage.version - initial, 'one write per step').toBe(3);
    sn.dispose(x);
    optimizer.dispose();
    layer.dispose();
  });

  it('is kept through training for a frozen layer and repacked once per step for a trained one', () => {
    const frozen = new sn.nn.Conv2d(8, 16, 3, { padding: 1, random: new sn.Random(5) }).requiresGrad(false);
    const trained = new sn.nn.Conv2d(16, 16, 3, { padding: 1, random: new sn.Random(6) });
    const optimizer = new sn.optim.SGD(trained.parameters(), { lr: 0.1 });
    const x = sn.randn([1, 6, 6, 8], { seed: 7 });
    const train = () => sn.tidy(() => {
      const tape = new sn.GradientTape();
      const loss = tape.record(() => sn.sum(trained.forward(sn.relu(frozen.forward(x)))));
      optimizer.step(tape.gradient(loss, optimizer.parameters()));
    });
    const initial = trained.weight.storage.version;
    train();
    const frozenCopy = frozen.weight.storage.derived!;
    const trainedCopy = trained.weight.storage.derived!;
    for (let i = 0; i < 4; i++) train();
    expect(frozen.weight.storage.derived).toBe(frozenCopy);
    expect(frozenCopy.version).toBe(frozen.weight.storage.version);
    expect(trained.weight.storage.derived!.ptr, 'repacked in place').toBe(trainedCopy.ptr);
    expect(trained.weight.storage.derived!.version - initial, 'packed by the forward of step 5, before its update').toBe(4);
    expect(trained.weight.storage.version - initial).toBe(5);
    sn.dispose(x);
    optimizer.dispose();
    frozen.dispose();
    trained.dispose();
  });

  it('follows loadStateDict', () => {
    const a = new sn.nn.Conv2d(16, 16, 3, { padding: 1, random: new sn.Random(8) }), b = new sn.nn.Conv2d(16, 16, 3, { padding: 1, random: new sn.Random(9) });
    const x = sn.randn([1, 5, 5, 16], { seed: 10 });
    const before = sn.tidy(() => a.forward(x).dataSync());
    a.loadStateDict(b.stateDict());
    const after = sn.tidy(() => a.forward(x).dataSync());
    expect(after).not.toEqual(before);
    expect(after).toEqual(sn.tidy(() => b.forward(x).dataSync()));
    sn.dispose(x);
    a.dispose();
    b.dispose();
  });

  it('is shared by reshaped views of the filter and remade for another filter shape', () => {
    const w = sn.randn([16, 3, 3, 8], { seed: 11 });
    const x = sn.randn([1, 4, 4, 8], { seed: 12 }), x2 = sn.randn([1, 4, 4, 24], { seed: 13 });
    sn.tidy(() => { sn.conv2d(x, w, null, options); });
    const view = w.reshape([16, 3, 1, 24]);
    const y = sn.tidy(() => sn.conv2d(x2, view, null, { padding: [1, 0] }).dataSync());
    expect(y, 'packed again for the new shape').toEqual(freshConv(x2, view, null, { padding: [1, 0] }));
    expect(w.storage.derived!.key).toBe('16×3×1×24/1');
    const back = sn.tidy(() => sn.conv2d(x, w, null, options).dataSync());
    expect(back).toEqual(freshConv(x, w, null, options));
    sn.dispose([w, view, x, x2]);
  });

  it('gives the same values as the unpacked kernels, with fused ReLU and bias', () => {
    const x = sn.randn([2, 9, 7, 12], { seed: 14 }), w = sn.randn([10, 3, 3, 12], { seed: 15 }), b = sn.randn([10], { seed: 16 });
    const o: sn.Conv2dOptions = { padding: 1, stride: 2, activation: 'relu' };
    const y = sn.tidy(() => sn.conv2d(x, w, b, o).dataSync());
    const plain = sn.tidy(() => {
      // Through the kernel with the filter as stored (what the forward did before keeping copies).
      const be = sn.backend(), k = be.kernels('float32');
      const out = sn.zeros([2, 5, 4, 10]);
      const g = new Int32Array([2, 9, 7, 12, 10, 3, 3, 2, 2, 1, 1, 1, 1, 1, 5, 4, 1]);
      k.conv2dForward(be.params(g), x.ptr, w.ptr, b.ptr, out.ptr, be.scratch(1 << 20));
      return out.dataSync();
    });
    expect(y).toEqual(plain);
    sn.dispose([x, w, b]);
  });
});
