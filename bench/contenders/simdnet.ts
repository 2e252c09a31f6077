/**
 * simdnet itself, once per backend: the relaxed-SIMD wasm build, the plain-SIMD build and the JS
 * twins. Forward ops run through the public API (validation and output allocation included, as a
 * user pays them); gradients run the kernels an op's backward closure runs, without the tape, the
 * way the peers' gradient kernels are called directly. Each problem starts from a fresh init, so
 * sn.memory().peakBytes is that problem's own peak.
 */
import * as sn from '../../src/index.ts';
import { POOL_C, POOL_H, POOL_KH, POOL_KW, POOL_N, POOL_OH, POOL_OW, POOL_SH, POOL_SW, POOL_W, POOL_WORDS } from '../../src/backend/geometry.ts';
import { conv2dScratchBytes } from '../../src/backend/scratch.ts';
import { convGeometry } from '../../src/ops/conv.ts';
import { relaxedSimdSupported } from '../../src/backend/wasm.ts';
import { Unsupported, type Contender, type Prepared, type ResNetProblem } from '../contender.ts';
import {
  lenetParameterOrder, OIHW_TO_OHWI, permute4, type ConvProblem, type GemmProblem, type LeNetProblem, type PoolProblem,
} from '../problems.ts';

type Variant = 'relaxed' | 'simd' | 'js';

const constant = (values: Float32Array, shape: number[]) => sn.tensor(values, shape, { requiresGrad: false });

/** A prepared problem whose run makes one output tensor; the previous one is disposed. */
function producing(inputs: sn.Tensor[], compute: () => sn.Tensor): Prepared {
  let last: sn.Tensor | undefined;
  return {
    run() {
      last?.dispose();
      last = compute();
    },
    output: () => last!.dataSync() as Float32Array,
    peakBytes: () => sn.memory().peakBytes,
    dispose() {
      last?.dispose();
      for (const t of inputs) t.dispose();
    },
  };
}

function gemm(p: GemmProblem): Prepared {
  const a = constant(p.a, [p.m, p.k]), b = constant(p.b, [p.k, p.n]);
  return producing([a, b], () => sn.matmul(a, b));
}

function conv(p: ConvProblem): Prepared {
  const x = constant(p.x, [p.n, p.h, p.w, p.c]);
  const w = constant(p.filter, [p.oc, p.k, p.k, p.c]);
  const options = { stride: p.stride, padding: p.pad };
  if (p.kind === 'forward') return producing([x, w], () => sn.conv2d(x, w, null, options));
  const dy = constant(p.dy, [p.n, p.oh, p.ow, p.oc]);
  const { words } = convGeometry('conv2d', x, w, null, options);
  const be = sn.backend();
  const k = be.kernels();
  if (p.kind === 'backwardInput') {
    return producing([x, w, dy], () => {
      const dx = sn.empty(x.shape, 'float32', false);
      const scratch = be.scratch(conv2dScratchBytes('backwardInput', words));
      k.conv2dBackwardInput(be.params(words), dy.ptr, w.ptr, dx.ptr, scratch);
      return dx;
    });
  }
  return producing([x, w, dy], () => {
    const dw = sn.empty(w.shape, 'float32', false);
    const scratch = be.scratch(conv2dScratchBytes('backwardFilter', words));
    k.conv2dBackwardFilter(be.params(words), x.ptr, dy.ptr, dw.ptr, scratch);
    return dw;
  });
}

function pool(p: PoolProblem): Prepared {
  const x = constant(p.x, [p.n, p.h, p.w, p.c]);
  if (p.kind === 'forward') return producing([x], () => sn.maxPool2d(x, { kernelSize: p.k, stride: p.stride }));
  // The backward reads the argmax the recording forward saved: make it once, outside the timing.
  const g = new Int32Array(POOL_WORDS);
  g[POOL_N] = p.n; g[POOL_H] = p.h; g[POOL_W] = p.w; g[POOL_C] = p.c; g[POOL_KH] = p.k; g[POOL_KW] = p.k;
  g[POOL_SH] = p.stride; g[POOL_SW] = p.stride; g[POOL_OH] = p.oh; g[POOL_OW] = p.ow;
  const be = sn.backend();
  const k = be.kernels();
  const y = sn.empty([p.n, p.oh, p.ow, p.c], 'float32', false);
  const argmax = sn.empty([p.n, p.oh, p.ow, p.c], 'int32', false);
  k.maxPool2dForward(be.params(g), x.ptr, y.ptr, argmax.ptr);
  const dy = constant(p.dy, [p.n, p.oh, p.ow, p.c]);
  return producing([x, y, argmax, dy], () => {
    const dx = sn.empty(x.shape, 'float32', false);
    k.maxPool2dBackward(be.params(g), dy.ptr, argmax.ptr, dx.ptr);
    return dx;
  });
}

