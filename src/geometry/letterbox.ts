// The two resize rules maskserve's families were trained with, and the maps back to the original:
//  - letterbox: Ultralytics LetterBox(auto=False, scaleFill=False, scaleup=True, center=True);
//  - short side: Mask R-CNN "short side 800, long side <= 1333", zero-padded bottom/right to 32.
// Preprocessing returns this geometry as meta; postprocessing maps with it, never recomputing it.
import { invalidParameter } from '../errors.js';
import type { Size } from '../types.js';
import { resizeBilinearU8, type PixelImage } from './resize.js';
import { resizePilBilinear } from './resize-pil.js';

/** Python 3 round(): half to even on the exact double value (round(0.5) = 0, round(1.5) = 2). */
export function pythonRound(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export interface LetterboxGeometry {
  readonly original: Size;
  /** Size of the scaled image before padding: (round(w*r), round(h*r)). */
  readonly resized: Size;
  /** The network input (letterbox target). */
  readonly input: Size;
  /** r = min(S_h/h, S_w/w); Ultralytics maps boxes back with this single gain. */
  readonly scale: number;
  readonly padLeft: number;
  readonly padTop: number;
}

function checkSize(size: Size, name: string): void {
  if (!Number.isInteger(size.width) || !Number.isInteger(size.height) || size.width < 1 || size.height < 1) {
    throw invalidParameter('a positive integer size', name, size);
  }
}

export function letterboxGeometry(original: Size, input: Size): LetterboxGeometry {
  checkSize(original, 'original size');
  checkSize(input, 'letterbox size');
  const scale = Math.min(input.height / original.height, input.width / original.width);
  // max(1, ...) only matters for absurd aspect ratios (e.g. 100000x1), where Ultralytics would fail.
  const resized = {
    width: Math.max(1, pythonRound(original.width * scale)),
    height: Math.max(1, pythonRound(original.height * scale)),
  };
  const dw = (input.width - resized.width) / 2;
  const dh = (input.height - resized.height) / 2;
  // top = round(dh - 0.1), bottom = round(dh + 0.1): the odd pixel of padding goes bottom/right.
  const padTop = pythonRound(dh - 0.1);
  const padLeft = pythonRound(dw - 0.1);
  return Object.freeze({ original: sizeOf(original), resized, input: sizeOf(input), scale, padLeft, padTop });
}

/** Letterbox input px -> original px (Ultralytics scale_boxes without the clip). */
export function letterboxPointToOriginal(geometry: LetterboxGeometry, x: number, y: number): [number, number] {
  return [(x - geometry.padLeft) / geometry.scale, (y - geometry.padTop) / geometry.scale];
}

/** Original px -> letterbox input px. */
export function letterboxPointToInput(geometry: LetterboxGeometry, x: number, y: number): [number, number] {
  return [x * geometry.scale + geometry.padLeft, y * geometry.scale + geometry.padTop];
}

/** In place: flat xyxy boxes [N*4] in input px -> original px, clipped to the original image. */
export function letterboxBoxesToOriginal(geometry: LetterboxGeometry, boxes: Float32Array): Float32Array {
  const { padLeft, padTop, scale } = geometry;
  const { width, height } = geometry.original;
  for (let i = 0; i < boxes.length; i += 4) {
    boxes[i] = clamp((boxes[i] - padLeft) / scale, width);
    boxes[i + 1] = clamp((boxes[i + 1] - padTop) / scale, height);
    boxes[i + 2] = clamp((boxes[i + 2] - padLeft) / scale, width);
    boxes[i + 3] = clamp((boxes[i + 3] - padTop) / scale, height);
  }
  return boxes;
}

export interface ShortSideGeometry {
  readonly original: Size;
  /** floor(w*scale) x floor(h*scale), as the ONNX zoo preprocess does with int(). */
  readonly resized: Size;
  /** resized rounded up to multiples of the divisor (zero padding bottom/right). */
  readonly padded: Size;
  /** min(minSize/short, maxSize/long): the requested scale. */
  readonly scale: number;
  /** The actual per-axis scales resized/original, used to map boxes back. */
  readonly scaleX: number;
  readonly scaleY: number;
}

/**
 * How the scaled size becomes integer: the zoo sample truncates (int()), some exporters round
 * (Python round), and detectron2's ResizeShortestEdge scales the short side first, then the long
 * side if it is over the cap, and rounds half up (int(x + 0.5)).
 */
export const SIZE_ROUNDINGS = Object.freeze(['floor', 'round', 'detectron2'] as const);
export type SizeRounding = (typeof SIZE_ROUNDINGS)[number];

/** ResizeShortestEdge.get_output_shape, in its operation order. */
function detectron2Size(original: Size, shortEdge: number, maxSize: number): Size {
  const { width: w, height: h } = original;
  const scale = shortEdge / Math.min(h, w);
  let newH = h < w ? shortEdge : scale * h;
  let newW = h < w ? scale * w : shortEdge;
  if (Math.max(newH, newW) > maxSize) {
    const rescale = maxSize / Math.max(newH, newW);
    newH *= rescale;
    newW *= rescale;
  }
  return { width: Math.max(1, Math.trunc(newW + 0.5)), height: Math.max(1, Math.trunc(newH + 0.5)) };
}

/** The short-side resize rule of a Mask R-CNN style model. */
export interface ShortSideRule {
  /** Target of the short side. */
  readonly minSize: number;
  /** Cap of the long side. */
  readonly maxSize: number;
  /** Pad up to a multiple of this (default 32). */
  readonly divisor?: number;
  /**
   * A graph with static input dims takes only that size: the scale also fits the image inside it
   * and the padding goes up to it (instead of the next multiple of `divisor`).
   */
  readonly fixed?: Size;
  /** 'floor' (ONNX zoo preprocess, default), 'round' (Python round, half to even) or 'detectron2'. */
  readonly rounding?: SizeRounding;
  /** Resampling of resizeToShortSide (default 'bilinear'). */
  readonly interpolation?: Interpolation;
}

export function shortSideGeometry(original: Size, rule: ShortSideRule): ShortSideGeometry {
  const { minSize, maxSize, divisor = 32, fixed, rounding = 'floor' } = rule;
  checkSize(original, 'original size');
  if (!(minSize > 0)) throw invalidParameter('a positive number', 'minSize', minSize);
  if (!(maxSize >= minSize)) throw invalidParameter(`a number >= minSize (${minSize})`, 'maxSize', maxSize);
  if (!Number.isInteger(divisor) || divisor < 1) throw invalidParameter('a positive integer', 'divisor', divisor);
  const short = Math.min(original.width, original.height);
  const long = Math.max(original.width, original.height);
  if (fixed !== undefined) checkSize(fixed, 'fixed input size');
  let scale = Math.min(minSize / short, maxSize / long);
  if (fixed !== undefined) scale = Math.min(scale, fixed.width / original.width, fixed.height / original.height);
  // Same expression order as Python's int(ratio * size) so float results agree bit for bit.
  const toInteger = rounding === 'round' ? pythonRound : Math.floor;
  const resized =
    rounding === 'detectron2' && fixed === undefined
      ? detectron2Size(original, minSize, maxSize)
      : { width: Math.max(1, toInteger(scale * original.width)), height: Math.max(1, toInteger(scale * original.height)) };
  const padded = fixed
    ? sizeOf(fixed)
    : { width: Math.ceil(resized.width / divisor) * divisor, height: Math.ceil(resized.height / divisor) * divisor };
  return Object.freeze({
    original: sizeOf(original),
    resized,
    padded,
    scale,
    scaleX: resized.width / original.width,
    scaleY: resized.height / original.height,
  });
}

/**
 * The two bilinear resizes models were trained with: 'bilinear' (OpenCV / torch interpolate, no
 * antialias) and 'pil-bilinear' (Pillow's antialiased fixed-point resample, detectron2's).
 */
export const INTERPOLATIONS = Object.freeze(['bilinear', 'pil-bilinear'] as const);
export type Interpolation = (typeof INTERPOLATIONS)[number];

/** Resizes an RGB image by the short-side rule; padding is left to the caller (it pads after normalising). */
export function resizeToShortSide(image: PixelImage, rule: ShortSideRule): { data: Uint8Array; geometry: ShortSideGeometry } {
  const geometry = shortSideGeometry(image, rule);
  const resize = rule.interpolation === 'pil-bilinear' ? resizePilBilinear : resizeBilinearU8;
  return { data: resize(image, geometry.resized), geometry };
}

/** In place: flat xyxy boxes [N*4] in network input px -> original px (per-axis), clipped. */
export function shortSideBoxesToOriginal(geometry: ShortSideGeometry, boxes: Float32Array): Float32Array {
  const { scaleX, scaleY } = geometry;
  const { width, height } = geometry.original;
  for (let i = 0; i < boxes.length; i += 4) {
    boxes[i] = clamp(boxes[i] / scaleX, width);
    boxes[i + 1] = clamp(boxes[i + 1] / scaleY, height);
    boxes[i + 2] = clamp(boxes[i + 2] / scaleX, width);
    boxes[i + 3] = clamp(boxes[i + 3] / scaleY, height);
  }
  return boxes;
}

/** Copies only width/height so geometry meta never holds on to pixel data. */
function sizeOf(size: Size): Size {
  return { width: size.width, height: size.height };
}

function clamp(value: number, max: number): number {
  return value < 0 ? 0 : value > max ? max : Number.isNaN(value) ? 0 : value;
}
