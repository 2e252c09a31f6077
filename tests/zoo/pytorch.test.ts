/**
 * Every zoo model against PyTorch (tests/fixtures/zoo, made by scripts/fixtures/make_zoo_fixtures.py):
 * the torch-layout state dict of the fixture's weight formula goes the way a user's checkpoint
 * goes — written as safetensors, read back, imported by the torchvision loader — and the model's
 * float32 logits must match PyTorch's float64 ones. The keys and their order must be torchvision's,
 * and the parameter counts too.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import type { Module } from '../../src/nn/module.ts';
import { relativeL2 } from '../helpers/compare.ts';
import { formulaStateDict, formulaValues } from '../helpers/torch-weights.ts';

interface FixtureTensor { shape: number[]; data: number[] }
interface ModelCase {
  name: string;
  builder: string;
  options: Record<string, unknown>;
  input: string;
  parameters: number;
  keys: string[];
  shapes: number[][];
  weightSum: number;
  logits: FixtureTensor;
  aux?: { aux1: FixtureTensor; aux2: FixtureTensor };
}
interface ZooFixture {
  seed: number;
  inputs: Record<string, number[]>;
  models: ModelCase[];
  checkpoint: { file: string; input: string; keys: string[]; numBatchesTracked: Record<string, number>; logits: FixtureTensor };
}

const root = new URL('../fixtures/zoo/', import.meta.url);
const fixture = JSON.parse(readFileSync(new URL('zoo.json', root), 'utf8')) as ZooFixture;

const builders: Record<string, (options: Record<string, unknown>) => Module> = {
  alexnet: sn.zoo.alexnet, zfnet: sn.zoo.zfnet, googlenet: sn.zoo.googlenet,
  vgg11: sn.zoo.vgg11, vgg11_bn: sn.zoo.vgg11_bn, vgg13: sn.zoo.vgg13, vgg13_bn: sn.zoo.vgg13_bn,
  vgg16: sn.zoo.vgg16, vgg16_bn: sn.zoo.vgg16_bn, vgg19: sn.zoo.vgg19, vgg19_bn: sn.zoo.vgg19_bn,
  resnet18: sn.zoo.resnet18, resnet34: sn.zoo.resnet34, resnet50: sn.zoo.resnet50, resnet101: sn.zoo.resnet101, resnet152: sn.zoo.resnet152,
};

function input(name: string): sn.Tensor {
  const shape = fixture.inputs[name]!;
  return sn.tensor(formulaValues(fixture.seed, name, shape.reduce((a, b) => a * b, 1)), shape, { requiresGrad: false });
}

const errors: [string, number][] = [];

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

afterAll(() => {
  console.log(`relative L2 error vs PyTorch float64:\n${errors.map(([n, e]) => `  ${n.padEnd(18)} ${e.toExponential(2)}`).join('\n')}`);
});

describe('zoo models reproduce torchvision (PyTorch float64) through a safetensors checkpoint', () => {
  for (const c of fixture.models) {
    it(`${c.name} (${c.parameters.toLocaleString('en-US')} parameters, input ${fixture.inputs[c.input]!.join('×')})`, () => {
      const model = builders[c.builder]!({ ...c.options, initWeights: false });
      try {
        expect(model.numParameters()).toBe(c.parameters);
        expect(Object.keys(model.stateDict())).toEqual(c.keys);

        const { dict, sum, sumAbs } = formulaStateDict(fixture.seed, c.keys, c.shapes);
        expect(Math.abs(sum - c.weightSum), 'the weight formula disagrees with the generator').toBeLessThan(1e-9 * sumAbs);

        const file = sn.io.writeSafetensors(dict);
        sn.io.loadTorchvisionStateDict(model, sn.io.loadSafetensors(file));
        model.eval();
        const outputs = sn.tidy(() => {
          const x = input(c.input);
          if (c.aux) {
            const { logits, aux1, aux2 } = (model as sn.zoo.GoogLeNet).forwardWithAux(x);
            return { logits: logits.dataSync(), aux1: aux1!.dataSync(), aux2: aux2!.dataSync() };
          }
          return { logits: model.forward(x).dataSync() };
        });
        const error = relativeL2(outputs.logits, c.logits.data);
        errors.push([c.name, error]);
        expect(outputs.logits.length).toBe(c.logits.data.length);
        expect(error).toBeLessThan(1e-4);
        if (c.aux) {
          for (const head of ['aux1', 'aux2'] as const) {
            const e = relativeL2(outputs[head]!, c.aux[head].data);
            errors.push([`${c.name}.${head}`, e]);
            expect(e).toBeLessThan(1e-4);
          }
        }
      } finally {
        model.dispose();
      }
    }, 60_000);
  }
});

describe('a real checkpoint: a state_dict saved from PyTorch in float16', () => {
  const ck = fixture.checkpoint;

  /** The generator's MiniResNet: torchvision's BasicBlock, then a Linear reading a 16×4×4 flatten. */
  class MiniResNet extends sn.nn.Module {
    conv1 = new sn.nn.Conv2d(3, 8, 3, { padding: 1, bias: false });
    bn1 = new sn.nn.BatchNorm2d(8);
    relu = new sn.nn.ReLU();
    layer1 = new sn.nn.Sequential(new sn.zoo.BasicBlock(8, 16, 2, sn.zoo.downsample(8, 16, 2)), new sn.zoo.BasicBlock(16, 16));
    flatten = new sn.nn.Flatten();
    fc = new sn.nn.Linear(16 * 4 * 4, 10);
    readonly flattenedLinears = { fc: [16, 4, 4] } as const;
    forward(x: sn.Tensor) {
      const h = this.layer1.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x))));
      return this.fc.forward(this.flatten.forward(h));
    }
  }

  it('loads with no conversion script (F16 weights, I64 num_batches_tracked) and reproduces PyTorch', () => {
    const bytes = readFileSync(new URL(ck.file, root));
    const file = sn.io.readSafetensors(bytes);
    expect(new Set([...file.tensors.values()].map((t) => t.dtype))).toEqual(new Set(['F16', 'I64']));
    expect([...file.tensors.keys()].sort()).toEqual([...ck.keys].sort());

    const model = new MiniResNet();
    try {
      expect(Object.keys(model.stateDict())).toEqual(ck.keys);
      sn.io.loadTorchvisionStateDict(model, sn.io.loadSafetensors(bytes));
      for (const [key, count] of Object.entries(ck.numBatchesTracked)) {
        expect(model.stateDict()[key]!.item(), key).toBe(count);
      }
      model.eval();
      const logits = sn.tidy(() => model.forward(input(ck.input)).dataSync());
      const error = relativeL2(logits, ck.logits.data);
      errors.push(['mini_resnet (f16)', error]);
      expect(error).toBeLessThan(1e-5);
    } finally {
      model.dispose();
    }
  });
});
