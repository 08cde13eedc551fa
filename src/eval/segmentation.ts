// COCO `segmentation` JSON -> Rle, following pycocotools' COCO.annToRLE / mask.frPyObjects:
//   - list of polygons  -> rleFrPoly each (on the image's h x w), then union (rleMerge)
//   - {size, counts: number[]} (uncompressed, used by iscrowd gt) -> the runs as given
//   - {size, counts: string}   (compressed)                       -> decoded runs
// The RLE forms keep their own `size`, as pycocotools does; a mismatch with the image only
// shows up later as IoU -1, exactly like pycocotools.
import { MaskserveError } from '../errors.js';
import { decodeRleCounts, encodeRleCounts } from '../output/rle.js';
import type { CocoRle } from '../types.js';
import { rleFrBbox, rleFrPoly, rleMerge, type Rle } from './mask-api.js';

/** The uncompressed RLE of COCO crowd annotations. */
export interface UncompressedRleJson {
  size: [number, number];
  counts: number[];
}

/** Ground-truth segmentation (any of the three COCO forms) -> Rle. `what` names it in errors. */
export function segmentationToRle(segmentation: unknown, h: number, w: number, what: string): Rle {
  if (Array.isArray(segmentation)) return polygonsToRle(segmentation, h, w, what);
  return rleJsonToRle(segmentation, what);
}

/**
 * frPyObjects dispatches on the FIRST item only: a first list of exactly 4 numbers means the
 * whole list is [x, y, w, h] boxes, more than 4 means polygons; anything else is rejected.
 */
function polygonsToRle(polygons: unknown[], h: number, w: number, what: string): Rle {
  if (!polygons.every(isNumberList)) fail(what, 'a list of polygons (lists of numbers)');
  const lists = polygons as number[][];
  if (lists.length === 0) fail(what, 'at least one polygon (pycocotools cannot rasterise [])');
  const first = lists[0].length;
  if (first === 4) {
    if (!lists.every((box) => box.length === 4)) fail(what, 'boxes of 4 numbers (the first list has 4)');
    return rleMerge(lists.map((box) => rleFrBbox(box, h, w)));
  }
  if (first < 4) fail(what, 'polygons of at least 3 points');
  return rleMerge(lists.map((polygon) => rleFrPoly(polygon, h, w)));
}

/** A COCO RLE object (compressed or uncompressed) -> Rle, with its runs checked to fill h*w. */
export function rleJsonToRle(value: unknown, what: string): Rle {
  if (typeof value !== 'object' || value === null) fail(what, 'a polygon list or an RLE object');
  const { size, counts } = value as { size?: unknown; counts?: unknown };
  if (!Array.isArray(size) || size.length !== 2 || !size.every((n) => Number.isInteger(n) && n > 0)) {
    fail(what, 'an RLE with size [height, width] of positive integers');
  }
  const [h, w] = size as [number, number];
  let runs: number[];
  if (typeof counts === 'string') {
    try {
      runs = decodeRleCounts(counts);
    } catch {
      fail(what, 'RLE counts in the COCO compressed string alphabet');
    }
  } else if (isNumberList(counts)) {
    runs = counts.slice();
  } else {
    fail(what, 'RLE counts as a compressed string or a list of run lengths');
  }
  let total = 0;
  for (const run of runs) {
    if (!Number.isInteger(run) || run < 0) fail(what, 'non-negative integer run lengths');
    total += run;
  }
  if (total !== h * w) fail(what, `run lengths summing to ${h}x${w}=${h * w} pixels (they sum to ${total})`);
  return { h, w, counts: runs };
}

/** Rle -> the compressed COCO JSON form (what pycocotools' frPyObjects returns for RLEs). */
export function rleToJson(rle: Rle): CocoRle {
  return { size: [rle.h, rle.w], counts: encodeRleCounts(rle.counts) };
}

function isNumberList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v));
}

function fail(what: string, expected: string): never {
  throw new MaskserveError('INVALID_REQUEST', `Expected ${expected} for ${what}`);
}
