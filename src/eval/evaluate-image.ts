// COCOeval.computeIoU and COCOeval.evaluateImg for one (image, category) pair: greedy matching
// of score-sorted detections to ground truth at every IoU threshold, with crowd and
// area-range "ignore" handling. Loop order and tie rules follow pycocotools line by line.
import type { CocoGroundTruth, GtAnnotation, LoadedDetection } from './coco-dataset.js';
import type { EvalParams, IouType } from './eval-params.js';
import { bbIou, rleIou, type Box, type Rle } from './mask-api.js';
import { argsortDescendingStable } from './numeric.js';

/**
 * Everything matching needs for one (image, category), computed once and reused for every
 * area range. Plain typed arrays: evaluateImage runs images x categories x 4 times.
 */
export interface ImageCategoryPairs {
  readonly numGt: number;
  readonly numDt: number;
  /** Ground truth in file order. */
  readonly gtIds: Float64Array;
  readonly gtAreas: Float64Array;
  readonly gtCrowd: Uint8Array;
  /** The gt `ignore` field (only used with useIgnoreFlag). */
  readonly gtIgnoreFlag: Uint8Array;
  /** Detections by descending score (stable), cut to the largest maxDet. */
  readonly dtIds: Float64Array;
  readonly dtAreas: Float64Array;
  readonly dtScores: Float64Array;
  /** IoU, value(d, g) = ious[d * numGt + g]; empty when either side is empty. */
  readonly ious: Float64Array;
}

/** evaluateImg's output (arrays flattened T x D / T x G, threshold-major). */
export interface ImageEvaluation {
  readonly numDt: number;
  readonly numGt: number;
  /** Scores of the kept detections, descending (shared with the pair, do not modify). */
  readonly dtScores: Float64Array;
  /** Matched gt id per (t, d); 0 = unmatched (pycocotools' own sentinel, so a gt id 0 counts as unmatched). */
  readonly dtMatches: Float64Array;
  /** Matched detection id per (t, g), gts in ignore-last order. */
  readonly gtMatches: Float64Array;
  readonly dtIgnore: Uint8Array;
  /** Per gt in ignore-last order. */
  readonly gtIgnore: Uint8Array;
}

export interface GeometryLookup {
  /** Ground-truth mask for segm (rasterised once per annotation by the caller). */
  gtRle(ann: GtAnnotation): Rle;
  /** rleToBbox of gtRle(ann), for the box pre-filter of rleIou. */
  gtMaskBox(ann: GtAnnotation): Box;
  /** Ground-truth box for bbox. */
  gtBox(ann: GtAnnotation): Box;
}

/** computeIoU: sort detections by score, keep the first `maxDet`, IoU against every gt. */
export function pairImageCategory(
  gts: readonly GtAnnotation[],
  detections: readonly LoadedDetection[],
  maxDet: number,
  iouType: IouType,
  lookup: GeometryLookup,
): ImageCategoryPairs {
  const order = argsortDescendingStable(detections.map((d) => d.score));
  const dts = order.slice(0, maxDet).map((i) => detections[i]);
  const crowd = Uint8Array.from(gts, (g) => (g.iscrowd ? 1 : 0));
  let ious: Float64Array = new Float64Array(0);
  if (dts.length > 0 && gts.length > 0) {
    ious =
      iouType === 'segm'
        ? rleIou(dts.map((d) => d.rle as Rle), gts.map((g) => lookup.gtRle(g)), crowd, {
            dt: dts.map((d) => d.bbox), // loadResults set it to rleToBbox(rle) for segm
            gt: gts.map((g) => lookup.gtMaskBox(g)),
          })
        : bbIou(dts.map((d) => d.bbox), gts.map((g) => lookup.gtBox(g)), crowd);
  }
  return {
    numGt: gts.length,
    numDt: dts.length,
    gtIds: Float64Array.from(gts, (g) => g.id),
    gtAreas: Float64Array.from(gts, (g) => g.area),
    gtCrowd: crowd,
    gtIgnoreFlag: Uint8Array.from(gts, (g) => (g.ignore ? 1 : 0)),
    dtIds: Float64Array.from(dts, (d) => d.id),
    dtAreas: Float64Array.from(dts, (d) => d.area),
    dtScores: Float64Array.from(dts, (d) => d.score),
    ious,
  };
}

