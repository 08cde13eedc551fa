// pycocotools' bbIou and rleIou: IoU matrices between detections and ground truth, with the
// crowd rule (for an iscrowd gt the union is the detection's own area, so a detection inside a
// crowd region scores 1 however large the region is). Layout: detection-major,
// value(d, g) = iou[d * numGt + g] (pycocotools stores the transpose; the values are the same).
import { rleArea, rleToBbox, type Box, type Rle } from './rle-ops.js';

/** Truthy entries of pycocotools' `iscrowd` argument (missing entries are not crowd). */
function isCrowdAt(iscrowd: ArrayLike<number | boolean> | undefined, g: number): boolean {
  return iscrowd !== undefined && Boolean(iscrowd[g]);
}

/**
 * pycocotools `bbIou`: box IoU, detection-major. For a crowd gt the union is the detection's
 * own area, so a detection inside a crowd region scores 1 however large the region is.
 */
export function bbIou(dt: readonly Box[], gt: readonly Box[], iscrowd?: ArrayLike<number | boolean>): Float64Array {
  const numDt = dt.length;
  const numGt = gt.length;
  const out = new Float64Array(numDt * numGt);
  for (let g = 0; g < numGt; g++) {
    const G = gt[g];
    const ga = G[2] * G[3];
    const crowd = isCrowdAt(iscrowd, g);
    for (let d = 0; d < numDt; d++) {
      const D = dt[d];
      const da = D[2] * D[3];
      const iw = Math.min(D[2] + D[0], G[2] + G[0]) - Math.max(D[0], G[0]);
      if (iw <= 0) continue;
      const ih = Math.min(D[3] + D[1], G[3] + G[1]) - Math.max(D[1], G[1]);
      if (ih <= 0) continue;
      const inter = iw * ih;
      out[d * numGt + g] = inter / (crowd ? da : da + ga - inter);
    }
  }
  return out;
}

/**
 * pycocotools `rleIou`: mask IoU, detection-major, with the crowd rule (IoU = inter / area(dt)).
 * As in C, boxes filter first: pairs whose boxes do not overlap stay 0 without walking runs,
 * and overlapping pairs of different image sizes give -1.
 */
export function rleIou(
  dt: readonly Rle[],
  gt: readonly Rle[],
  iscrowd?: ArrayLike<number | boolean>,
  /** rleToBbox of dt / gt when the caller already has them (saves a pass over the runs). */
  boxes?: { readonly dt: readonly Box[]; readonly gt: readonly Box[] },
): Float64Array {
  const out = bbIou(boxes?.dt ?? dt.map(rleToBbox), boxes?.gt ?? gt.map(rleToBbox), iscrowd);
  const numGt = gt.length;
  for (let g = 0; g < numGt; g++) {
    for (let d = 0; d < dt.length; d++) {
      const index = d * numGt + g;
      if (!(out[index] > 0)) continue;
      if (dt[d].h !== gt[g].h || dt[d].w !== gt[g].w) {
        out[index] = -1;
        continue;
      }
      const [inter, union] = intersectionAndUnion(dt[d].counts, gt[g].counts);
      if (inter === 0) out[index] = 0;
      else out[index] = inter / (isCrowdAt(iscrowd, g) ? rleArea(dt[d]) : union);
    }
  }
  return out;
}

/** Walk two run lists in step (the C loop of rleIou) counting shared and covered pixels. */
function intersectionAndUnion(a: readonly number[], b: readonly number[]): [number, number] {
  let ca = a[0] ?? 0;
  let cb = b[0] ?? 0;
  let va = false;
  let vb = false;
  let ia = 1;
  let ib = 1;
  let inter = 0;
  let union = 0;
  let remaining = 1;
  while (remaining > 0) {
    const c = Math.min(ca, cb);
    if (va || vb) {
      union += c;
      if (va && vb) inter += c;
    }
    ca -= c;
    if (!ca && ia < a.length) {
      ca = a[ia++];
      va = !va;
    }
    cb -= c;
    if (!cb && ib < b.length) {
      cb = b[ib++];
      vb = !vb;
    }
    remaining = ca + cb;
  }
  return [inter, union];
}
