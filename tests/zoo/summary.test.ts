/**
 * sn.summary: a hand-checked small net, VGG-16's classic accounting (CS231n's table, row by row),
 * GoogLeNet's 1×1 bottlenecks, and the parameter totals of every zoo model against torchvision.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import type { Module } from '../../src/nn/module.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

const sizes = (rows: sn.SummaryRow[], type: string) => rows.filter((r) => r.type === type);

describe('summary on a small net (every number by hand)', () => {
  const net = () => new sn.nn.Sequential(
    new sn.nn.Conv2d(3, 4, 3, { padding: 1 }), new sn.nn.ReLU(), new sn.nn.MaxPool2d(2), new sn.nn.Flatten(), new sn.nn.Linear(4 * 2 * 2, 5),
  );

  it('counts outputs, parameters and multiply-adds layer by layer', () => {
    const m = net();
    const s = sn.summary(m, [2, 4, 4, 3]);
    expect(s.rows.map((r) => [r.name, r.type, r.outputShape, r.activations, r.parameters, r.multiplyAdds])).toEqual([
      ['(input)', 'Input', [2, 4, 4, 3], 2 * 4 * 4 * 3, 0, 0],
      ['0', 'Conv2d', [2, 4, 4, 4], 2 * 4 * 4 * 4, 4 * 3 * 3 * 3 + 4, (2 * 4 * 4 * 4) * (3 * 3 * 3)],
      ['1', 'ReLU', [2, 4, 4, 4], 0, 0, 0], // in place
      ['2', 'MaxPool2d', [2, 2, 2, 4], 2 * 2 * 2 * 4, 0, 0],
      ['3', 'Flatten', [2, 16], 0, 0, 0], // a view
      ['4', 'Linear', [2, 5], 2 * 5, 16 * 5 + 5, 2 * 5 * 16],
    ]);
    expect(s.totals).toEqual({
      parameters: 112 + 85, trainableParameters: 197, parameterBytes: 197 * 4, parametersNotRun: 0,
      activations: 96 + 128 + 32 + 10, activationBytes: (96 + 128 + 32 + 10) * 4, multiplyAdds: 3456 + 160,
    });
    const all = sn.summary(m, [2, 4, 4, 3], { countInPlace: true });
    expect(all.totals.activations).toBe(266 + 128 + 32);
    expect(all.rows[2]!).toMatchObject({ type: 'ReLU', inPlace: true, activations: 128 });
    m.dispose();
  });

  it('prints a table with the totals, counts a reused module\'s parameters once, and trainable ones apart', () => {
    const relu = new sn.nn.ReLU();
    class Twice extends sn.nn.Module {
      fc = new sn.nn.Linear(3, 3);
      act = relu;
      forward(x: sn.Tensor) { return this.act.forward(this.fc.forward(this.act.forward(this.fc.forward(x)))); }
    }
    const m = new Twice();
    m.fc.bias!.requiresGrad = false;
    const s = sn.summary(m, [1, 3]);
    expect(s.rows.map((r) => `${r.name}:${r.parameters}`)).toEqual(['(input):0', 'fc:12', 'act:0', 'fc:0', 'act:0']);
    expect(s.totals.parameters).toBe(12);
    expect(s.totals.trainableParameters).toBe(9);
    expect(s.totals.multiplyAdds).toBe(2 * 9);
    const text = s.toString();
    expect(text).toMatch(/Layer \(type\)\s+Output shape\s+Activations\s+Param #\s+Mult-adds/);
    expect(text).toMatch(/fc \(Linear\)\s+\[1, 3\]\s+3\s+12\s+9/);
    expect(text).toMatch(/Parameters: 12 \(0\.00 MB\), trainable 9/);
    m.dispose();
  });

  it('leaves the model as it was: modes, methods, memory — also when the forward pass throws', () => {
    const m = net();
    m.train();
    const before = sn.memory().liveTensors;
    sn.summary(m, [1, 4, 4, 3]);
    expect(m.namedModules().every(([, c]) => c.training)).toBe(true);
    expect(m.namedModules().some(([, c]) => Object.hasOwn(c, 'forward'))).toBe(false);
    expect(sn.memory().liveTensors).toBe(before);
    expect(() => sn.summary(m, [1, 6, 6, 3])).toThrow(/Linear: expected inputs with 16 features/);
    expect(m.namedModules().some(([, c]) => Object.hasOwn(c, 'forward'))).toBe(false);
    expect(m.training).toBe(true);
    expect(sn.memory().liveTensors).toBe(before);
    m.dispose();
  });

  it('rejects a bad input shape before running anything', () => {
    const m = net();
    expect(() => sn.summary(m, [1, 4, 0, 3])).toThrow(/summary: inputShape must be a non-empty array of positive integers/);
    expect(() => sn.summary(m, 'big' as unknown as number[])).toThrow(/inputShape/);
    expect(() => sn.summary({} as Module, [1])).toThrow(/model must be a Module/);
    m.dispose();
  });
});

describe('VGG-16 on one 224×224×3 image: the classic accounting', () => {
  // CS231n's table: the input, then [side, channels] of each CONV3 output and each POOL2 output.
  const convs: [number, number][] = [[224, 64], [224, 64], [112, 128], [112, 128], [56, 256], [56, 256], [56, 256],
    [28, 512], [28, 512], [28, 512], [14, 512], [14, 512], [14, 512]];
  const pools: [number, number][] = [[112, 64], [56, 128], [28, 256], [14, 512], [7, 512]];
  const fcs = [4096, 4096, 1000];
  const values = ([side, c]: [number, number]) => side * side * c;
  const convValues = convs.reduce((n, s) => n + values(s), 0);
  const classic = 224 * 224 * 3 + convValues + pools.reduce((n, s) => n + values(s), 0) + fcs.reduce((a, b) => a + b, 0);

  it('reproduces each row, the parameter count and the multiply-adds; the early convs hold the memory, fc1 the parameters', () => {
    const m = sn.zoo.vgg16({ initWeights: false });
    const s = sn.summary(m, [1, 224, 224, 3]);
    const conv = sizes(s.rows, 'Conv2d'), pool = sizes(s.rows, 'MaxPool2d'), fc = sizes(s.rows, 'Linear');
    expect(conv.map((r) => r.activations)).toEqual(convs.map(values));
    expect(pool.map((r) => r.activations)).toEqual(pools.map(values));
    expect(fc.map((r) => r.activations)).toEqual(fcs);
    expect(s.rows[0]!.activations).toBe(150_528);

    expect(classic).toBe(15_237_608); // the sum of CS231n's rows (its printed "24M" total is not their sum)
    expect(s.totals.activations).toBe(classic);
    expect(s.totals.activationBytes).toBe(4 * classic); // ≈ 61 MB in float32
    expect(s.totals.parameters).toBe(138_357_544);
    expect(s.totals.parametersNotRun).toBe(0);

    // Multiply-adds: side² · outC · 9 · inC per conv, in · out per Linear.
    let inC = 3, macs = 0;
    for (const [side, c] of convs) { macs += side * side * c * 9 * inC; inC = c; }
    macs += 25088 * 4096 + 4096 * 4096 + 4096 * 1000;
    expect(s.totals.multiplyAdds).toBe(macs); // 15.47 G

    const byActivations = [...s.rows].sort((a, b) => b.activations - a.activations);
    expect(byActivations.slice(0, 2).map((r) => r.name)).toEqual(['features.0', 'features.2']);
    const byParameters = [...s.rows].sort((a, b) => b.parameters - a.parameters);
    expect(byParameters[0]).toMatchObject({ name: 'classifier.0', type: 'Linear', parameters: 102_764_544 });
    expect(byParameters[0]!.parameters / s.totals.parameters).toBeGreaterThan(0.74);

    // Counting every output as well (the ReLUs, dropouts, the flatten and the identity pooling).
    const everything = sn.summary(m, [1, 224, 224, 3], { countInPlace: true });
    expect(everything.totals.activations).toBe(classic + convValues + 4096 * 4 + 25088 * 2);
    m.dispose();
  }, 60_000);
});

describe('GoogLeNet: what the 1×1 reductions save', () => {
  it('an Inception block\'s multiply-adds with and without its reductions; the summary agrees', () => {
    const m = sn.zoo.googlenet({ initWeights: false, auxLogits: true });
    const s = sn.summary(m, [1, 224, 224, 3]);
    // inception3a reads 28×28×192: 1×1→64 | 1×1→96, 3×3→128 | 1×1→16, 3×3→32 | pool, 1×1→32.
    const hw = 28 * 28;
    const withReductions = hw * (64 * 192 + 96 * 192 + 128 * 9 * 96 + 16 * 192 + 32 * 9 * 16 + 32 * 192);
    const without = hw * (64 * 192 + 128 * 9 * 192 + 32 * 9 * 192 + 32 * 192);
    expect(withReductions).toBe(121_626_624);
    expect(without).toBe(231_211_008);
    expect(m.inception3a.multiplyAdds(28, 28)).toBe(withReductions);
    expect(m.inception3a.multiplyAdds(28, 28, { reductions: false })).toBe(without);
    expect(() => m.inception3a.multiplyAdds(0, 28)).toThrow(/Inception\.multiplyAdds: height must be a positive integer, got 0/);
    const rows = s.rows.filter((r) => r.name.startsWith('inception3a.'));
    expect(rows.reduce((n, r) => n + r.multiplyAdds, 0)).toBe(withReductions);
    expect(rows.find((r) => r.name === 'inception3a.branch2.1.conv')!.outputShape).toEqual([1, 28, 28, 128]);
    // Over all nine blocks the reductions save most of the work.
    const blocks = ['3a', '3b', '4a', '4b', '4c', '4d', '4e', '5a', '5b'] as const;
    const side = { 3: 28, 4: 14, 5: 7 } as const;
    let cheap = 0, naive = 0;
    for (const b of blocks) {
      const block = m[`inception${b}`];
      const n = side[Number(b[0]) as 3 | 4 | 5];
      cheap += block.multiplyAdds(n, n);
      naive += block.multiplyAdds(n, n, { reductions: false });
    }
    expect(naive / cheap).toBeGreaterThan(2);
    // The auxiliary heads exist but forward() does not run them.
    expect(s.totals.parametersNotRun).toBe(m.aux1!.numParameters() + m.aux2!.numParameters());
    m.dispose();
  }, 60_000);
});

describe('summary totals equal torchvision\'s parameter counts for every zoo model', () => {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/zoo/zoo.json', import.meta.url), 'utf8')) as
    { models: { name: string; builder: string; options: Record<string, unknown>; parameters: number }[] };
  const count = (name: string) => fixture.models.find((c) => c.name === name)!.parameters;
  const builders: Record<string, (o: Record<string, unknown>) => Module> = {
    alexnet: sn.zoo.alexnet, zfnet: sn.zoo.zfnet, googlenet: sn.zoo.googlenet,
    vgg11: sn.zoo.vgg11, vgg11_bn: sn.zoo.vgg11_bn, vgg13: sn.zoo.vgg13, vgg13_bn: sn.zoo.vgg13_bn,
    vgg16: sn.zoo.vgg16, vgg16_bn: sn.zoo.vgg16_bn, vgg19: sn.zoo.vgg19, vgg19_bn: sn.zoo.vgg19_bn,
    resnet18: sn.zoo.resnet18, resnet34: sn.zoo.resnet34, resnet50: sn.zoo.resnet50, resnet101: sn.zoo.resnet101, resnet152: sn.zoo.resnet152,
  };
  // The smallest input each model takes (the fixed-size ones need theirs).
  const side = (name: string) => (name === 'alexnet_original' ? 227 : name === 'zfnet' ? 224 : name === 'alexnet' ? 63 : 32);

  for (const c of fixture.models) {
    it(`${c.name}: ${c.parameters.toLocaleString('en-US')}`, () => {
      const m = builders[c.builder]!({ ...c.options, initWeights: false });
      const s = sn.summary(m, [1, side(c.name), side(c.name), 3]);
      expect(s.totals.parameters).toBe(c.parameters);
      expect(s.rows.reduce((n, r) => n + r.parameters, 0) + s.totals.parametersNotRun).toBe(c.parameters);
      // Only GoogLeNet's auxiliary heads are never run by forward().
      expect(s.totals.parametersNotRun).toBe(c.name === 'googlenet_aux' ? count('googlenet_aux') - count('googlenet') : 0);
      m.dispose();
    }, 60_000);
  }
});
