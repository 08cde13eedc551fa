// Reads a whole ONNX model held in memory back into the writer's ModelSpec, so a tool can rewrite
// a graph (quantization) and write it again with writer.ts. Weights are copied out of the file
// bytes into aligned typed arrays. What a rewrite cannot carry faithfully is refused by name:
// subgraph attributes (If/Loop/Scan), external data, sparse initializers, string tensors.
// value_info and doc strings are dropped (onnxruntime infers shapes again when it loads the file).
//
// Field numbers (onnx.proto3) beyond those in writer.ts: TensorProto float_data=4 int32_data=5
// int64_data=7 double_data=10 data_location=14; GraphProto value_info=13 sparse_initializer=15;
// AttributeProto g=6 strings=9 graphs=11.
import { ELEMENT_TYPES } from './data-types.js';
import {
  WIRE_LENGTH_DELIMITED,
  WIRE_VARINT,
  decodeString,
  formatError,
  readFields,
  readVarint,
} from '../models/protobuf-reader.js';
import type { TensorType } from '../types.js';
import type { AttributeSpec, Dim, ModelSpec, NodeSpec, OpsetImport, TensorSpec, TensorValues, ValueSpec } from './writer.js';

export function readModelSpec(bytes: Uint8Array): ModelSpec {
  let irVersion = 0;
  let producerName: string | undefined;
  let graph: ReturnType<typeof readGraph> | undefined;
  const opsetImports: OpsetImport[] = [];
  const metadata: Record<string, string> = {};
  for (const field of readFields(bytes)) {
    if (field.field === 1 && field.wire === WIRE_VARINT) irVersion = field.value;
    else if (field.field === 2 && field.wire === WIRE_LENGTH_DELIMITED) producerName = decodeString(field.bytes);
    else if (field.field === 7 && field.wire === WIRE_LENGTH_DELIMITED) graph = readGraph(field.bytes);
    else if (field.field === 8 && field.wire === WIRE_LENGTH_DELIMITED) opsetImports.push(readOpset(field.bytes));
    else if (field.field === 14 && field.wire === WIRE_LENGTH_DELIMITED) {
      const [key, value] = readStringPair(field.bytes);
      metadata[key] = value;
    }
  }
  if (irVersion <= 0) throw formatError('ir_version is missing');
  if (!graph) throw formatError('the model has no graph');
  return {
    ...graph,
    metadata,
    irVersion,
    opsetImports,
    ...(producerName === undefined ? {} : { producerName }),
  };
}

function readGraph(bytes: Uint8Array): Pick<ModelSpec, 'nodes' | 'inputs' | 'outputs' | 'initializers' | 'graphName'> {
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  const declaredInputs: ValueSpec[] = [];
  const outputs: ValueSpec[] = [];
  let graphName = 'graph';
  for (const field of readFields(bytes)) {
    if (field.wire !== WIRE_LENGTH_DELIMITED) continue;
    switch (field.field) {
      case 1:
        nodes.push(readNode(field.bytes));
        break;
      case 2:
        graphName = decodeString(field.bytes);
        break;
      case 5:
        initializers.push(readTensor(field.bytes));
        break;
      case 11:
        declaredInputs.push(readValueInfo(field.bytes));
        break;
      case 12:
        outputs.push(readValueInfo(field.bytes));
        break;
      case 15:
        throw formatError('sparse initializers cannot be rewritten');
      default:
        break;
    }
  }
  // Old exporters list weights as graph inputs too; they are not feeds.
  const weightNames = new Set(initializers.map((tensor) => tensor.name));
  const inputs = declaredInputs.filter((input) => !weightNames.has(input.name));
  return { nodes, initializers, inputs, outputs, graphName };
}

/**
 * The names a node's subgraphs read (their nodes' inputs, recursively): a rewrite must keep those
 * tensors as they are, because the subgraph refers to them by name from the outer scope.
 */
export function subgraphReads(node: NodeSpec): Set<string> {
  const names = new Set<string>();
  for (const attribute of Object.values(node.attributes ?? {})) {
    if (!('graph' in attribute)) continue;
    for (const inner of readGraph(attribute.graph).nodes) {
      for (const input of inner.inputs) names.add(input);
      for (const name of subgraphReads(inner)) names.add(name);
    }
  }
  return names;
}

