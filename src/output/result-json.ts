// SegmentResult -> the result JSON (API responses and `maskserve predict`; schema in src/contracts.ts, described in docs/result-format.md).
// Numbers are rounded here, once, so every consumer sees the same compact values.
import type { MaskFormat } from './formats.js';
import type { BinaryMask, Instances, ResultInstance, ResultJson, SegmentResult, Timings } from '../types.js';
import { boxArea } from '../geometry/boxes.js';
import { maskToPolygons } from './polygons.js';
import { maskToRle } from './rle.js';

export interface ResultJsonOptions {
  maskFormat: MaskFormat;
}

export function toResultJson(result: SegmentResult, options: ResultJsonOptions): ResultJson {
  const { instances } = result;
  const withRle = options.maskFormat === 'rle' || options.maskFormat === 'both';
  const withPolygons = options.maskFormat === 'polygons' || options.maskFormat === 'both';
  const counts: Record<string, number> = {};
  const out: ResultInstance[] = Array.from(instances.scores, (_, index) => {
    const classId = instances.classIds[index];
    const label = classLabel(instances, classId);
    counts[label] = (counts[label] ?? 0) + 1;
    const mask = instances.masks?.[index];
    const item: ResultInstance = {
      id: index,
      label,
      classId,
      score: round(instances.scores[index], 4),
      bbox: boxToXywh(instances.boxes, index),
      area: mask ? maskArea(mask) : Math.round(boxArea(instances.boxes, index)),
    };
    if (mask && withRle) item.mask = maskToRle(mask, instances.imageSize);
    if (mask && withPolygons) item.polygons = maskToPolygons(mask);
    return item;
  });
  return {
    model: { id: result.model.id, family: result.model.family, isDemo: result.model.isDemo },
    image: { width: instances.imageSize.width, height: instances.imageSize.height },
    instances: out,
    counts,
    timings: roundTimings(result.timings),
  };
}

/** The class name, or the numeric id when the model's list has no entry for it. */
export function classLabel(instances: Instances, classId: number): string {
  return instances.classNames[classId] ?? String(classId);
}

/** xyxy (pixel edges) -> COCO [x, y, width, height], 2 decimals. */
export function boxToXywh(boxes: Float32Array, index: number): [number, number, number, number] {
  const x1 = boxes[index * 4];
  const y1 = boxes[index * 4 + 1];
  const x2 = boxes[index * 4 + 2];
  const y2 = boxes[index * 4 + 3];
  return [round(x1, 2), round(y1, 2), round(x2 - x1, 2), round(y2 - y1, 2)];
}

/** Mask pixels, or the box's area when the mask is empty or the model gives boxes only. */
export function instanceArea(instances: Instances, index: number): number {
  const mask = instances.masks?.[index];
  const area = mask ? maskArea(mask) : 0;
  return area > 0 ? area : boxArea(instances.boxes, index);
}

export function maskArea(mask: BinaryMask): number {
  let area = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) area++;
  return area;
}

export function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  const rounded = Math.round(value * scale) / scale;
  return Object.is(rounded, -0) ? 0 : rounded;
}

function roundTimings(timings: Timings): Timings {
  return {
    decodeMs: round(timings.decodeMs, 1),
    preprocessMs: round(timings.preprocessMs, 1),
    inferenceMs: round(timings.inferenceMs, 1),
    postprocessMs: round(timings.postprocessMs, 1),
    totalMs: round(timings.totalMs, 1),
  };
}
