// Box helpers on flat Float32Array / number[] storage: box i lives at [4i, 4i+4).
// Conventions follow torchvision: xyxy in pixel-edge coordinates, area = (x2-x1)*(y2-y1), no +1.
import type { Size } from '../types.js';

export type Box = [number, number, number, number];

/** Area of box i of a flat xyxy array; degenerate boxes have area 0. */
export function boxArea(boxes: ArrayLike<number>, i = 0): number {
  const w = boxes[4 * i + 2] - boxes[4 * i];
  const h = boxes[4 * i + 3] - boxes[4 * i + 1];
  return w > 0 && h > 0 ? w * h : 0;
}

/** In place: clamp every coordinate of flat xyxy boxes into the image. */
export function clipBoxes(boxes: Float32Array, size: Size): Float32Array {
  for (let i = 0; i < boxes.length; i += 4) {
    boxes[i] = clamp(boxes[i], size.width);
    boxes[i + 1] = clamp(boxes[i + 1], size.height);
    boxes[i + 2] = clamp(boxes[i + 2], size.width);
    boxes[i + 3] = clamp(boxes[i + 3], size.height);
  }
  return boxes;
}

/**
 * The integer pixel region [x, x+width) x [y, y+height) that covers a box, clipped to the image.
 * Never empty for a non-empty image, so every instance owns at least one (possibly unset) pixel.
 */
export function boxPixelRegion(box: ArrayLike<number>, size: Size): { x: number; y: number; width: number; height: number } {
  const [x, width] = span(box[0], box[2], size.width);
  const [y, height] = span(box[1], box[3], size.height);
  return { x, y, width, height };
}

function span(lo: number, hi: number, limit: number): [number, number] {
  let start = Math.floor(Math.min(lo, hi));
  let end = Math.ceil(Math.max(lo, hi));
  if (!Number.isFinite(start) || !Number.isFinite(end)) return [0, Math.min(1, limit)];
  start = Math.min(Math.max(start, 0), Math.max(limit - 1, 0));
  end = Math.min(Math.max(end, start + 1), limit);
  return [start, Math.max(end - start, 0)];
}

function clamp(value: number, max: number): number {
  return value < 0 ? 0 : value > max ? max : Number.isNaN(value) ? 0 : value;
}