function readNode(bytes: Uint8Array): NodeSpec {
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes: Record<string, AttributeSpec> = {};
  let op = '';
  let name: string | undefined;
  let domain: string | undefined;
  for (const field of readFields(bytes)) {
    if (field.wire !== WIRE_LENGTH_DELIMITED) continue;
    if (field.field === 1) inputs.push(decodeString(field.bytes));
    else if (field.field === 2) outputs.push(decodeString(field.bytes));
    else if (field.field === 3) name = decodeString(field.bytes);
    else if (field.field === 4) op = decodeString(field.bytes);
    else if (field.field === 5) {
      const [key, value] = readAttribute(field.bytes, op);
      attributes[key] = value;
    } else if (field.field === 7) domain = decodeString(field.bytes);
  }
  return { op, inputs, outputs, attributes, ...(name === undefined ? {} : { name }), ...(domain ? { domain } : {}) };
}

function readAttribute(bytes: Uint8Array, op: string): [string, AttributeSpec] {
  let name = '';
  let type = 0;
  let float: number | undefined;
  let int: number | undefined;
  let string: string | undefined;
  let tensor: TensorSpec | undefined;
  let graph: Uint8Array | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  for (const field of readFields(bytes)) {
    switch (field.field) {
      case 1:
        name = decodeString(field.bytes);
        break;
      case 2:
        float = readFixed32Float(field.bytes);
        break;
      case 3:
        int = field.value;
        break;
      case 4:
        string = decodeString(field.bytes);
        break;
      case 5:
        tensor = readTensor(field.bytes);
        break;
      case 6:
        graph = field.bytes;
        break;
      case 11:
        throw formatError(`node ${op} has a list of subgraphs, which cannot be rewritten`);
      case 7:
        if (field.wire === WIRE_LENGTH_DELIMITED) floats.push(...packedFloats(field.bytes));
        else floats.push(readFixed32Float(field.bytes));
        break;
      case 8:
        if (field.wire === WIRE_LENGTH_DELIMITED) ints.push(...packedVarints(field.bytes));
        else ints.push(field.value);
        break;
      case 9:
        throw formatError(`attribute ${name} of ${op} is a string list, which cannot be rewritten`);
      case 20:
        type = field.value;
        break;
      default:
        break;
    }
  }
  // AttributeProto.AttributeType: FLOAT=1 INT=2 STRING=3 TENSOR=4 GRAPH=5 FLOATS=6 INTS=7.
  switch (type) {
    case 1:
      return [name, { float: float ?? 0 }];
    case 2:
      return [name, { int: int ?? 0 }];
    case 3:
      return [name, { string: string ?? '' }];
    case 4:
      if (!tensor) throw formatError(`attribute ${name} of ${op} has no tensor`);
      return [name, { tensor }];
    case 5:
      if (!graph) throw formatError(`attribute ${name} of ${op} has no graph`);
      return [name, { graph: graph.slice() }];
    case 6:
      return [name, { floats }];
    case 7:
      return [name, { ints }];
    default:
      throw formatError(`attribute ${name} of ${op} has type ${type}, which cannot be rewritten`);
  }
}

function readFixed32Float(bytes: Uint8Array): number {
  if (bytes.length !== 4) throw formatError('a float attribute is not 4 bytes');
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
}

function readTensor(bytes: Uint8Array): TensorSpec {
  const dims: number[] = [];
  let code = 0;
  let name: string | undefined;
  let raw: Uint8Array | undefined;
  const floatData: number[] = [];
  const intData: number[] = [];
  const int64Data: number[] = [];
  const doubleData: number[] = [];
  for (const field of readFields(bytes)) {
    switch (field.field) {
      case 1:
        if (field.wire === WIRE_LENGTH_DELIMITED) dims.push(...packedVarints(field.bytes));
        else dims.push(field.value);
        break;
      case 2:
        code = field.value;
        break;
      case 4:
        floatData.push(...packedFloats(field.bytes));
        break;
      case 5:
        intData.push(...packedVarints(field.bytes));
        break;
      case 7:
        int64Data.push(...packedVarints(field.bytes));
        break;
      case 8:
        name = decodeString(field.bytes);
        break;
      case 9:
        raw = field.bytes;
        break;
      case 10:
        doubleData.push(...packedDoubles(field.bytes));
        break;
      case 14:
        if (field.value === 1) throw formatError(`tensor ${name ?? ''} keeps its data in an external file; load and save it with its data embedded first`);
        break;
      default:
        break;
    }
  }
  const type: TensorType | undefined = ELEMENT_TYPES[code];
  if (!type) throw formatError(`tensor ${name ?? ''} has data type ${code}, which cannot be rewritten`);
  const count = dims.reduce((product, dim) => product * dim, 1);
  const data = raw ? fromRaw(type, raw, count, name) : fromFields(type, { floatData, intData, int64Data, doubleData });
  if (data.length !== count) throw formatError(`tensor ${name ?? ''} has ${data.length} values for dims [${dims.join(', ')}]`);
  return { type, dims, data, ...(name === undefined ? {} : { name }) };
}

