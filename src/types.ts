// The shared vocabulary of maskserve. Data flows one way:
//   bytes -> RawImage -> (adapter) tensors + meta -> (runtime) outputs -> (adapter) Instances -> output/*
// Nothing here imports a native module; every stage can be tested with plain typed arrays.

/** Formats accepted by content sniffing (never by file name or Content-Type). */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff';

/** A decoded photo: 8-bit sRGB RGB, interleaved HWC, EXIF orientation already applied. */
export interface RawImage {
  readonly data: Uint8Array; // length = width * height * 3
  readonly width: number;
  readonly height: number;
  /** Detected source format and what decoding had to normalise (for logs and model cards). */
  readonly source: { readonly format: ImageFormat; readonly orientation: number; readonly bytes: number };
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

export type { ModelFamily } from './adapters/registry.js';

/** Element types onnxruntime can hand back; adapters identify outputs by these plus shape. */
export type TensorType = 'float32' | 'float16' | 'int64' | 'int32' | 'uint8' | 'int8' | 'bool' | 'float64';

/** A tensor crossing the worker boundary: plain typed array + dims (transferable). */
export interface TensorData {
  readonly type: TensorType;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Float64Array | Uint16Array;
}

export type Feeds = Record<string, TensorData>;
export type Outputs = Record<string, TensorData>;

/** One graph input or output as declared in the ONNX file; symbolic dims are strings, unknown are null. */
export interface ValueInfo {
  readonly name: string;
  readonly type: TensorType | 'unknown';
  readonly dims: readonly (number | string | null)[];
}

/** What maskserve knows about an ONNX graph without running it (read from the protobuf). */
export interface GraphInfo {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** ModelProto.metadata_props; Ultralytics puts names/imgsz/stride/task here. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly producerName?: string;
  readonly opsetVersion?: number;
}

export type { ModelCard } from './models/model-card-schema.js';
export type { CocoResult, CocoRle, ModelRef, PolygonPart, ResultInstance, ResultJson, Timings } from './contracts.js';
import type { ModelRef, Timings } from './contracts.js';

/**
 * A binary mask stored only over its bounding region so 100 instances on a 40 MP photo stay small.
 * `data` is row-major, one byte per pixel (0 or 1), covering [x, x+width) x [y, y+height)
 * in original-image pixels.
 */
export interface BinaryMask {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * The one hand-off type (detectron2 style): parallel fields of equal length N, all in
 * original-image coordinates. Render, encode and eval read only this.
 */
export interface Instances {
  readonly imageSize: Size;
  /** Names indexed by class id; classIds below index into it. */
  readonly classNames: readonly string[];
  /** COCO category_id per class id (same length as classNames). */
  readonly categoryIds: readonly number[];
  readonly boxes: Float32Array; // [N*4] x1, y1, x2, y2 (pixel edges, clipped to the image)
  readonly scores: Float32Array; // [N], sorted descending
  readonly classIds: Int32Array; // [N]
  /** [N]; undefined for box-only families (yolo-detect): there is nothing to paint, encode or score as segm. */
  readonly masks?: readonly BinaryMask[];
}

export interface SegmentResult {
  readonly model: ModelRef;
  readonly instances: Instances;
  readonly timings: Timings;
}
