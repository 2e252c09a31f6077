/**
 * TensorFlow.js 4 on two backends: 'wasm' (XNNPACK inside; its .wasm files load from the
 * package directory in node_modules, the non-threaded SIMD build, so one thread) and 'cpu'
 * (plain JavaScript). Ops run through tf's public functions; gradient kernels through
 * engine().runKernel, as tf's own gradients call them. A kernel the backend does not register
 * is reported as missing, not replaced.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// The umbrella package registers the gradients (tfjs-core alone has none) and the cpu backend.
import '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Unsupported, type Contender, type Prepared, type ResNetProblem } from '../contender.ts';
import {
  HWIO_TO_OHWI, lenetParameterOrder, OHWI_TO_HWIO, OIHW_TO_OHWI, permute4, transpose2,
  type ConvProblem, type GemmProblem, type LeNetProblem, type PoolProblem,
} from '../problems.ts';
import { foldBatchNorm, resnet18Spec, type ConvSpec } from '../resnet18-graph.ts';

type BackendName = 'wasm' | 'cpu';

let wasmConfigured = false;

/** The wasm backend reads its binaries from the installed package (no fetch, no CDN). */
function configureWasm(): void {
  if (wasmConfigured) return;
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // the single-threaded SIMD binary
  setThreadsCount(1);
  setWasmPaths(`${dir}/`);
  wasmConfigured = true;
}

export const tfjsVersions = () => ({ core: tf.version_core });

/** A prepared problem whose run makes one tensor; the previous one is disposed. */
function producing(inputs: tf.Tensor[], compute: () => tf.Tensor, toOurs: (v: Float32Array) => Float32Array = (v) => v): Prepared {
  let last: tf.Tensor | undefined;
  const run = () => {
    last?.dispose();
    last = compute();
  };
  return {
    run,
    output: () => toOurs(last!.dataSync() as Float32Array),
    peakBytes: async () => (await tf.profile(() => { run(); })).peakBytes,
    dispose() {
      last?.dispose();
      tf.dispose(inputs);
    },
  };
}

const padOf = (pad: number): 'valid' | [[number, number], [number, number], [number, number], [number, number]] =>
  pad === 0 ? 'valid' : [[0, 0], [pad, pad], [pad, pad], [0, 0]];

function missingKernel(name: string, backend: BackendName): Unsupported | undefined {
  return tf.getKernel(name, backend) ? undefined : new Unsupported(`missing (kernel '${name}' not registered for backend '${backend}')`);
}

function gemm(p: GemmProblem): Prepared {
  const a = tf.tensor2d(p.a, [p.m, p.k]), b = tf.tensor2d(p.b, [p.k, p.n]);
  return producing([a, b], () => tf.matMul(a, b));
}

function conv(p: ConvProblem, backend: BackendName): Prepared | Unsupported {
  const filter = tf.tensor4d(permute4(p.filter, [p.oc, p.k, p.k, p.c], OHWI_TO_HWIO), [p.k, p.k, p.c, p.oc]);
  const strides: [number, number] = [p.stride, p.stride];
  const pad = padOf(p.pad);
  if (p.kind === 'forward') {
    const x = tf.tensor4d(p.x, [p.n, p.h, p.w, p.c]);
    return producing([x, filter], () => tf.conv2d(x, filter, strides, pad));
  }
  const dy = tf.tensor4d(p.dy, [p.n, p.oh, p.ow, p.oc]);
  if (p.kind === 'backwardInput') {
    const missing = missingKernel('Conv2DBackpropInput', backend);
    if (missing) { tf.dispose([filter, dy]); return missing; }
    return producing([filter, dy], () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter },
      { strides, pad, dataFormat: 'NHWC', inputShape: [p.n, p.h, p.w, p.c] }) as tf.Tensor);
  }
  const missing = missingKernel('Conv2DBackpropFilter', backend);
  if (missing) { tf.dispose([filter, dy]); return missing; }
  const x = tf.tensor4d(p.x, [p.n, p.h, p.w, p.c]);
  filter.dispose();
  return producing([x, dy], () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy },
    { strides, pad, dataFormat: 'NHWC', filterShape: [p.k, p.k, p.c, p.oc] }) as tf.Tensor,
  (v) => permute4(v, [p.k, p.k, p.c, p.oc], HWIO_TO_OHWI));
}

function pool(p: PoolProblem, backend: BackendName): Prepared | Unsupported {
  const x = tf.tensor4d(p.x, [p.n, p.h, p.w, p.c]);
  const window: [number, number] = [p.k, p.k], strides: [number, number] = [p.stride, p.stride];
  if (p.kind === 'forward') return producing([x], () => tf.maxPool(x, window, strides, 'valid'));
  const missing = missingKernel('MaxPoolGrad', backend);
  if (missing) { x.dispose(); return missing; }
  const y = tf.maxPool(x, window, strides, 'valid');
  const dy = tf.tensor4d(p.dy, [p.n, p.oh, p.ow, p.c]);
  return producing([x, y, dy], () => tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y },
    { filterSize: window, strides, pad: 'valid' }) as tf.Tensor);
}

