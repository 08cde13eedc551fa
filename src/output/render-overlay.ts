// Middle layer of the renderer (detectron2's Visualizer.overlay_instances): decides draw
// order, sizes and label placement, then calls the primitives. Largest instances are drawn
// first so small ones stay visible on top of them.
import type { Instances } from '../types.js';
import { classColor } from './colors.js';
import { labelSvg, labelText, measureLabel, type PlacedLabel } from './render-labels.js';
import { type Canvas, paintMask, strokeRect } from './render-primitives.js';
import { classLabel, instanceArea } from './result-json.js';

export interface OverlayStyle {
  readonly boxes: boolean;
  readonly labels: boolean;
  readonly masks: boolean;
  /** Mask fill opacity, 0..1. */
  readonly opacity: number;
  readonly lineWidth: number;
  readonly fontSize: number;
}

/** Line width and font size that read the same on a thumbnail and on a 40 MP photo. */
export function scaledSizes(width: number, height: number): { lineWidth: number; fontSize: number } {
  const diagonalScale = Math.sqrt(width * height); // 554 for 640x480, 1440 for 1920x1080
  return {
    lineWidth: Math.max(1, Math.round(diagonalScale / 360)),
    fontSize: Math.max(12, Math.round(diagonalScale / 48)),
  };
}

/** Paints masks and boxes into `canvas` and returns the label tags to composite on top. */
export function overlayInstances(canvas: Canvas, instances: Instances, style: OverlayStyle): PlacedLabel[] {
  const labels: PlacedLabel[] = [];
  const taken: Rect[] = [];
  for (const index of drawOrder(instances)) {
    const name = classLabel(instances, instances.classIds[index]);
    const color = classColor(name);
    const box = {
      x1: instances.boxes[index * 4],
      y1: instances.boxes[index * 4 + 1],
      x2: instances.boxes[index * 4 + 2],
      y2: instances.boxes[index * 4 + 3],
    };
    const mask = style.masks ? instances.masks?.[index] : undefined;
    if (mask) paintMask(canvas, mask, color, style.opacity, style.lineWidth);
    // With a mask shown, a lighter box keeps the mask outline the main shape.
    if (style.boxes) strokeRect(canvas, box, color, style.lineWidth, mask ? 0.6 : 1);
    if (style.labels) labels.push(placeLabel(canvas, labelText(name, instances.scores[index]), color, box, style.fontSize, taken));
  }
  return labels;
}

/** Instance indices by decreasing mask area (box area when the mask is empty or absent). */
export function drawOrder(instances: Instances): number[] {
  const sizes = Array.from(instances.scores, (_, i) => instanceArea(instances, i));
  return sizes.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a] || a - b);
}

interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Puts the tag at the first free spot among: just above the box's top-left corner, inside
 * the box's top edge, just below the box. Spots are slid to stay inside the image; when all
 * overlap earlier tags the first spot wins (the later tag is drawn on top, as it belongs to
 * a smaller instance).
 */
function placeLabel(
  canvas: Canvas,
  text: string,
  color: [number, number, number],
  box: { x1: number; y1: number; x2: number; y2: number },
  fontSize: number,
  taken: Rect[],
): PlacedLabel {
  const size = measureLabel(text, fontSize);
  const left = clamp(Math.round(box.x1), 0, canvas.width - size.width);
  const tops = [Math.round(box.y1) - size.height, Math.round(box.y1), Math.round(box.y2)];
  const spots = tops
    .filter((top) => top >= 0 && top + size.height <= canvas.height)
    .map((top) => ({ left, top, width: size.width, height: size.height }));
  const fallback = { left, top: clamp(tops[0], 0, canvas.height - size.height), width: size.width, height: size.height };
  const spot = spots.find((candidate) => !taken.some((other) => overlaps(candidate, other))) ?? spots[0] ?? fallback;
  taken.push(spot);
  return {
    svg: labelSvg(text, color, fontSize, size, canvas.width - spot.left, canvas.height - spot.top),
    left: spot.left,
    top: spot.top,
  };
}

function overlaps(a: Rect, b: Rect): boolean {
  return a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(value, high));
}
