// Element types found in numpy arrays and torch storages, and the plain tensor a checkpoint reader
// hands to the graph builder. Weights are always converted to float32 there.
import { halfToFloat } from '../adapters/tensors.js';

export type ElementType = 'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const ELEMENT_BYTES: Readonly<Record<ElementType, number>> = Object.freeze({
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
});

/** A named weight as the converter uses it: C-order float32. */
export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/**
 * Reads `count` elements starting at element `offset` of little- or big-endian bytes into float32,
 * following `strides` (in elements) for `shape`; the result is C-order.
 */
export function toFloat32(
  bytes: Uint8Array,
  type: ElementType,
  shape: readonly number[],
  options: { offset?: number; strides?: readonly number[]; littleEndian?: boolean } = {},
): Float32Array {
  const count = elementCount(shape);
  const size = ELEMENT_BYTES[type];
  const littleEndian = options.littleEndian ?? true;
  const offset = options.offset ?? 0;
  const strides = options.strides ?? contiguousStrides(shape);
  let maxIndex = offset;
  for (let d = 0; d < shape.length; d++) if (shape[d] > 0) maxIndex += (shape[d] - 1) * strides[d];
  if (count > 0 && (maxIndex + 1) * size > bytes.length) {
    throw new RangeError(`tensor data too short: needs ${(maxIndex + 1) * size} bytes, has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = elementReader(view, type, littleEndian);
  const out = new Float32Array(count);
  if (count === 0) return out;
  if (isContiguous(shape, strides) && type === 'float32' && littleEndian && (bytes.byteOffset + offset * 4) % 4 === 0) {
    out.set(new Float32Array(bytes.buffer, bytes.byteOffset + offset * 4, count));
    return out;
  }
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let element = offset;
    for (let d = 0; d < shape.length; d++) element += index[d] * strides[d];
    out[i] = read(element * size);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= shape[d];
  }
  return strides;
}

/** Fortran order strides (numpy arrays pickled with is_fortran). */
export function fortranStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = 0; d < shape.length; d++) {
    strides[d] = step;
    step *= shape[d];
  }
  return strides;
}

function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  const expected = contiguousStrides(shape);
  return shape.every((dim, d) => dim <= 1 || strides[d] === expected[d]);
}

function elementReader(view: DataView, type: ElementType, le: boolean): (byte: number) => number {
  switch (type) {
    case 'float64':
      return (b) => view.getFloat64(b, le);
    case 'float32':
      return (b) => view.getFloat32(b, le);
    case 'float16':
      return (b) => halfToFloat(view.getUint16(b, le));
    case 'bfloat16':
      return (b) => {
        const scratch = new DataView(new ArrayBuffer(4));
        scratch.setUint32(0, view.getUint16(b, le) << 16);
        return scratch.getFloat32(0);
      };
    case 'int64':
      return (b) => Number(view.getBigInt64(b, le));
    case 'int32':
      return (b) => view.getInt32(b, le);
    case 'int16':
      return (b) => view.getInt16(b, le);
    case 'int8':
      return (b) => view.getInt8(b);
    case 'uint8':
    case 'bool':
      return (b) => view.getUint8(b);
  }
}
