/**
 * ONNX Runtime Web, WebAssembly execution provider, one thread. Each problem becomes a one-node
 * ONNX graph written by bench/onnx.ts (ResNet-18: the whole network, batch norm left as nodes
 * for ORT's own optimizer to fold). ONNX is NCHW: inputs are transposed outside the timing.
 * onnxruntime-web has no training: gradients report "n/a".
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-web';
import { Unsupported, unsupported, type Contender, type Prepared, type ResNetProblem } from '../contender.ts';
import { encodeModel, type OnnxGraph, type OnnxNode, type OnnxTensor } from '../onnx.ts';
import {
  NCHW_TO_NHWC, NHWC_TO_NCHW, OHWI_TO_OIHW, permute4, type ConvProblem, type GemmProblem, type PoolProblem,
} from '../problems.ts';
import { BN_EPS, resnet18Spec, type ConvSpec } from '../resnet18-graph.ts';

let configured = false;

function configure(): void {
  if (configured) return;
  const require = createRequire(import.meta.url);
  ort.env.wasm.wasmPaths = `${dirname(require.resolve('onnxruntime-web'))}/`;
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  configured = true;
}

export const ortVersion = () => ort.env.versions.web;

/** A session over one graph with fixed feeds; output `y`, converted to simdnet's layout. */
async function session(graph: OnnxGraph, feeds: Record<string, ort.Tensor>, toOurs: (v: Float32Array) => Float32Array = (v) => v): Promise<Prepared> {
  const s = await ort.InferenceSession.create(encodeModel(graph), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  let last: ort.Tensor | undefined;
  return {
    async run() {
      last?.dispose();
      last = (await s.run(feeds)).y;
    },
    output: () => toOurs(last!.data as Float32Array),
    dispose() {
      last?.dispose();
      void s.release();
    },
  };
}

const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

function gemm(p: GemmProblem): Promise<Prepared> {
  // Both operands are fed at run time, as the other libraries multiply two tensors.
  return session({
    nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }],
    inputs: [{ name: 'a', dims: [p.m, p.k] }, { name: 'b', dims: [p.k, p.n] }],
    outputs: [{ name: 'y', dims: [p.m, p.n] }],
  }, { a: f32(p.a, [p.m, p.k]), b: f32(p.b, [p.k, p.n]) });
}

function conv(p: ConvProblem): Promise<Prepared> | Unsupported {
  if (p.kind !== 'forward') return new Unsupported('n/a (onnxruntime-web runs inference only)');
  const xDims = [p.n, p.c, p.h, p.w], yDims = [p.n, p.oc, p.oh, p.ow];
  return session({
    nodes: [{
      op: 'Conv', inputs: ['x', 'w'], outputs: ['y'],
      attributes: { kernel_shape: [p.k, p.k], strides: [p.stride, p.stride], pads: [p.pad, p.pad, p.pad, p.pad] },
    }],
    inputs: [{ name: 'x', dims: xDims }],
    outputs: [{ name: 'y', dims: yDims }],
    initializers: [{ name: 'w', dims: [p.oc, p.c, p.k, p.k], data: permute4(p.filter, [p.oc, p.k, p.k, p.c], OHWI_TO_OIHW) }],
  }, { x: f32(permute4(p.x, [p.n, p.h, p.w, p.c], NHWC_TO_NCHW), xDims) }, (v) => permute4(v, yDims, NCHW_TO_NHWC));
}

function pool(p: PoolProblem): Promise<Prepared> | Unsupported {
  if (p.kind !== 'forward') return new Unsupported('n/a (onnxruntime-web runs inference only)');
  const xDims = [p.n, p.c, p.h, p.w], yDims = [p.n, p.c, p.oh, p.ow];
  return session({
    nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attributes: { kernel_shape: [p.k, p.k], strides: [p.stride, p.stride] } }],
    inputs: [{ name: 'x', dims: xDims }],
    outputs: [{ name: 'y', dims: yDims }],
  }, { x: f32(permute4(p.x, [p.n, p.h, p.w, p.c], NHWC_TO_NCHW), xDims) }, (v) => permute4(v, yDims, NCHW_TO_NHWC));
}

/** torchvision's graph node for node: Conv → BatchNormalization → Relu, Add for the shortcuts. */
function resnet18(p: ResNetProblem): Promise<Prepared> {
  const spec = resnet18Spec();
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  for (const [name, { shape, data }] of p.weights) initializers.push({ name, dims: shape, data });
  let counter = 0;
  const fresh = () => `t${counter++}`;
  const convBn = (input: string, c: ConvSpec, relu: boolean): string => {
    const conv = fresh(), bn = fresh();
    nodes.push({
      op: 'Conv', inputs: [input, `${c.conv}.weight`], outputs: [conv],
      attributes: { kernel_shape: [c.k, c.k], strides: [c.stride, c.stride], pads: [c.pad, c.pad, c.pad, c.pad] },
    });
    nodes.push({
      op: 'BatchNormalization', inputs: [conv, `${c.bn}.weight`, `${c.bn}.bias`, `${c.bn}.running_mean`, `${c.bn}.running_var`],
      outputs: [bn], attributes: { epsilon: { float: BN_EPS } },
    });
    if (!relu) return bn;
    const r = fresh();
    nodes.push({ op: 'Relu', inputs: [bn], outputs: [r] });
    return r;
  };
  let h = convBn('x', spec.stem, true);
  const pooled = fresh();
  nodes.push({ op: 'MaxPool', inputs: [h], outputs: [pooled], attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } });
  h = pooled;
  for (const b of spec.blocks) {
    const shortcut = b.downsample ? convBn(h, b.downsample, false) : h;
    const body = convBn(convBn(h, b.conv1, true), b.conv2, false);
    const sum = fresh(), out = fresh();
    nodes.push({ op: 'Add', inputs: [body, shortcut], outputs: [sum] });
    nodes.push({ op: 'Relu', inputs: [sum], outputs: [out] });
    h = out;
  }
  const gap = fresh(), flat = fresh();
  nodes.push({ op: 'GlobalAveragePool', inputs: [h], outputs: [gap] });
  nodes.push({ op: 'Flatten', inputs: [gap], outputs: [flat] });
  nodes.push({ op: 'Gemm', inputs: [flat, 'fc.weight', 'fc.bias'], outputs: ['y'], attributes: { transB: 1 } });
  return session({
    nodes, initializers,
    inputs: [{ name: 'x', dims: [1, 3, 224, 224] }],
    outputs: [{ name: 'y', dims: [1, spec.classes] }],
  }, { x: f32(permute4(p.input, [1, 224, 224, 3], NHWC_TO_NCHW), [1, 3, 224, 224]) });
}

export function onnxRuntime(): Contender {
  return {
    name: 'onnxruntime-web (wasm EP)',
    ours: false,
    async activate() { configure(); },
    gemm,
    conv,
    pool,
    lenet: unsupported('n/a (onnxruntime-web runs inference only)'),
    resnet18,
  };
}
