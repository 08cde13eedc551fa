// Measures on RLEs computed from the runs themselves, without decoding to pixels (what the
// evaluator needs per detection/ground-truth pair, where decoding would dominate).
import { invalidParameter } from '../errors.js';
import { type AnyRle, rleCounts } from './rle.js';

/** Tight COCO xywh box of the 1 pixels (pycocotools toBbox); [0,0,0,0] when empty. */
export function rleToBbox(rle: AnyRle): [number, number, number, number] {
  const [h] = rle.size;
  const counts = rleCounts(rle);
  let xMin = Infinity;
  let xMax = -1;
  let yMin = Infinity;
  let yMax = -1;
  let p = 0;
  for (let i = 0; i < counts.length; i++) {
    const start = p;
    p += counts[i];
    if (i % 2 === 0 || counts[i] === 0) continue;
    const last = p - 1;
    const xs = Math.floor(start / h);
    const xe = Math.floor(last / h);
    xMin = Math.min(xMin, xs);
    xMax = Math.max(xMax, xe);
    // A run spanning a column break covers the whole height of the columns in between.
    if (xs !== xe) {
      yMin = 0;
      yMax = h - 1;
    } else {
      yMin = Math.min(yMin, start % h);
      yMax = Math.max(yMax, last % h);
    }
  }
  if (xMax < 0) return [0, 0, 0, 0];
  return [xMin, yMin, xMax - xMin + 1, yMax - yMin + 1];
}

/** Intersection over union of two RLEs of the same size, by merging runs (no decoding). */
export function rleIou(a: AnyRle, b: AnyRle): number {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) {
    throw invalidParameter(`an RLE of size ${a.size.join('x')}`, 'b.size', b.size);
  }
  const ca = rleCounts(a);
  const cb = rleCounts(b);
  let ia = 0;
  let ib = 0;
  let leftA = ca[0] ?? 0;
  let leftB = cb[0] ?? 0;
  let intersection = 0;
  let union = 0;
  while (ia < ca.length && ib < cb.length) {
    const step = Math.min(leftA, leftB);
    const onA = ia % 2 === 1;
    const onB = ib % 2 === 1;
    if (onA && onB) intersection += step;
    if (onA || onB) union += step;
    leftA -= step;
    leftB -= step;
    while (leftA === 0 && ++ia < ca.length) leftA = ca[ia];
    while (leftB === 0 && ++ib < cb.length) leftB = cb[ib];
  }
  return union === 0 ? 0 : intersection / union;
}
