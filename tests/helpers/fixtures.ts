/**
 * Runs the PyTorch golden fixtures (tests/fixtures, made by scripts/fixtures/make_op_fixtures.py)
 * through simdnet's ops: each case's output, the gradient of Σ output ⊙ upstream with respect to
 * every float input, and any updated state (`extra`) must match PyTorch's float64 numbers.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { relativeL2 } from './compare.ts';
import * as sn from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';

export interface FixtureTensor { shape: number[]; data: number[]; dtype?: 'int32' }
export interface FixtureCase {
  name: string;
  op: string;
  options: Record<string, unknown>;
  inputs: Record<string, FixtureTensor | null>;
  output: FixtureTensor;
  upstream: FixtureTensor;
  grads: Record<string, FixtureTensor>;
  extra?: Record<string, FixtureTensor>;
}

const root = new URL('../fixtures/', import.meta.url);

export function loadFixtureFiles(): { file: string; cases: FixtureCase[] }[] {
  const opFiles = readdirSync(new URL('ops/', root)).filter((f) => f.endsWith('.json')).sort().map((f) => `ops/${f}`);
  return [...opFiles, 'nets.json'].map((file) => ({
    file,
    cases: (JSON.parse(readFileSync(new URL(file, root), 'utf8')) as { cases: FixtureCase[] }).cases,
  }));
}

type Inputs = Record<string, Tensor | null>;
type Runner = (i: Inputs, options: Record<string, unknown>) => Tensor;
const t = (i: Inputs, name: string): Tensor => {
  const v = i[name];
  if (!v) throw new Error(`fixture input ${name} is missing`);
  return v;
};

/** How each fixture op maps onto simdnet's functional API. */
export const runners: Record<string, Runner> = {
  conv2d: (i, o) => sn.conv2d(t(i, 'x'), t(i, 'w'), i.b ?? null, o),
  maxPool2d: (i, o) => sn.maxPool2d(t(i, 'x'), o as unknown as sn.PoolOptions),
  avgPool2d: (i, o) => sn.avgPool2d(t(i, 'x'), o as unknown as sn.AvgPoolOptions),
  lpPool2d: (i, o) => sn.lpPool2d(t(i, 'x'), o as unknown as sn.LpPoolOptions),
  adaptiveAvgPool2d: (i, o) => sn.adaptiveAvgPool2d(t(i, 'x'), o as { outputSize: [number, number] }),
  localResponseNorm: (i, o) => sn.localResponseNorm(t(i, 'x'), o as unknown as sn.LocalResponseNormOptions),
  batchNorm2d: (i, o) => sn.batchNorm2d(t(i, 'x'), t(i, 'runningMean'), t(i, 'runningVar'), i.weight ?? null, i.bias ?? null, o),
  linear: (i) => sn.linear(t(i, 'x'), t(i, 'w'), i.b ?? null),
  matmul: (i) => sn.matmul(t(i, 'a'), t(i, 'b')),
  relu: (i) => sn.relu(t(i, 'x')),
  sigmoid: (i) => sn.sigmoid(t(i, 'x')),
  tanh: (i) => sn.tanh(t(i, 'x')),
  scaledTanh: (i) => sn.scaledTanh(t(i, 'x')),
  exp: (i) => sn.exp(t(i, 'x')),
  softmax: (i, o) => sn.softmax(t(i, 'x'), o),
  logSoftmax: (i, o) => sn.logSoftmax(t(i, 'x'), o),
  crossEntropy: (i) => sn.crossEntropy(t(i, 'logits'), t(i, 'labels')),
  binaryCrossEntropyWithLogits: (i, o) => sn.binaryCrossEntropyWithLogits(t(i, 'logits'), t(i, 'targets'), o),
  binaryCrossEntropy: (i, o) => sn.binaryCrossEntropy(t(i, 'probabilities'), t(i, 'targets'), o),
  add: (i) => sn.add(t(i, 'a'), t(i, 'b')),
  mul: (i) => sn.mul(t(i, 'a'), t(i, 'b')),
  sum: (i, o) => sn.sum(t(i, 'x'), o),
  mean: (i, o) => sn.mean(t(i, 'x'), o),
  concat: (i, o) => sn.concat([t(i, 'a'), t(i, 'b'), t(i, 'c')], o.axis as number),

  conv_pool_linear: (i) => {
    const h = sn.maxPool2d(sn.relu(sn.conv2d(t(i, 'x'), t(i, 'w1'), t(i, 'b1'), { padding: 1 })), { kernelSize: 2 });
    return sn.crossEntropy(sn.linear(sn.flatten(h), t(i, 'w2'), t(i, 'b2')), t(i, 'labels'));
  },
  residual_block: (i, o) => {
    const bn = o.batchNorm as sn.BatchNormOptions;
    const h = sn.relu(sn.batchNorm2d(sn.conv2d(t(i, 'x'), t(i, 'w1'), null, { padding: 1 }), t(i, 'rm1'), t(i, 'rv1'), t(i, 'g1'), t(i, 'be1'), bn));
    const h2 = sn.batchNorm2d(sn.conv2d(h, t(i, 'w2'), null, { padding: 1 }), t(i, 'rm2'), t(i, 'rv2'), t(i, 'g2'), t(i, 'be2'), bn);
    return sn.relu(sn.add(h2, t(i, 'x')));
  },
  inception: (i) => {
    const x = t(i, 'x');
    const a = sn.conv2d(x, t(i, 'wa'), t(i, 'ba'));
    const b = sn.conv2d(sn.relu(sn.conv2d(x, t(i, 'wb1'), t(i, 'bb1'))), t(i, 'wb2'), t(i, 'bb2'), { padding: 1 });
    const c = sn.conv2d(sn.maxPool2d(x, { kernelSize: 3, stride: 1, padding: 1 }), t(i, 'wc'), t(i, 'bc'));
    return sn.relu(sn.concat([a, b, c], 3));
  },
  lenet5_modern: (i) => {
    let h = sn.maxPool2d(sn.relu(sn.conv2d(t(i, 'x'), t(i, 'conv1.weight'), t(i, 'conv1.bias'))), { kernelSize: 2 });
    h = sn.maxPool2d(sn.relu(sn.conv2d(h, t(i, 'conv2.weight'), t(i, 'conv2.bias'))), { kernelSize: 2 });
    h = sn.relu(sn.linear(sn.flatten(h), t(i, 'fc1.weight'), t(i, 'fc1.bias')));
    h = sn.relu(sn.linear(h, t(i, 'fc2.weight'), t(i, 'fc2.bias')));
    return sn.crossEntropy(sn.linear(h, t(i, 'fc3.weight'), t(i, 'fc3.bias')), t(i, 'labels'));
  },
};

