// Greedy non-maximum suppression with torchvision.ops.nms semantics: visit boxes by score
// descending (ties keep input order), keep a box, suppress every later box whose IoU with it is
// strictly greater than the threshold. With classIds only boxes of the same class are compared,
// which is what torchvision's batched_nms coordinate-offset trick achieves.
import { invalidParameter } from '../errors.js';
import { boxArea } from './boxes.js';

export interface NmsOptions {
  /** Class per box; when given, boxes of different classes never suppress each other. */
  readonly classIds?: ArrayLike<number>;
  /** Stop once this many boxes are kept (they are the highest-scoring survivors). */
  readonly maxDetections?: number;
}

/** Indices sorted by score descending; equal scores keep their input order (stable sort). */
export function argsortDescending(scores: ArrayLike<number>): Int32Array {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return Int32Array.from(order);
}

/**
 * @param boxes flat xyxy [N*4]
 * @param scores [N]
 * @returns indices of kept boxes, highest score first
 */
export function nms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iouThreshold: number, options: NmsOptions = {}): Int32Array {
  const n = scores.length;
  if (boxes.length !== n * 4) throw invalidParameter(`${n * 4} box coordinates`, 'boxes', boxes.length);
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw invalidParameter('a number between 0 and 1', 'iouThreshold', iouThreshold);
  const { classIds } = options;
  if (classIds !== undefined && classIds.length !== n) throw invalidParameter(`${n} class ids`, 'classIds', classIds.length);
  const maxDetections = options.maxDetections ?? n;
  const order = argsortDescending(scores);
  const areas = new Float64Array(n);
  for (let i = 0; i < n; i++) areas[i] = boxArea(boxes, i);
  const suppressed = new Uint8Array(n);
  const keep: number[] = [];
  for (let a = 0; a < n && keep.length < maxDetections; a++) {
    const i = order[a];
    if (suppressed[i]) continue;
    keep.push(i);
    const x1 = boxes[4 * i];
    const y1 = boxes[4 * i + 1];
    const x2 = boxes[4 * i + 2];
    const y2 = boxes[4 * i + 3];
    for (let b = a + 1; b < n; b++) {
      const j = order[b];
      if (suppressed[j]) continue;
      if (classIds !== undefined && classIds[j] !== classIds[i]) continue;
      const iw = Math.min(x2, boxes[4 * j + 2]) - Math.max(x1, boxes[4 * j]);
      if (iw <= 0) continue;
      const ih = Math.min(y2, boxes[4 * j + 3]) - Math.max(y1, boxes[4 * j + 1]);
      if (ih <= 0) continue;
      const inter = iw * ih;
      const union = areas[i] + areas[j] - inter;
      if (union > 0 && inter / union > iouThreshold) suppressed[j] = 1;
    }
  }
  return Int32Array.from(keep);
}