/** evaluateImg(imgId, catId, aRng, maxDet). Returns null when there is neither gt nor dt. */
export function evaluateImage(
  pairs: ImageCategoryPairs,
  areaRange: readonly [number, number],
  maxDet: number,
  iouThrs: readonly number[],
  useIgnoreFlag: boolean,
): ImageEvaluation | null {
  const { numGt: G, ious, gtCrowd } = pairs;
  if (G === 0 && pairs.numDt === 0) return null;
  const [lo, hi] = areaRange;
  const T = iouThrs.length;
  const D = Math.min(maxDet, pairs.numDt);

  // pycocotools sets gt.ignore = iscrowd, overwriting any `ignore` field, so that flag only
  // counts when the caller asks for it. Then np.argsort(gtIg, kind='mergesort'): kept gts
  // first, ignored last, file order within each.
  const gtOrder = new Int32Array(G);
  const gtIgnore = new Uint8Array(G);
  let next = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (let g = 0; g < G; g++) {
      const area = pairs.gtAreas[g];
      const ignored = gtCrowd[g] === 1 || (useIgnoreFlag && pairs.gtIgnoreFlag[g] === 1) || area < lo || area > hi ? 1 : 0;
      if (ignored !== pass) continue;
      gtIgnore[next] = ignored;
      gtOrder[next++] = g;
    }
  }
  const gtMatches = new Float64Array(T * G);
  const dtMatches = new Float64Array(T * D);
  const dtIgnore = new Uint8Array(T * D);

  if (ious.length > 0) {
    for (let t = 0; t < T; t++) {
      for (let d = 0; d < D; d++) {
        let best = Math.min(iouThrs[t], 1 - 1e-10); // best match so far must beat this
        let m = -1;
        for (let g = 0; g < G; g++) {
          // A matched regular gt is taken; a crowd gt can absorb any number of detections.
          if (gtMatches[t * G + g] > 0 && gtCrowd[gtOrder[g]] === 0) continue;
          // Once matched to a regular gt, never trade it for an ignored one (they come last).
          if (m > -1 && gtIgnore[m] === 0 && gtIgnore[g] === 1) break;
          const iou = ious[d * G + gtOrder[g]];
          if (iou < best) continue;
          best = iou;
          m = g;
        }
        if (m === -1) continue;
        dtIgnore[t * D + d] = gtIgnore[m];
        dtMatches[t * D + d] = pairs.gtIds[gtOrder[m]];
        gtMatches[t * G + m] = pairs.dtIds[d];
      }
    }
  }
  // Unmatched detections outside the area range are not false positives of this range.
  for (let d = 0; d < D; d++) {
    const area = pairs.dtAreas[d];
    if (!(area < lo || area > hi)) continue;
    for (let t = 0; t < T; t++) if (dtMatches[t * D + d] === 0) dtIgnore[t * D + d] = 1;
  }
  const dtScores = D === pairs.numDt ? pairs.dtScores : pairs.dtScores.subarray(0, D);
  return { numDt: D, numGt: G, dtScores, dtMatches, gtMatches, dtIgnore, gtIgnore };
}

/** COCOeval.evaluate: IoUs per (image, category), then evaluateImg in (category, area, image) order. */
export function evaluateImages(
  gt: CocoGroundTruth,
  detections: readonly LoadedDetection[],
  params: EvalParams,
  iouType: IouType,
  lookup: GeometryLookup,
  useIgnoreFlag: boolean,
): (ImageEvaluation | null)[] {
  const key = (imageId: number, categoryId: number): string => `${imageId}:${categoryId}`;
  const gtsByKey = groupBy(gt.annotations, (a) => key(a.image_id, a.category_id));
  const dtsByKey = groupBy(detections, (d) => key(d.image_id, d.category_id));
  const maxDet = params.maxDets[params.maxDets.length - 1];
  const evalImgs: (ImageEvaluation | null)[] = [];
  for (const catId of params.catIds) {
    const pairs = params.imgIds.map((imgId) => {
      const k = key(imgId, catId);
      return pairImageCategory(gtsByKey.get(k) ?? [], dtsByKey.get(k) ?? [], maxDet, iouType, lookup);
    });
    for (const range of params.areaRng) {
      for (const pair of pairs) evalImgs.push(evaluateImage(pair, range, maxDet, params.iouThrs, useIgnoreFlag));
    }
  }
  return evalImgs;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
