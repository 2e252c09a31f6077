import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import { relativeL2 } from '../helpers/compare.ts';
import { loadFixtureFiles, runCase } from '../helpers/fixtures.ts';

// The bar: every op, forward and every gradient, within 1e-5 relative (L2) of PyTorch's float64.
const TOLERANCE = 1e-5;

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

for (const { file, cases } of loadFixtureFiles()) {
  describe(`PyTorch fixtures ${file} on the wasm kernels (float32)`, () => {
    for (const c of cases) {
      it(`${c.name}: output and gradients match PyTorch within ${TOLERANCE}`, () => {
        const r = runCase(c, 'float32');
        expect(relativeL2(r.output, c.output.data), 'output').toBeLessThan(TOLERANCE);
        for (const [name, g] of Object.entries(c.grads)) expect(relativeL2(r.grads[name]!, g.data), `d/d${name}`).toBeLessThan(TOLERANCE);
        for (const [name, e] of Object.entries(c.extra ?? {})) expect(relativeL2(r.extra[name]!, e.data), `updated ${name}`).toBeLessThan(TOLERANCE);
      });
    }
  });
}
