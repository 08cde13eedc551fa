// The one ONNX ModelProto writer of the project (the converter's graphs and the tests' oracle
// graphs): hand-encoded protobuf for nodes, attributes, float32/int64 initializers, static or
// symbolic dims and metadata_props. onnxruntime-node 1.30 loads what it writes (ir_version 8,
// opset 13 by default). Nested messages are kept as lists of parts, never re-copied, so a 200 MB
// model is assembled once, or streamed to a file with `modelChunks`.
//
// Field numbers (onnx.proto): ModelProto ir_version=1 producer_name=2 graph=7 opset_import=8
// metadata_props=14; GraphProto node=1 name=2 initializer=5 input=11 output=12; NodeProto input=1
// output=2 name=3 op_type=4 attribute=5 domain=7; AttributeProto name=1 f=2 i=3 s=4 t=5 floats=7
// ints=8 type=20; TensorProto dims=1 data_type=2 name=8 raw_data=9; ValueInfoProto name=1 type=2;
// TypeProto tensor_type=1; TypeProto.Tensor elem_type=1 shape=2; TensorShapeProto dim=1;
// Dimension dim_value=1 dim_param=2; OperatorSetIdProto domain=1 version=2; StringStringEntry key=1 value=2.
import type { TensorType } from '../types.js';
import { DATA_TYPE_CODES } from './data-types.js';

export type Dim = number | string;

export interface ValueSpec {
  readonly name: string;
  readonly type: TensorType;
  /** Numbers are static dims, strings symbolic ones. Omit for a tensor of unknown rank. */
  readonly dims?: readonly Dim[];
}

export type TensorValues = Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Float64Array | Uint16Array;

export interface TensorSpec {
  readonly name?: string;
  readonly type: TensorType;
  readonly dims: readonly number[];
  readonly data: TensorValues;
}

export type AttributeSpec =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly string: string }
  | { readonly tensor: TensorSpec }
  /** A subgraph (If/Loop/Scan body) kept as its encoded GraphProto, passed through unchanged. */
  | { readonly graph: Uint8Array };

export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly domain?: string;
  readonly attributes?: Readonly<Record<string, AttributeSpec>>;
}

export interface OpsetImport {
  readonly domain: string;
  readonly version: number;
}

export interface ModelSpec {
  readonly nodes: readonly NodeSpec[];
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
  readonly initializers?: readonly TensorSpec[];
  readonly metadata?: Readonly<Record<string, string>>;
  readonly irVersion?: number;
  readonly opset?: number;
  /** Every domain's opset; when given, `opset` is ignored (models read back by reader.ts). */
  readonly opsetImports?: readonly OpsetImport[];
  readonly producerName?: string;
  readonly graphName?: string;
}

/** AttributeProto.AttributeType codes. */
const ATTRIBUTE_TYPES = Object.freeze({ float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7 });

export function writeModel(spec: ModelSpec): Uint8Array {
  return encodeModel(spec).finish();
}

/** The encoded model as a list of buffers (their concatenation is the file), for large models. */
export function modelChunks(spec: ModelSpec): readonly Uint8Array[] {
  return encodeModel(spec).parts();
}

function encodeModel(spec: ModelSpec): ProtoWriter {
  const model = new ProtoWriter();
  model.varint(1, spec.irVersion ?? 8);
  model.string(2, spec.producerName ?? 'maskserve-tests');
  model.message(7, encodeGraph(spec));
  for (const { domain, version } of spec.opsetImports ?? [{ domain: '', version: spec.opset ?? 13 }]) {
    model.message(8, new ProtoWriter().string(1, domain).varint(2, version));
  }
  for (const [key, value] of Object.entries(spec.metadata ?? {})) {
    model.message(14, new ProtoWriter().string(1, key).string(2, value));
  }
  return model;
}

function encodeGraph(spec: ModelSpec): ProtoWriter {
  const graph = new ProtoWriter();
  spec.nodes.forEach((node, index) => graph.message(1, encodeNode(node, index)));
  graph.string(2, spec.graphName ?? 'graph');
  for (const tensor of spec.initializers ?? []) graph.message(5, encodeTensor(tensor));
  for (const input of spec.inputs) graph.message(11, encodeValueInfo(input));
  for (const output of spec.outputs) graph.message(12, encodeValueInfo(output));
  return graph;
}

function encodeNode(node: NodeSpec, index: number): ProtoWriter {
  const writer = new ProtoWriter();
  for (const input of node.inputs) writer.string(1, input);
  for (const output of node.outputs) writer.string(2, output);
  writer.string(3, node.name ?? `${node.op.toLowerCase()}_${index}`);
  writer.string(4, node.op);
  for (const [name, attribute] of Object.entries(node.attributes ?? {})) writer.message(5, encodeAttribute(name, attribute));
  if (node.domain !== undefined) writer.string(7, node.domain);
  return writer;
}