function lenet(p: LeNetProblem): Prepared {
  const model = sn.zoo.lenet5({ variant: 'modern', seed: 1 });
  model.loadStateDict(p.weights);
  const optimizer = new sn.optim.SGD(model.parameters(), { lr: p.lr, momentum: p.momentum });
  const x = constant(p.images, [p.batch, 32, 32, 1]);
  const y = sn.tensor(p.labels, [p.batch], 'int32');
  const state = model.stateDict();
  return {
    run: () => sn.trainStep(model, x, y, optimizer),
    output() {
      const parts = lenetParameterOrder().map((key) => state[key]!.dataSync() as Float32Array);
      const out = new Float32Array(parts.reduce((n, a) => n + a.length, 0));
      let at = 0;
      for (const a of parts) { out.set(a, at); at += a.length; }
      return out;
    },
    peakBytes: () => sn.memory().peakBytes,
    dispose() { optimizer.dispose(); model.dispose(); x.dispose(); y.dispose(); },
  };
}

interface ResNetModel {
  eval(): unknown;
  forward(x: sn.Tensor): sn.Tensor;
  stateDict(): Record<string, sn.Tensor>;
  loadStateDict(dict: Map<string, { shape: readonly number[]; data: Float32Array }>, options?: { strict?: boolean }): void;
  dispose(): void;
}

/**
 * sn.zoo.resnet18 is written on another branch: until it is merged this reports "not available".
 * Weights go in under torchvision's keys, filters turned from OIHW to OHWI where the model's own
 * tensors are 4-D (the zoo's layout); keys the model lacks (num_batches_tracked) are left out.
 */
function resnet18(p: ResNetProblem): Prepared | Unsupported {
  const factory = (sn.zoo as Record<string, unknown>).resnet18 as (() => ResNetModel) | undefined;
  if (typeof factory !== 'function') return new Unsupported('not available (sn.zoo.resnet18 not merged yet)');
  const model = factory();
  model.eval();
  const own = model.stateDict();
  const dict = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [key, value] of p.weights) {
    const target = own[key];
    if (!target) continue;
    if (value.shape.length === 4) {
      const [o, i, kh, kw] = value.shape as [number, number, number, number];
      dict.set(key, { shape: [o, kh, kw, i], data: permute4(value.data, value.shape, OIHW_TO_OHWI) });
    } else dict.set(key, value);
  }
  model.loadStateDict(dict, { strict: false });
  const x = constant(p.input, [1, 224, 224, 3]);
  // tidy: the forward's intermediate tensors go back as soon as the logits are out.
  const run = producing([x], () => sn.tidy(() => sn.noGrad(() => model.forward(x))));
  return { ...run, dispose() { run.dispose(); model.dispose(); } };
}

export function simdnet(variant: Variant): Contender {
  const label = variant === 'relaxed' ? 'simdnet wasm relaxed-SIMD' : variant === 'simd' ? 'simdnet wasm SIMD' : 'simdnet JS twin';
  let available = true;
  const guard = <T>(fn: (p: T) => Prepared | Unsupported) => (p: T) =>
    available ? fn(p) : new Unsupported('relaxed SIMD unavailable: start node with --experimental-wasm-relaxed-simd');
  return {
    name: label,
    ours: true,
    async activate() {
      available = variant !== 'relaxed' || relaxedSimdSupported();
      if (!available) return;
      const info = await sn.init(variant === 'js' ? { backend: 'js' } : { backend: 'wasm', relaxedSimd: variant === 'relaxed' });
      if (variant !== 'js' && info.simd !== variant) throw new Error(`bench: asked for the ${variant} build, got ${info.simd}`);
    },
    gemm: guard(gemm),
    conv: guard(conv),
    pool: guard(pool),
    lenet: guard(lenet),
    resnet18: guard(resnet18),
  };
}
