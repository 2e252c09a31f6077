/**
 * Shape-only parameter counting (src/nn/count.ts) agrees with the layers it describes: with
 * Conv2d/Linear numParameters() and with the output shape conv2d actually produces.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import { conv2dOutputShape, conv2dParameterCount, denseEquivalent, linearParameterCount, type Conv2dConfig } from '../../src/nn/count.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

const convConfigs: Conv2dConfig[] = [
  { inChannels: 1, outChannels: 6, kernelSize: 5 },
  { inChannels: 3, outChannels: 8, kernelSize: [3, 5], bias: false },
  { inChannels: 6, outChannels: 12, kernelSize: 3, groups: 3, stride: 2, padding: 1 },
  { inChannels: 4, outChannels: 4, kernelSize: 3, groups: 4, padding: 'same', dilation: 2 },
  { inChannels: 5, outChannels: 7, kernelSize: 1, stride: [2, 1], padding: [1, 0, 2, 1] },
];

describe('parameter counts without allocating weights', () => {
  it('conv2dParameterCount equals the numParameters() of the Conv2d it describes', () => {
    for (const c of convConfigs) {
      const layer = new sn.nn.Conv2d(c.inChannels, c.outChannels, c.kernelSize, { groups: c.groups, bias: c.bias });
      expect(conv2dParameterCount(c), JSON.stringify(c)).toBe(layer.numParameters());
      layer.dispose();
    }
  });

  it('linearParameterCount equals the numParameters() of the Linear it describes', () => {
    for (const [i, o, bias] of [[784, 10, true], [7, 3, false], [1, 1, true]] as const) {
      const layer = new sn.nn.Linear(i, o, { bias });
      expect(linearParameterCount({ inFeatures: i, outFeatures: o, bias })).toBe(layer.numParameters());
      layer.dispose();
    }
  });

  it('conv2dOutputShape is the shape conv2d produces (stride, padding forms, dilation, groups)', () => {
    for (const c of convConfigs) {
      sn.tidy(() => {
        const x = sn.zeros([1, 11, 9, c.inChannels]);
        const w = sn.zeros([c.outChannels, ...(Array.isArray(c.kernelSize) ? c.kernelSize : [c.kernelSize, c.kernelSize]), c.inChannels / (c.groups ?? 1)]);
        const y = sn.conv2d(x, w, null, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups });
        expect(conv2dOutputShape(c, [11, 9]), JSON.stringify(c)).toEqual(y.shape.slice(1));
      });
    }
  });

  it('the dense equivalent maps every input value to every output value, with a bias per output value', () => {
    const c: Conv2dConfig = { inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1 };
    const dense = denseEquivalent(c, [6, 5]);
    expect(dense).toEqual({ inFeatures: 6 * 5 * 3, outFeatures: 6 * 5 * 4, bias: true });
    const layer = new sn.nn.Linear(dense.inFeatures, dense.outFeatures);
    expect(linearParameterCount(dense)).toBe(layer.numParameters());
    layer.dispose();
    expect(denseEquivalent({ ...c, bias: false, padding: 0 }, [6, 5])).toEqual({ inFeatures: 90, outFeatures: 4 * 3 * 4, bias: false });
  });

  it('counts a 5×5 filter on a 3000×2000 image against its dense equivalent exactly', () => {
    const conv: Conv2dConfig = { inChannels: 1, outChannels: 1, kernelSize: 5, padding: 'same', bias: false };
    expect(conv2dParameterCount(conv)).toBe(25);
    const pixels = 3000 * 2000;
    expect(linearParameterCount(denseEquivalent(conv, [3000, 2000]))).toBe(pixels * pixels);
    // 'valid' padding: the output map shrinks by the kernel's reach.
    expect(conv2dOutputShape({ ...conv, padding: 'valid' }, [3000, 2000])).toEqual([2996, 1996, 1]);
  });

  it('refuses bad configurations and counts too large to be exact, naming what was wrong', () => {
    expect(() => conv2dParameterCount({ inChannels: 3, outChannels: 4, kernelSize: 3, groups: 2 })).toThrowError(/conv2dParameterCount: inChannels 3 and outChannels 4 must be divisible by groups 2/);
    expect(() => conv2dParameterCount({ inChannels: 1.5, outChannels: 4, kernelSize: 3 })).toThrowError(/inChannels must be a positive integer, got 1.5/);
    expect(() => conv2dParameterCount({ inChannels: 1, outChannels: 4, kernelSize: [3, 0] })).toThrowError(/kernelSize\[1\] must be a positive integer, got 0/);
    expect(() => linearParameterCount({ inFeatures: 0, outFeatures: 4 })).toThrowError(/linearParameterCount: inFeatures must be a positive integer, got 0/);
    expect(() => conv2dOutputShape({ inChannels: 1, outChannels: 1, kernelSize: 7 }, [5, 5])).toThrowError(/the 5×5 input is smaller than the 7×7 kernel/);
    expect(() => conv2dOutputShape({ inChannels: 1, outChannels: 1, kernelSize: 3 }, [5, -1])).toThrowError(/input width must be a positive integer, got -1/);
    const huge: Conv2dConfig = { inChannels: 3, outChannels: 64, kernelSize: 3, padding: 'same' };
    expect(() => linearParameterCount(denseEquivalent(huge, [30_000, 20_000]))).toThrowError(/exceeds 2\^53 − 1/);
  });
});
