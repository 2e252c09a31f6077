/**
 * A tiny ONNX writer for the benchmark: just enough protobuf to describe a graph of float32 nodes
 * with initializers (weights), so ONNX Runtime Web can run single ops (Conv, Gemm, MatMul, MaxPool)
 * and small networks (ResNet-18) built here rather than shipped as files.
 *
 * Field numbers are onnx.proto's (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto, TypeProto, TensorShapeProto). onnx.proto is proto2: repeated scalars are written
 * one tag per element (unpacked), which every protobuf reader accepts.
 */

/** ONNX element type FLOAT (TensorProto.DataType). */
const FLOAT = 1;
/** AttributeProto.AttributeType. */
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_INTS = 7;

export type AttributeValue = number | number[] | { float: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  /** Integers and integer lists; `{ float: x }` for a float attribute (Gemm's alpha, BatchNorm's epsilon). */
  attributes?: Record<string, AttributeValue>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

export interface OnnxGraph {
  nodes: OnnxNode[];
  /** Graph inputs fed at run time (float32, fixed shapes). */
  inputs: { name: string; dims: number[] }[];
  outputs: { name: string; dims: number[] }[];
  initializers?: OnnxTensor[];
  /** Default 13: every op used here exists in that form since then. */
  opset?: number;
}

/** Appends protobuf wire-format pieces to a growing byte list. */
class Writer {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];

  private flush(): void {
    if (this.scratch.length === 0) return;
    this.push(Uint8Array.from(this.scratch));
    this.scratch = [];
  }

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
  }

  /** An unsigned varint; negative int64 values are written as their 64-bit two's complement. */
  varint(value: number): this {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.scratch.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.scratch.push(Number(v));
    return this;
  }

  private tag(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }

  int(field: number, value: number): this {
    return this.tag(field, 0).varint(value);
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.scratch.push(...b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2).varint(value.length);
    this.flush();
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.chunks) { out.set(c, at); at += c.length; }
    return out;
  }
}

function writeAttribute(w: Writer, name: string, value: AttributeValue): void {
  w.string(1, name);
  if (typeof value === 'number') {
    w.int(3, value).int(20, ATTR_INT);
  } else if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    w.int(20, ATTR_INTS);
  } else {
    w.float(2, value.float).int(20, ATTR_FLOAT);
  }
}

function writeValueInfo(w: Writer, name: string, dims: number[]): void {
  w.string(1, name);
  w.message(2, (type) => type.message(1, (tensor) => {
    tensor.int(1, FLOAT);
    tensor.message(2, (shape) => { for (const d of dims) shape.message(1, (dim) => dim.int(1, d)); });
  }));
}

function writeTensor(w: Writer, t: OnnxTensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, FLOAT);
  w.string(8, t.name);
  // raw_data is little-endian float32, which is what a Float32Array holds on every host JS runs on.
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

/** The serialized ModelProto of a graph. */
export function encodeModel(graph: OnnxGraph): Uint8Array {
  const model = new Writer();
  model.int(1, 8); // ir_version 8 (ONNX 1.10+)
  model.string(2, 'simdnet-bench');
  model.message(7, (g) => {
    graph.nodes.forEach((node, i) => g.message(1, (n) => {
      for (const input of node.inputs) n.string(1, input);
      for (const output of node.outputs) n.string(2, output);
      n.string(3, `${node.op}_${i}`);
      n.string(4, node.op);
      for (const [name, value] of Object.entries(node.attributes ?? {})) n.message(5, (a) => writeAttribute(a, name, value));
    }));
    g.string(2, 'bench');
    for (const t of graph.initializers ?? []) g.message(5, (tw) => writeTensor(tw, t));
    for (const input of graph.inputs) g.message(11, (v) => writeValueInfo(v, input.name, input.dims));
    for (const output of graph.outputs) g.message(12, (v) => writeValueInfo(v, output.name, output.dims));
  });
  model.message(8, (o) => o.string(1, '').int(2, graph.opset ?? 13));
  return model.finish();
}
