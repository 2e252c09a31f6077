/**
 * ConvNetJS 0.3 (Karpathy): pure JavaScript, one image at a time (a batch is a loop), Float64
 * volumes whose layout — ((W·y) + x)·depth + d — is HWC, so images are NHWC per example and
 * filters OHWI as in simdnet. It runs convolution and pooling forward, max-pool backward and
 * whole-network training; its convolution backward computes dx and dw in one pass, so neither
 * gradient alone is reported.
 */
import { createRequire } from 'node:module';
import { Unsupported, unsupported, type Contender, type Prepared } from '../contender.ts';
import { lenetParameterOrder, type ConvProblem, type LeNetProblem, type PoolProblem } from '../problems.ts';

interface Vol { sx: number; sy: number; depth: number; w: Float64Array; dw: Float64Array }
interface Layer {
  layer_type: string;
  filters: Vol[];
  biases: Vol;
  out_act: Vol;
  forward(v: Vol, training?: boolean): Vol;
  backward(): void;
}
interface ConvNetJs {
  Vol: new (sx: number, sy: number, depth: number, c?: number) => Vol;
  ConvLayer: new (opt: Record<string, number>) => Layer;
  PoolLayer: new (opt: Record<string, number>) => Layer;
  Net: new () => { layers: Layer[]; makeLayers(defs: Record<string, unknown>[]): void };
  Trainer: new (net: unknown, opt: Record<string, unknown>) => { train(x: Vol, y: number): unknown };
}

const require = createRequire(import.meta.url);
const cnj = require('convnetjs') as ConvNetJs;
export const convnetjsVersion = () => (require('convnetjs/package.json') as { version: string }).version;

/** Images of an NHWC batch as volumes. */
function volumes(data: Float32Array, n: number, h: number, w: number, c: number): Vol[] {
  const size = h * w * c;
  return Array.from({ length: n }, (_, i) => {
    const v = new cnj.Vol(w, h, c, 0);
    v.w.set(data.subarray(i * size, (i + 1) * size));
    return v;
  });
}

function gather(outs: Vol[]): Float32Array {
  const size = outs[0]!.w.length;
  const out = new Float32Array(outs.length * size);
  outs.forEach((v, i) => out.set(v.w, i * size));
  return out;
}

function setFilters(layer: Layer, weights: Float32Array, bias: Float32Array | undefined): void {
  const per = weights.length / layer.filters.length;
  layer.filters.forEach((f, o) => f.w.set(weights.subarray(o * per, (o + 1) * per)));
  layer.biases.w.fill(0);
  if (bias) layer.biases.w.set(bias);
}

function conv(p: ConvProblem): Prepared | Unsupported {
  if (p.kind !== 'forward') return new Unsupported('n/a (its conv backward computes dx and dw together)');
  const layer = new cnj.ConvLayer({ in_sx: p.w, in_sy: p.h, in_depth: p.c, sx: p.k, filters: p.oc, stride: p.stride, pad: p.pad });
  setFilters(layer, p.filter, undefined);
  const inputs = volumes(p.x, p.n, p.h, p.w, p.c);
  let outs: Vol[] = [];
  return {
    run() { outs = inputs.map((v) => layer.forward(v)); },
    output: () => gather(outs),
    dispose() { outs = []; },
  };
}

function pool(p: PoolProblem): Prepared {
  const layers = Array.from({ length: p.n }, () => new cnj.PoolLayer({ in_sx: p.w, in_sy: p.h, in_depth: p.c, sx: p.k, stride: p.stride }));
  const inputs = volumes(p.x, p.n, p.h, p.w, p.c);
  let outs = inputs.map((v, i) => layers[i]!.forward(v));
  if (p.kind === 'forward') {
    return { run() { outs = inputs.map((v, i) => layers[i]!.forward(v)); }, output: () => gather(outs), dispose() {} };
  }
  const size = p.oh * p.ow * p.c;
  outs.forEach((o, i) => o.dw.set(p.dy.subarray(i * size, (i + 1) * size)));
  return {
    run() { for (const l of layers) l.backward(); },
    output: () => {
      const out = new Float32Array(p.n * p.h * p.w * p.c);
      inputs.forEach((v, i) => out.set(v.dw, i * v.dw.length));
      return out;
    },
    dispose() {},
  };
}

function lenet(p: LeNetProblem): Prepared {
  const net = new cnj.Net();
  net.makeLayers([
    { type: 'input', out_sx: 32, out_sy: 32, out_depth: 1 },
    { type: 'conv', sx: 5, filters: 6, stride: 1, pad: 0, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'conv', sx: 5, filters: 16, stride: 1, pad: 0, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'fc', num_neurons: 120, activation: 'relu' },
    { type: 'fc', num_neurons: 84, activation: 'relu' },
    { type: 'softmax', num_classes: 10 },
  ]);
  // The layers with weights, in order: conv1, conv2, fc1, fc2, fc3 (the softmax's own fc).
  const weighted = net.layers.filter((l) => l.layer_type === 'conv' || l.layer_type === 'fc');
  const keys = ['conv1', 'conv2', 'fc1', 'fc2', 'fc3'];
  weighted.forEach((l, i) => setFilters(l, p.weights.get(`${keys[i]}.weight`)!.data, p.weights.get(`${keys[i]}.bias`)!.data));
  const trainer = new cnj.Trainer(net, { method: 'sgd', learning_rate: p.lr, momentum: p.momentum, batch_size: p.batch, l2_decay: 0 });
  const images = volumes(p.images, p.batch, 32, 32, 1);
  return {
    run() { images.forEach((v, i) => trainer.train(v, p.labels[i]!)); },
    output() {
      const byKey = new Map<string, Float64Array>();
      weighted.forEach((l, i) => {
        const per = l.filters[0]!.w.length;
        const w = new Float64Array(l.filters.length * per);
        l.filters.forEach((f, o) => w.set(f.w, o * per));
        byKey.set(`${keys[i]}.weight`, w);
        byKey.set(`${keys[i]}.bias`, l.biases.w);
      });
      const parts = lenetParameterOrder().map((k) => byKey.get(k)!);
      const out = new Float32Array(parts.reduce((n, a) => n + a.length, 0));
      let at = 0;
      for (const a of parts) { out.set(a, at); at += a.length; }
      return out;
    },
    dispose() {},
  };
}

export function convnetjs(): Contender {
  return {
    name: 'convnetjs',
    ours: false,
    async activate() {},
    gemm: unsupported('n/a (no matrix product op)'),
    conv,
    pool,
    lenet,
    resnet18: unsupported('n/a (no batch norm or residual add)'),
  };
}
