// Instances -> rows of a COCO results file (what pycocotools' loadRes and our evaluator read).
import type { CocoResult, Instances } from '../types.js';
import { boxToXywh, round, scoreOrder } from './result-json.js';
import { maskToRle } from './rle.js';

export function toCocoResults(instances: Instances, imageId: number): CocoResult[] {
  return scoreOrder(instances).map((index) => {
    const classId = instances.classIds[index];
    return {
      image_id: imageId,
      // Models without a COCO mapping fall back to their own class id.
      category_id: instances.categoryIds[classId] ?? classId,
      bbox: boxToXywh(instances.boxes, index),
      // Scores are float32; 6 decimals keep their ranking and drop float noise.
      score: round(instances.scores[index], 6),
      segmentation: maskToRle(instances.masks[index], instances.imageSize),
    };
  });
}
