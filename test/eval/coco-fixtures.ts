// Tiny COCO ground truth / detections builders for the evaluation tests.
import type { DetectionInput } from '../../src/eval/coco-dataset.js';

/** precision COCOeval stores for "all detections so far are TP": tp / (tp + fp + np.spacing(1)). */
export const P1 = 1 / (1 + Number.EPSILON); // 0.9999999999999998

export interface GtAnnInput {
  image_id?: number;
  category_id?: number;
  bbox: [number, number, number, number];
  iscrowd?: number;
  area?: number;
  ignore?: number;
  segmentation?: unknown;
}

/**
 * A ground truth with 640x480 images `imageIds`, categories `catIds` (named cat<id>), and
 * annotations numbered from 1. Area defaults to the box area, segmentation to the box polygon.
 */
export function groundTruth(anns: GtAnnInput[], options: { imageIds?: number[]; catIds?: number[] } = {}) {
  const imageIds = options.imageIds ?? [1];
  const catIds = options.catIds ?? [1];
  return {
    images: imageIds.map((id) => ({ id, width: 640, height: 480, file_name: `${id}.jpg` })),
    categories: catIds.map((id) => ({ id, name: `cat${id}` })),
    annotations: anns.map((a, i) => {
      const [x, y, w, h] = a.bbox;
      return {
        id: i + 1,
        image_id: a.image_id ?? imageIds[0],
        category_id: a.category_id ?? catIds[0],
        bbox: a.bbox,
        area: a.area ?? w * h,
        iscrowd: a.iscrowd ?? 0,
        ...(a.ignore === undefined ? {} : { ignore: a.ignore }),
        segmentation: a.segmentation ?? [[x, y, x + w, y, x + w, y + h, x, y + h]],
      };
    }),
  };
}

/** A box-only detection (bbox evaluation). */
export function det(bbox: [number, number, number, number], score: number, extra: Partial<DetectionInput> = {}): DetectionInput {
  return { image_id: 1, category_id: 1, bbox, score, ...extra };
}

/** |actual - expected| below 1e-12, with both in the message. */
export function near(actual: number, expected: number, what = ''): void {
  if (!(Math.abs(actual - expected) < 1e-12)) {
    throw new Error(`${what} expected ${expected} but got ${actual}`);
  }
}
