// TensorProto.DataType codes: the one table the ONNX reader and writer share.
import type { TensorType } from '../types.js';

export const DATA_TYPE_CODES: Readonly<Record<TensorType, number>> = Object.freeze({
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
});

/** Code -> type name (the inverse of DATA_TYPE_CODES). */
export const ELEMENT_TYPES: Readonly<Record<number, TensorType>> = Object.freeze(
  Object.fromEntries(Object.entries(DATA_TYPE_CODES).map(([name, code]) => [code, name as TensorType])),
);