function encodeAttribute(name: string, attribute: AttributeSpec): ProtoWriter {
  const writer = new ProtoWriter().string(1, name);
  if ('float' in attribute) writer.float(2, attribute.float).varint(20, ATTRIBUTE_TYPES.float);
  else if ('int' in attribute) writer.varint(3, attribute.int).varint(20, ATTRIBUTE_TYPES.int);
  else if ('string' in attribute) writer.string(4, attribute.string).varint(20, ATTRIBUTE_TYPES.string);
  else if ('tensor' in attribute) writer.message(5, encodeTensor(attribute.tensor)).varint(20, ATTRIBUTE_TYPES.tensor);
  else if ('graph' in attribute) writer.bytes(6, attribute.graph).varint(20, ATTRIBUTE_TYPES.graph);
  else if ('floats' in attribute) {
    for (const value of attribute.floats) writer.float(7, value);
    writer.varint(20, ATTRIBUTE_TYPES.floats);
  } else {
    for (const value of attribute.ints) writer.varint(8, value);
    writer.varint(20, ATTRIBUTE_TYPES.ints);
  }
  return writer;
}

export function encodeTensor(tensor: TensorSpec): ProtoWriter {
  const count = tensor.dims.reduce((product, dim) => product * dim, 1);
  if (tensor.data.length !== count) {
    throw new Error(`tensor ${tensor.name ?? ''} has ${tensor.data.length} values for dims [${tensor.dims.join(', ')}]`);
  }
  const writer = new ProtoWriter();
  for (const dim of tensor.dims) writer.varint(1, dim);
  writer.varint(2, DATA_TYPE_CODES[tensor.type]);
  if (tensor.name !== undefined) writer.string(8, tensor.name);
  // raw_data is little-endian; typed arrays are in host order, little-endian on every platform Node ships for.
  writer.bytes(9, new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
  return writer;
}

function encodeValueInfo(value: ValueSpec): ProtoWriter {
  const tensorType = new ProtoWriter().varint(1, DATA_TYPE_CODES[value.type]);
  if (value.dims) {
    const shape = new ProtoWriter();
    for (const dim of value.dims) {
      shape.message(1, typeof dim === 'number' ? new ProtoWriter().varint(1, dim) : new ProtoWriter().string(2, dim));
    }
    tensorType.message(2, shape);
  }
  return new ProtoWriter().string(1, value.name).message(2, new ProtoWriter().message(1, tensorType));
}

/** Appends protobuf fields; `finish()` joins them. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  varint(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.push(encodeVarint(value));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.push(encodeVarint(value.length));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** Embeds another writer's parts by reference (no copy). */
  message(field: number, value: ProtoWriter): this {
    this.tag(field, 2);
    this.push(encodeVarint(value.size));
    for (const part of value.chunks) this.push(part);
    return this;
  }

  parts(): readonly Uint8Array[] {
    return this.chunks;
  }

  /** Raw bytes, e.g. a deliberately malformed tail in tests. */
  raw(value: Uint8Array): this {
    this.push(value);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const part of this.chunks) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  private tag(field: number, wire: number): void {
    this.push(encodeVarint(field * 8 + wire));
  }

  private push(part: Uint8Array): void {
    this.chunks.push(part);
    this.size += part.length;
  }
}

/** Negative values are int64 two's complement (10 bytes), as protobuf encodes int64. */
export function encodeVarint(value: number | bigint): Uint8Array {
  let remaining = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  do {
    const low = Number(remaining & 0x7fn);
    remaining >>= 7n;
    bytes.push(remaining === 0n ? low : low | 0x80);
  } while (remaining !== 0n);
  return Uint8Array.from(bytes);
}

/** A Constant node producing `output` with the given tensor. */
export function constantNode(output: string, tensor: Omit<TensorSpec, 'name'>): NodeSpec {
  return { op: 'Constant', inputs: [], outputs: [output], attributes: { value: { tensor } } };
}

export function float32Tensor(dims: readonly number[], values: ArrayLike<number>, name?: string): TensorSpec {
  return { type: 'float32', dims, data: Float32Array.from(values), ...(name === undefined ? {} : { name }) };
}

export function int64Tensor(dims: readonly number[], values: ArrayLike<number>, name?: string): TensorSpec {
  return { type: 'int64', dims, data: BigInt64Array.from(Array.from(values, (v) => BigInt(v))), ...(name === undefined ? {} : { name }) };
}
