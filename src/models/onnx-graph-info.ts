// Reads what maskserve needs to know about an ONNX model (inputs, outputs, metadata_props,
// producer, opset) straight from the protobuf, without onnxruntime and without reading weights:
// a 178 MB Mask R-CNN costs a few hundred KB of reads (node headers, initializer names).
//
// ONNX field numbers used (onnx.proto3):
//   ModelProto      ir_version=1 producer_name=2 graph=7 opset_import=8 metadata_props=14
//   OperatorSetId   domain=1 version=2          StringStringEntry key=1 value=2
//   GraphProto      node=1 initializer=5 input=11 output=12 sparse_initializer=15
//   TensorProto     name=8                      SparseTensorProto values=1 (a TensorProto)
//   ValueInfoProto  name=1 type=2               TypeProto tensor_type=1
//   TypeProto.Tensor elem_type=1 shape=2        TensorShapeProto dim=1
//   Dimension       dim_value=1 dim_param=2
import { basename } from 'node:path';
import { MaskserveError, isMaskserveError } from '../errors.js';
import { ELEMENT_TYPES } from '../onnx/data-types.js';
import { readOpset, readStringPair } from '../onnx/reader.js';
import type { GraphInfo, TensorType, ValueInfo } from '../types.js';
import {
  type ByteSource,
  type WalkedField,
  WIRE_LENGTH_DELIMITED,
  WIRE_VARINT,
  decodeString,
  fileSource,
  formatError,
  memorySource,
  readFields,
  walkFields,
} from './protobuf-reader.js';


/** Reads the graph interface of an ONNX file (path) or of ONNX bytes already in memory. */
export async function readGraphInfo(source: string | Uint8Array): Promise<GraphInfo> {
  const bytes = typeof source === 'string' ? await openModelFile(source) : memorySource(source);
  try {
    return await readModel(bytes);
  } catch (error) {
    throw typeof source === 'string' ? namingTheFile(error, source) : error;
  } finally {
    await bytes.close();
  }
}

/** A MODEL_FORMAT error reworded to name the file: "x.jpg is not an ONNX model (...)" says more than a wire type at byte 0. */
export function namingTheFile(error: unknown, path: string): unknown {
  if (!isMaskserveError(error) || error.code !== 'MODEL_FORMAT') return error;
  const detail = error.message.replace(/^Not a valid ONNX model: /, '');
  return new MaskserveError('MODEL_FORMAT', `${basename(path)} is not an ONNX model (${detail})`, {}, { cause: error });
}

