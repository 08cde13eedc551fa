// Helpers shared by the family adapters: matching declared graph shapes (symbolic dims are
// wildcards), reading output tensors as plain numbers, summarising a graph for error messages.
import { MaskserveError } from '../errors.js';
import type { GraphInfo, TensorData, TensorType, ValueInfo } from '../types.js';

export type Dim = number | string | null;

const FLOAT_TYPES: ReadonlySet<TensorType | 'unknown'> = new Set(['float32', 'float16', 'float64']);
const INTEGER_TYPES: ReadonlySet<TensorType | 'unknown'> = new Set(['int64', 'int32']);

export function isFloatType(type: TensorType | 'unknown'): boolean {
  return FLOAT_TYPES.has(type);
}

export function isIntegerType(type: TensorType | 'unknown'): boolean {
  return INTEGER_TYPES.has(type);
}

/** A declared dim fits `expected` when it equals it or is symbolic/unknown (dynamic axes). */
export function dimFits(dim: Dim, expected: number): boolean {
  return typeof dim !== 'number' || dim <= 0 || dim === expected;
}

/** A concrete positive dim, or undefined for symbolic/unknown ones. */
export function staticDim(dim: Dim | undefined): number | undefined {
  return typeof dim === 'number' && dim > 0 ? dim : undefined;
}

export function describeValue(value: { name: string; type: string; dims: readonly Dim[] }): string {
  return `${value.name} ${value.type}[${value.dims.map((d) => (typeof d === 'number' && d > 0 ? d : d || '?')).join(',')}]`;
}

/** "inputs: image float32[3,?,?]; outputs: boxes float32[?,4], ..." for MODEL_FORMAT messages. */
export function describeGraph(graph: GraphInfo): string {
  const list = (values: readonly ValueInfo[]) => (values.length === 0 ? '(none)' : values.map(describeValue).join(', '));
  return `inputs: ${list(graph.inputs)}; outputs: ${list(graph.outputs)}`;
}

export function describeOutputs(outputs: Record<string, TensorData>): string {
  const entries = Object.entries(outputs);
  if (entries.length === 0) return '(none)';
  return entries.map(([name, t]) => describeValue({ name, type: t.type, dims: t.dims })).join(', ');
}

/** IEEE half -> float: fp16 exports hand back raw Uint16Array bits (and checkpoints store them). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** The tensor as Float32Array (no copy for float32). */
export function floatData(tensor: TensorData, what: string): Float32Array {
  const { type, data } = tensor;
  if (type === 'float32' && data instanceof Float32Array) return data;
  if (type === 'float16' && data instanceof Uint16Array) return Float32Array.from(data, halfToFloat);
  if (type === 'float64' && data instanceof Float64Array) return Float32Array.from(data);
  throw new MaskserveError('MODEL_FORMAT', `Expected a float tensor for ${what} but the model returned ${type}`);
}

/** Integer labels as Int32Array (int64 values are small class ids). */
export function integerData(tensor: TensorData, what: string): Int32Array {
  const { type, data } = tensor;
  if (type === 'int32' && data instanceof Int32Array) return data;
  if (type === 'int64' && data instanceof BigInt64Array) return Int32Array.from(data, (v) => Number(v));
  throw new MaskserveError('MODEL_FORMAT', `Expected an integer tensor for ${what} but the model returned ${type}`);
}

/** Product of dims; throws when the data length disagrees (a corrupt or mismatched tensor). */
export function checkedLength(tensor: TensorData, what: string): number {
  const length = tensor.dims.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== length) {
    throw new MaskserveError('MODEL_FORMAT', `Output ${what} has dims [${tensor.dims.join(',')}] but ${tensor.data.length} values`);
  }
  return length;
}

/** Reads a metadata entry, trimmed; undefined when missing or blank. */
export function metadataValue(graph: GraphInfo, key: string): string | undefined {
  const value = graph.metadata[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
