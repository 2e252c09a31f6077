import { describe, expect, it } from 'vitest';
import * as sn from '../src/index.ts';
import { relativeL2 } from './helpers/compare.ts';

/** Runs the same seeded LeNet-5 training step on a backend and returns the loss and a gradient. */
async function lenetStep(backend: 'wasm' | 'js') {
  const info = await sn.init({ backend });
  const model = sn.zoo.lenet5({ seed: 3 });
  const x = sn.randn([4, 32, 32, 1], { seed: 4, requiresGrad: false });
  const y = sn.tensor([1, 2, 3, 4], [4], 'int32');
  const tape = new sn.GradientTape();
  const loss = tape.record(() => sn.crossEntropy(model.forward(x), y));
  const grads = tape.gradient(loss, model.parameters());
  return { info, loss: loss.item(), conv1: [...grads[0]!.dataSync()] };
}

describe('init', () => {
  it("selects the backend, and 'wasm' and 'js' compute the same numbers", async () => {
    const js = await lenetStep('js');
    expect(js.info).toMatchObject({ backend: 'js', simd: undefined, threads: 1 });
    const wasm = await lenetStep('wasm');
    expect(wasm.info.backend).toBe('wasm');
    expect(['simd', 'relaxed']).toContain(wasm.info.simd);
    expect(wasm.info.module).toBeInstanceOf(WebAssembly.Module);
    expect(Math.abs(wasm.loss - js.loss) / js.loss).toBeLessThan(1e-5);
    expect(relativeL2(wasm.conv1, js.conv1)).toBeLessThan(1e-5);
  });

  it('chooses the plain SIMD build when relaxed SIMD is declined, with the same results', async () => {
    const relaxed = await lenetStep('wasm');
    const plain = await sn.init({ backend: 'wasm', relaxedSimd: false });
    expect(plain.simd).toBe('simd');
    const again = await lenetStep('wasm');
    expect(relativeL2(again.conv1, relaxed.conv1)).toBeLessThan(1e-5);
  });

  it('accepts a compiled WebAssembly.Module, and rejects bad options clearly', async () => {
    const { module } = await sn.init();
    const reused = await sn.init({ wasm: module });
    expect(reused.backend).toBe('wasm');
    await expect(sn.init({ backend: 'gpu' as never })).rejects.toThrowError(/backend must be 'wasm' or 'js', got "gpu"/);
    await expect(sn.init({ maxMemoryBytes: 1 })).rejects.toThrowError(/maxMemoryBytes must be an integer/);
  });

  it('a tensor from before a re-init refuses to be used', async () => {
    await sn.init();
    const old = sn.ones([2]);
    await sn.init();
    expect(() => old.dataSync()).toThrowError(/replaced by a later init\(\)/);
  });
});