async function openModelFile(path: string): Promise<ByteSource> {
  try {
    return await fileSource(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(code ?? error);
    throw new MaskserveError('MODEL_NOT_AVAILABLE', `Cannot open model file ${path}: ${reason}`, {}, { cause: error });
  }
}

async function readModel(source: ByteSource): Promise<GraphInfo> {
  if (source.size === 0) throw formatError('the file is empty');
  let irVersion = 0;
  let producerName: string | undefined;
  let opsetVersion: number | undefined;
  let graph: { inputs: ValueInfo[]; outputs: ValueInfo[] } | undefined;
  const metadata: Record<string, string> = {};

  await walkFields(source, 0, source.size, async (field) => {
    switch (field.field) {
      case 1:
        irVersion = expectVarint(field, 'ir_version');
        break;
      case 2:
        producerName = decodeString(await loadBytes(field, 'producer_name'));
        break;
      case 7:
        if (graph) throw formatError('more than one graph');
        graph = await readGraph(source, expectLengthDelimited(field, 'graph'));
        break;
      case 8: {
        const opset = readOpset(await loadBytes(field, 'opset_import'));
        // The default domain ('' or 'ai.onnx') carries the opset that matters for the standard operators.
        if (opset.domain === '' || opset.domain === 'ai.onnx') opsetVersion = opset.version;
        break;
      }
      case 14: {
        const [key, value] = readStringPair(await loadBytes(field, 'metadata_props'));
        metadata[key] = value;
        break;
      }
      default:
        break; // doc_string, model_version, functions, ...: not needed
    }
  });

  if (irVersion <= 0) throw formatError('ir_version is missing');
  if (!graph) throw formatError('the model has no graph');
  return Object.freeze({
    inputs: Object.freeze(graph.inputs),
    outputs: Object.freeze(graph.outputs),
    metadata: Object.freeze(metadata),
    ...(producerName === undefined ? {} : { producerName }),
    ...(opsetVersion === undefined ? {} : { opsetVersion }),
  });
}

async function readGraph(source: ByteSource, field: WalkedField): Promise<{ inputs: ValueInfo[]; outputs: ValueInfo[] }> {
  const declaredInputs: ValueInfo[] = [];
  const outputs: ValueInfo[] = [];
  const initializerNames = new Set<string>();
  await walkFields(source, field.start, field.start + field.length, async (child) => {
    switch (child.field) {
      case 5:
        initializerNames.add(await readTensorName(source, expectLengthDelimited(child, 'initializer')));
        break;
      case 15: // SparseTensorProto: its name lives in values (field 1), a TensorProto
        await walkFields(source, child.start, child.start + child.length, async (part) => {
          if (part.field === 1) initializerNames.add(await readTensorName(source, expectLengthDelimited(part, 'values')));
        });
        break;
      case 11:
        declaredInputs.push(readValueInfo(await loadBytes(child, 'input')));
        break;
      case 12:
        outputs.push(readValueInfo(await loadBytes(child, 'output')));
        break;
      default:
        break; // nodes (1), value_info (13), ...: skipped without reading their payload
    }
  });
  // Old exporters (opset <= 8 style) also list every weight as a graph input; those are not feeds.
  const inputs = declaredInputs.filter((input) => !initializerNames.has(input.name));
  return { inputs, outputs };
}

/** TensorProto.name (field 8), skipping dims, raw_data and the other data fields unread. */
async function readTensorName(source: ByteSource, field: WalkedField): Promise<string> {
  let name = '';
  await walkFields(source, field.start, field.start + field.length, async (part) => {
    if (part.field === 8) name = decodeString(await loadBytes(part, 'TensorProto.name'));
  });
  return name;
}

function readValueInfo(bytes: Uint8Array): ValueInfo {
  let name = '';
  let type: ValueInfo['type'] = 'unknown';
  let dims: (number | string | null)[] = [];
  for (const field of readFields(bytes)) {
    if (field.field === 1) name = decodeString(field.bytes);
    if (field.field === 2 && field.wire === WIRE_LENGTH_DELIMITED) {
      for (const typeField of readFields(field.bytes)) {
        // Only tensor_type (1) is a plain tensor; sequences, maps and optionals stay 'unknown'.
        if (typeField.field === 1 && typeField.wire === WIRE_LENGTH_DELIMITED) ({ type, dims } = readTensorType(typeField.bytes));
      }
    }
  }
  return Object.freeze({ name, type, dims: Object.freeze(dims) });
}

function readTensorType(bytes: Uint8Array): { type: ValueInfo['type']; dims: (number | string | null)[] } {
  let type: ValueInfo['type'] = 'unknown';
  const dims: (number | string | null)[] = [];
  for (const field of readFields(bytes)) {
    if (field.field === 1 && field.wire === WIRE_VARINT) type = ELEMENT_TYPES[field.value] ?? 'unknown';
    if (field.field === 2 && field.wire === WIRE_LENGTH_DELIMITED) {
      for (const dim of readFields(field.bytes)) {
        if (dim.field === 1 && dim.wire === WIRE_LENGTH_DELIMITED) dims.push(readDimension(dim.bytes));
      }
    }
  }
  return { type, dims };
}

/** dim_value -> number, dim_param -> string, neither (or a negative value) -> null. */
function readDimension(bytes: Uint8Array): number | string | null {
  let dim: number | string | null = null;
  for (const field of readFields(bytes)) {
    if (field.field === 1 && field.wire === WIRE_VARINT) dim = field.value >= 0 ? field.value : null;
    if (field.field === 2 && field.wire === WIRE_LENGTH_DELIMITED) dim = decodeString(field.bytes);
  }
  return dim;
}

/** Payloads loaded whole must be small: a "value info" of hundreds of MB means this is not ONNX. */
const MAX_SMALL_FIELD_BYTES = 16 * 1024 * 1024;

function expectLengthDelimited(field: WalkedField, name: string): WalkedField {
  if (field.wire !== WIRE_LENGTH_DELIMITED) throw formatError(`${name} has wire type ${field.wire}`);
  return field;
}

async function loadBytes(field: WalkedField, name: string): Promise<Uint8Array> {
  expectLengthDelimited(field, name);
  if (field.length > MAX_SMALL_FIELD_BYTES) throw formatError(`${name} is implausibly large (${field.length} bytes)`);
  return field.load();
}

function expectVarint(field: WalkedField, name: string): number {
  if (field.wire !== WIRE_VARINT) throw formatError(`${name} has wire type ${field.wire}`);
  return field.varint;
}
