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

export type ModelFamily = 'maskrcnn' | 'yolo-seg';

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

/**
 * Sidecar model card `<model>.json` (every field optional). Overrides what is read from the graph.
 * `classes` is indexed by the model's own class id (for maskrcnn index 0 is the background).
 */
export interface ModelCard {
  readonly id?: string;
  readonly family?: ModelFamily;
  readonly classes?: readonly string[];
  /** COCO category_id for each class index (same length as classes); defaults per family. */
  readonly categoryIds?: readonly number[];
  readonly minSize?: number; // maskrcnn: short side target
  readonly maxSize?: number; // maskrcnn: long side cap
  readonly imgsz?: number; // yolo-seg: square letterbox side
  readonly stride?: number;
  readonly license?: string;
  readonly description?: string;
  /** maskrcnn input: channel order, per-channel mean/std (in that order), resize interpolation and rounding. */
  readonly inputFormat?: 'RGB' | 'BGR';
  readonly pixelMean?: readonly number[];
  readonly pixelStd?: readonly number[];
  readonly interpolation?: 'bilinear' | 'pil-bilinear';
  readonly resizeRounding?: 'floor' | 'round' | 'detectron2';
  readonly [extra: string]: unknown;
}

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
  readonly masks: readonly BinaryMask[]; // [N]
}

export interface Timings {
  decodeMs: number;
  preprocessMs: number;
  inferenceMs: number;
  postprocessMs: number;
  totalMs: number;
}

export interface ModelRef {
  readonly id: string;
  readonly family: ModelFamily;
  /** The embedded demo model (synthetic shapes only): the UI, logs and every result say so. */
  readonly isDemo: boolean;
}

export interface SegmentResult {
  readonly model: ModelRef;
  readonly instances: Instances;
  readonly timings: Timings;
}

/** Result JSON of DESIGN.md (API and `maskserve predict`). */
export interface CocoRle {
  size: [number, number]; // [height, width]
  counts: string; // pycocotools compressed string, column-major
}

/** Polygons keep parts and holes: one entry per connected part. Rings are flat [x0,y0,x1,y1,...]. */
export interface PolygonPart {
  outer: number[];
  holes: number[][];
}

export interface ResultInstance {
  id: number;
  label: string;
  classId: number;
  score: number;
  bbox: [number, number, number, number]; // COCO xywh
  area: number; // mask pixels
  mask?: CocoRle;
  polygons?: PolygonPart[];
}

export interface ResultJson {
  model: ModelRef;
  image: { width: number; height: number };
  instances: ResultInstance[];
  counts: Record<string, number>;
  timings: Timings;
}

/** One row of a COCO results file. */
export interface CocoResult {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
  segmentation: CocoRle;
}
