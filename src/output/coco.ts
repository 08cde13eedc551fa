// Instances -> rows of a COCO results file (what pycocotools' loadRes and our evaluator read).
// Two forms: detections with the mask as run lengths (what `maskserve eval` scores in the same
// process, never encoded to a string and decoded again) and the results file's rows.
import type { Rle } from '../eval/rle-ops.js';
import type { CocoResult, Instances } from '../types.js';
import { boxToXywh, round } from './result-json.js';
import { encodeRleCounts, maskToRleCounts } from './rle.js';

/** A COCO results row whose mask is still run lengths (column-major counts), not a string. */
export interface CocoDetection extends Omit<CocoResult, 'segmentation'> {
  /** Absent for box-only models. */
  readonly rle?: Rle;
}

export function toCocoDetections(instances: Instances, imageId: number): CocoDetection[] {
  const { width: w, height: h } = instances.imageSize;
  return Array.from(instances.scores, (_, index) => {
    const classId = instances.classIds[index];
    const mask = instances.masks?.[index];
    return {
      image_id: imageId,
      // Models without a COCO mapping fall back to their own class id.
      category_id: instances.categoryIds[classId] ?? classId,
      bbox: boxToXywh(instances.boxes, index),
      // Scores are float32; 6 decimals keep their ranking and drop float noise.
      score: round(instances.scores[index], 6),
      // Box-only models give bbox results (no segmentation), as COCO's detection results are.
      ...(mask === undefined ? {} : { rle: { h, w, counts: maskToRleCounts(mask, instances.imageSize) } }),
    };
  });
}

/** The results file's form of a detection: the mask as pycocotools' compressed string. */
export function toCocoResult({ rle, ...row }: CocoDetection): CocoResult {
  return rle === undefined ? row : { ...row, segmentation: { size: [rle.h, rle.w], counts: encodeRleCounts(rle.counts) } };
}

export function toCocoResults(instances: Instances, imageId: number): CocoResult[] {
  return toCocoDetections(instances, imageId).map(toCocoResult);
}