/** LeNet-5 as tf ops on variables, trained with tf's momentum optimizer. */
function lenet(p: LeNetProblem, backend: BackendName): Prepared | Unsupported {
  // Autodiff of conv2d needs both backprop kernels; report what is missing rather than fail mid-step.
  const missing = missingKernel('Conv2DBackpropFilter', backend) ?? missingKernel('Conv2DBackpropInput', backend);
  if (missing) return missing;
  const vars = new Map<string, tf.Variable>();
  for (const [key, { shape, data }] of p.weights) {
    const value = shape.length === 4
      ? tf.tensor4d(permute4(data, shape, OHWI_TO_HWIO), [shape[1]!, shape[2]!, shape[3]!, shape[0]!])
      : shape.length === 2 ? tf.tensor2d(transpose2(data, shape[0]!, shape[1]!), [shape[1]!, shape[0]!]) : tf.tensor1d(data);
    vars.set(key, tf.variable(value, true, key.replace('.', '_')));
    value.dispose();
  }
  const v = (key: string) => vars.get(key)!;
  const filter = (key: string) => vars.get(key) as unknown as tf.Tensor4D;
  const x = tf.tensor4d(p.images, [p.batch, 32, 32, 1]);
  const labels = tf.oneHot(tf.tensor1d(p.labels, 'int32'), 10);
  const optimizer = tf.train.momentum(p.lr, p.momentum);
  const forward = () => {
    let h = tf.relu(tf.add(tf.conv2d(x, filter('conv1.weight'), 1, 'valid'), v('conv1.bias')));
    h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid');
    h = tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, filter('conv2.weight'), 1, 'valid'), v('conv2.bias')));
    h = tf.reshape(tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid'), [p.batch, 400]);
    h = tf.relu(tf.add(tf.matMul(h, v('fc1.weight')), v('fc1.bias')));
    h = tf.relu(tf.add(tf.matMul(h, v('fc2.weight')), v('fc2.bias')));
    return tf.add(tf.matMul(h, v('fc3.weight')), v('fc3.bias'));
  };
  return {
    run() {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, forward()) as tf.Scalar, true, [...vars.values()]);
      loss!.dataSync(); // the training loop reads its loss, as simdnet's trainStep does
      loss!.dispose();
    },
    output() {
      const parts = lenetParameterOrder().map((key) => {
        const t = v(key), data = t.dataSync() as Float32Array;
        if (t.rank === 4) return permute4(data, t.shape, HWIO_TO_OHWI);
        if (t.rank === 2) return transpose2(data, t.shape[0]!, t.shape[1]!);
        return data;
      });
      const out = new Float32Array(parts.reduce((n, a) => n + a.length, 0));
      let at = 0;
      for (const a of parts) { out.set(a, at); at += a.length; }
      return out;
    },
    peakBytes: async () => (await tf.profile(() => {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, forward()) as tf.Scalar, true, [...vars.values()]);
      loss?.dispose();
    })).peakBytes,
    dispose() {
      tf.dispose([x, labels, ...vars.values()]);
      optimizer.dispose();
    },
  };
}

/** ResNet-18 as a converter would hand it to tf.js: batch norm folded into the convolutions,
 *  ReLU fused where the graph allows. */
function resnet18(p: ResNetProblem): Prepared {
  const spec = resnet18Spec();
  const owned: tf.Tensor[] = [];
  const convOf = (c: ConvSpec) => {
    const { filter, bias } = foldBatchNorm(p.weights, c);
    const ohwi = permute4(filter, [c.outC, c.inC, c.k, c.k], OIHW_TO_OHWI);
    const f = tf.tensor4d(permute4(ohwi, [c.outC, c.k, c.k, c.inC], OHWI_TO_HWIO), [c.k, c.k, c.inC, c.outC]);
    const b = tf.tensor1d(bias);
    owned.push(f, b);
    return (x: tf.Tensor4D, relu: boolean) => tf.fused.conv2d({
      x, filter: f, bias: b, strides: c.stride, pad: c.pad === 0 ? 'valid' : c.pad, activation: relu ? 'relu' : 'linear',
    });
  };
  const stem = convOf(spec.stem);
  const blocks = spec.blocks.map((b) => ({ conv1: convOf(b.conv1), conv2: convOf(b.conv2), down: b.downsample ? convOf(b.downsample) : undefined }));
  const fcW = tf.tensor2d(transpose2(p.weights.get('fc.weight')!.data, spec.classes, spec.features), [spec.features, spec.classes]);
  const fcB = tf.tensor1d(p.weights.get('fc.bias')!.data);
  const x = tf.tensor4d(p.input, [1, 224, 224, 3]);
  owned.push(fcW, fcB, x);
  const forward = () => tf.tidy(() => {
    let h = tf.maxPool(stem(x, true), 3, 2, 1);
    for (const b of blocks) {
      const shortcut = b.down ? b.down(h, false) : h;
      h = tf.relu(tf.add(b.conv2(b.conv1(h, true), false), shortcut)) as tf.Tensor4D;
    }
    return tf.add(tf.matMul(tf.mean(h, [1, 2]), fcW), fcB);
  });
  return producing(owned, forward);
}

export function tfjs(backend: BackendName): Contender {
  return {
    name: backend === 'wasm' ? 'tfjs-wasm (XNNPACK)' : 'tfjs-cpu',
    ours: false,
    async activate() {
      if (backend === 'wasm') configureWasm();
      if (!(await tf.setBackend(backend))) throw new Error(`bench: tf.js backend '${backend}' failed to start`);
      await tf.ready();
      if (backend === 'wasm' && tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')) throw new Error('bench: tfjs-wasm must run single-threaded');
    },
    gemm,
    conv: (p) => conv(p, backend),
    pool: (p) => pool(p, backend),
    lenet: (p) => lenet(p, backend),
    resnet18,
  };
}

/** Bytes of the tf.js wasm module's linear memory (it only grows: the run's high-water mark). */
export function tfjsWasmHeapBytes(): number | undefined {
  const b = tf.findBackend('wasm') as unknown as { wasm?: { HEAPU8?: Uint8Array } } | undefined;
  return b?.wasm?.HEAPU8?.byteLength;
}
