// Polygon -> RLE rasterisation, reproducing pycocotools' maskApi.c `rleFrPoly` bit for bit.
//
// Why not a "nicer" scanline fill: COCO ground truth is polygons, and segm IoU is computed against
// the masks pycocotools makes from them. A one-pixel difference on a small object moves IoU and
// can flip a match at IoU=.95, so the exact upsample-by-5 edge walk, its C integer casts and its
// odd column/row rounding are kept as they are.
import type { Rle } from './rle-ops.js';

const SCALE = 5;
const INT_MIN = -2147483648;

/**
 * C's `(int)double` on x86-64: truncation toward zero; NaN and out-of-range values give INT_MIN
 * (what cvttsd2si returns). NaN really happens: a repeated vertex makes a 0/0 slope. Those points
 * are never read afterwards, but keeping the value makes the port literal.
 */
function cInt(value: number): number {
  if (!(value > -2147483649 && value < 2147483648)) return INT_MIN;
  return Math.trunc(value);
}

/**
 * Rasterise one polygon (flat [x0, y0, x1, y1, ...] in pixel-edge coordinates) on an h x w image.
 * An odd trailing coordinate is dropped, as pycocotools does (`len(poly) // 2` points).
 */
export function rleFrPoly(xy: ArrayLike<number>, h: number, w: number): Rle {
  const k = Math.floor(xy.length / 2);
  // Upsample the vertices by SCALE and round them to the integer lattice.
  const x = new Array<number>(k + 1);
  const y = new Array<number>(k + 1);
  for (let j = 0; j < k; j++) x[j] = cInt(SCALE * xy[j * 2] + 0.5);
  for (let j = 0; j < k; j++) y[j] = cInt(SCALE * xy[j * 2 + 1] + 0.5);
  x[k] = x[0];
  y[k] = y[0];

  // Walk every edge densely (one point per step along its major axis) on the upsampled lattice.
  // Sized up front like the C code: typed arrays keep 4 x 1000 points per box cheap.
  let total = 0;
  for (let j = 0; j < k; j++) total += Math.max(Math.abs(x[j] - x[j + 1]), Math.abs(y[j] - y[j + 1])) + 1;
  const u = new Int32Array(total);
  const v = new Int32Array(total);
  let m = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j];
    let xe = x[j + 1];
    let ys = y[j];
    let ye = y[j + 1];
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    // Always step in increasing major-axis order (so rounding is symmetric), but emit the
    // points in the edge's own direction: t runs backwards when the edge was flipped.
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u[m] = t + xs;
        v[m++] = cInt(ys + s * t + 0.5);
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m++] = cInt(xs + s * t + 0.5);
      }
    }
  }

  // Keep the points where the walk crosses a pixel-centre column, and downsample them: each
  // gives the first row (ceil) at which the fill toggles in that column.
  // One slot per walked point plus the end marker; a typed array sorts numerically and fast.
  const toggles = new Float64Array(u.length + 1);
  let count = 0;
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
    xd = (xd + 0.5) / SCALE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
    yd = (yd + 0.5) / SCALE - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = Math.ceil(yd);
    toggles[count++] = xd * h + yd; // column-major pixel index where the value flips
  }
  toggles[count++] = h * w;
  return runsFromToggles(toggles.subarray(0, count), h, w);
}

/**
 * Column-major toggle positions (ending with h*w) -> run lengths, as rleFrPoly's tail does: sort, take
 * differences, and fold a zero-length run into the run after it (two toggles at the same
 * pixel cancel out).
 */
function runsFromToggles(a: Float64Array, h: number, w: number): Rle {
  a.sort();
  let previous = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j];
    a[j] -= previous;
    previous = t;
  }
  const counts: number[] = [a[0]];
  let j = 1;
  while (j < a.length) {
    if (a[j] > 0) {
      counts.push(a[j++]);
    } else {
      j++;
      if (j < a.length) counts[counts.length - 1] += a[j++];
    }
  }
  return { h, w, counts };
}

/** pycocotools `rleFrBbox`: a COCO [x, y, width, height] box rasterised as a 4-point polygon. */
export function rleFrBbox(bbox: ArrayLike<number>, h: number, w: number): Rle {
  const xs = bbox[0];
  const xe = xs + bbox[2];
  const ys = bbox[1];
  const ye = ys + bbox[3];
  return rleFrPoly([xs, ys, xs, ye, xe, ye, xe, ys], h, w);
}