const TYPED_ARRAYS: Readonly<Record<TensorType, { new (buffer: ArrayBuffer): TensorValues; BYTES_PER_ELEMENT: number }>> = {
  float32: Float32Array,
  float16: Uint16Array,
  float64: Float64Array,
  int64: BigInt64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  int8: Int8Array,
  bool: Uint8Array,
};

/** raw_data is little-endian, as are the hosts Node ships for; copy to get an aligned buffer. */
function fromRaw(type: TensorType, raw: Uint8Array, count: number, name: string | undefined): TensorValues {
  const kind = TYPED_ARRAYS[type];
  if (raw.length !== count * kind.BYTES_PER_ELEMENT) throw formatError(`tensor ${name ?? ''} has ${raw.length} bytes of data for ${count} values`);
  const buffer = new ArrayBuffer(raw.length);
  new Uint8Array(buffer).set(raw);
  return new kind(buffer);
}

function fromFields(
  type: TensorType,
  fields: { floatData: number[]; intData: number[]; int64Data: number[]; doubleData: number[] },
): TensorValues {
  switch (type) {
    case 'float32':
      return Float32Array.from(fields.floatData);
    case 'float64':
      return Float64Array.from(fields.doubleData);
    case 'int64':
      return BigInt64Array.from(fields.int64Data, (v) => BigInt(v));
    case 'int32':
      return Int32Array.from(fields.intData);
    case 'int8':
      return Int8Array.from(fields.intData);
    case 'float16':
      return Uint16Array.from(fields.intData);
    default:
      return Uint8Array.from(fields.intData);
  }
}

function packedVarints(bytes: Uint8Array): number[] {
  const values: number[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    const [value, used] = readVarint(bytes, offset);
    values.push(value);
    offset += used;
  }
  return values;
}

function packedFloats(bytes: Uint8Array): number[] {
  if (bytes.length % 4 !== 0) throw formatError('packed floats are not a multiple of 4 bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

function packedDoubles(bytes: Uint8Array): number[] {
  if (bytes.length % 8 !== 0) throw formatError('packed doubles are not a multiple of 8 bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 8 }, (_, i) => view.getFloat64(i * 8, true));
}

function readValueInfo(bytes: Uint8Array): ValueSpec {
  let name = '';
  let type: TensorType | undefined;
  let dims: Dim[] | undefined;
  for (const field of readFields(bytes)) {
    if (field.field === 1) name = decodeString(field.bytes);
    if (field.field !== 2 || field.wire !== WIRE_LENGTH_DELIMITED) continue;
    for (const typeField of readFields(field.bytes)) {
      if (typeField.field !== 1 || typeField.wire !== WIRE_LENGTH_DELIMITED) continue;
      for (const part of readFields(typeField.bytes)) {
        if (part.field === 1 && part.wire === WIRE_VARINT) type = ELEMENT_TYPES[part.value];
        if (part.field === 2 && part.wire === WIRE_LENGTH_DELIMITED) dims = readShape(part.bytes, name);
      }
    }
  }
  if (!type) throw formatError(`graph input or output ${name} is not a tensor of a known type`);
  return { name, type, ...(dims ? { dims } : {}) };
}

function readShape(bytes: Uint8Array, name: string): Dim[] {
  const dims: Dim[] = [];
  let unnamed = 0;
  for (const dim of readFields(bytes)) {
    if (dim.field !== 1 || dim.wire !== WIRE_LENGTH_DELIMITED) continue;
    let value: Dim | undefined;
    for (const part of readFields(dim.bytes)) {
      if (part.field === 1 && part.wire === WIRE_VARINT) value = part.value;
      if (part.field === 2 && part.wire === WIRE_LENGTH_DELIMITED) value = decodeString(part.bytes);
    }
    // A dimension with neither value nor name is unknown: give it a name of its own.
    dims.push(value ?? `${name}_dim${unnamed++}`);
  }
  return dims;
}

export function readOpset(bytes: Uint8Array): OpsetImport {
  let domain = '';
  let version = 0;
  for (const field of readFields(bytes)) {
    if (field.field === 1 && field.wire === WIRE_LENGTH_DELIMITED) domain = decodeString(field.bytes);
    if (field.field === 2 && field.wire === WIRE_VARINT) version = field.value;
  }
  return { domain: domain === 'ai.onnx' ? '' : domain, version };
}

export function readStringPair(bytes: Uint8Array): [string, string] {
  let key = '';
  let value = '';
  for (const field of readFields(bytes)) {
    if (field.field === 1 && field.wire === WIRE_LENGTH_DELIMITED) key = decodeString(field.bytes);
    if (field.field === 2 && field.wire === WIRE_LENGTH_DELIMITED) value = decodeString(field.bytes);
  }
  return [key, value];
}