export interface CaseResult {
  output: Float64Array;
  grads: Record<string, Float64Array>;
  extra: Record<string, Float64Array>;
}

/** Runs one case on the current backend in the given float dtype. */
export function runCase(c: FixtureCase, dtype: sn.FloatDtype): CaseResult {
  const runner = runners[c.op];
  if (!runner) throw new Error(`no runner for fixture op ${c.op}`);
  return sn.tidy(() => {
    const inputs: Inputs = {};
    for (const [name, v] of Object.entries(c.inputs)) {
      inputs[name] = v === null ? null : sn.tensor(v.data, v.shape, v.dtype === 'int32' ? 'int32' : dtype);
    }
    const sources = Object.keys(c.grads).map((name) => inputs[name]!);
    const tape = new sn.GradientTape();
    const upstream = sn.tensor(c.upstream.data, c.upstream.shape, dtype);
    const y = tape.record(() => runner(inputs, c.options));
    const loss = tape.record(() => sn.sum(sn.mul(y, upstream)));
    const grads = tape.gradient(loss, sources);
    const result: CaseResult = { output: Float64Array.from(y.dataSync()), grads: {}, extra: {} };
    Object.keys(c.grads).forEach((name, k) => { result.grads[name] = Float64Array.from(grads[k]!.dataSync()); });
    for (const name of Object.keys(c.extra ?? {})) result.extra[name] = Float64Array.from(inputs[name]!.dataSync());
    return result;
  });
}

/** Declares one test per fixture case: output, gradients and updated state within `tolerance` (relative L2). */
export function describeFixtureSuites(label: string, init: sn.InitOptions, dtype: sn.FloatDtype, tolerance: number): void {
  beforeAll(async () => {
    await sn.init(init);
  });
  for (const { file, cases } of loadFixtureFiles()) {
    describe(`PyTorch fixtures ${file} on ${label}`, () => {
      for (const c of cases) {
        it(`${c.name}: output and gradients match PyTorch within ${tolerance}`, () => {
          const r = runCase(c, dtype);
          expect(relativeL2(r.output, c.output.data), 'output').toBeLessThan(tolerance);
          for (const [name, g] of Object.entries(c.grads)) expect(relativeL2(r.grads[name]!, g.data), `d/d${name}`).toBeLessThan(tolerance);
          for (const [name, e] of Object.entries(c.extra ?? {})) expect(relativeL2(r.extra[name]!, e.data), `updated ${name}`).toBeLessThan(tolerance);
        });
      }
    });
  }
}
