// Run-length basics of pycocotools' maskApi.c (encode, decode, area, merge, bbox). Each
// function mirrors its C namesake, edge cases included, because evaluation numbers must match
// pycocotools to the last digit. An Rle covers an h x w image in column-major order with
// alternating runs, starting with a run of 0s (possibly empty). Boxes are COCO [x, y, w, h].

export interface Rle {
  readonly h: number;
  readonly w: number;
  readonly counts: readonly number[];
}

export type Box = readonly [number, number, number, number] | readonly number[];

/** pycocotools `rleEncode`: a column-major 0/1 mask (length h*w) -> runs. */
export function rleEncode(mask: ArrayLike<number>, h: number, w: number): Rle {
  const counts: number[] = [];
  let previous = 0;
  let run = 0;
  for (let j = 0; j < h * w; j++) {
    const value = mask[j] ? 1 : 0;
    if (value !== previous) {
      counts.push(run);
      run = 0;
      previous = value;
    }
    run++;
  }
  counts.push(run);
  return { h, w, counts };
}

/** pycocotools `rleDecode`: runs -> column-major 0/1 mask of length h*w. */
export function rleDecode(rle: Rle): Uint8Array {
  const out = new Uint8Array(rle.h * rle.w);
  let p = 0;
  for (let i = 0; i < rle.counts.length; i++) {
    if (i % 2 === 1) out.fill(1, p, p + rle.counts[i]);
    p += rle.counts[i];
  }
  return out;
}

/** pycocotools `rleArea`: the number of 1 pixels (sum of the odd runs). */
export function rleArea(rle: Rle): number {
  let area = 0;
  for (let j = 1; j < rle.counts.length; j += 2) area += rle.counts[j];
  return area;
}

/**
 * pycocotools `rleMerge`: union (or intersection) of RLEs of one size. Sizes that differ give
 * an empty 0x0 RLE, as in C. The run-walking loop is the C one so the output runs are identical.
 */
export function rleMerge(rles: readonly Rle[], intersect = false): Rle {
  if (rles.length === 0) return { h: 0, w: 0, counts: [] };
  const { h, w } = rles[0];
  let merged: number[] = rles[0].counts.slice();
  for (let i = 1; i < rles.length; i++) {
    const b = rles[i];
    if (b.h !== h || b.w !== w) return { h: 0, w: 0, counts: [] };
    const a = merged;
    merged = [];
    let ca = a[0] ?? 0;
    let cb = b.counts[0] ?? 0;
    let v = false;
    let va = false;
    let vb = false;
    let ia = 1;
    let ib = 1;
    let cc = 0;
    let remaining = 1;
    while (remaining > 0) {
      const c = Math.min(ca, cb);
      cc += c;
      ca -= c;
      if (!ca && ia < a.length) {
        ca = a[ia++];
        va = !va;
      }
      cb -= c;
      if (!cb && ib < b.counts.length) {
        cb = b.counts[ib++];
        vb = !vb;
      }
      remaining = ca + cb;
      const vp: boolean = v;
      v = intersect ? va && vb : va || vb;
      if (v !== vp || remaining === 0) {
        merged.push(cc);
        cc = 0;
      }
    }
  }
  return { h, w, counts: merged };
}

/**
 * pycocotools `rleToBbox`: tight box of the 1 pixels. A run that spans more than one column
 * makes the box full height, exactly as in C (it only looks at run ends).
 */
export function rleToBbox(rle: Rle): [number, number, number, number] {
  const { h, w } = rle;
  const m = Math.floor(rle.counts.length / 2) * 2; // a trailing run of 0s does not matter
  if (m === 0) return [0, 0, 0, 0];
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc += rle.counts[j];
    const t = cc - (j % 2); // first pixel of a 1-run (j even) or its last pixel (j odd)
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, x);
    xe = Math.max(xe, x);
    ys = Math.min(ys, y);
    ye = Math.max(ye, y);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}
