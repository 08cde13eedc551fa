// rleFrPoly against masks derived by hand from the maskApi.c algorithm (scale 5, edge walk,
// column crossings at upsampled x = 5n+2, row = ceil((y + .5) / 5 - .5) clamped to [0, h]).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rleArea, rleDecode, rleFrBbox, rleFrPoly, rleMerge, rleToBbox } from '../../src/eval/mask-api.js';
import { rleToJson } from '../../src/eval/segmentation.js';

/** Rows of a 0/1 picture ('#' = 1) -> column-major mask, the layout RLEs describe. */
function columnMajor(rows: string[]): number[] {
  const h = rows.length;
  const w = rows[0].length;
  const out: number[] = [];
  for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) out.push(rows[y][x] === '#' ? 1 : 0);
  return out;
}

test('square [1,1,3,1,3,3,1,3] on 5x5 sets pixels x,y in {1,2}', () => {
  // Upsampled vertices (5,5) (15,5) (15,15) (5,15). The top edge walks u = 5..15 at v = 5 and
  // crosses pixel columns where u-1 = 5n+2, i.e. u-1 = 7 (x=1) and 12 (x=2); its row is
  // ceil((5+.5)/5 - .5) = ceil(0.6) = 1. The bottom edge walks u = 15..5 at v = 15: columns at
  // u = 12 (x=2) and 7 (x=1), row ceil(15.5/5 - .5) = ceil(2.6) = 3. Vertical edges add nothing.
  // Toggles x*h+y: 6, 11, 13, 8 (+ h*w = 25) -> sorted 6 8 11 13 25 -> runs 6 2 3 2 12.
  const rle = rleFrPoly([1, 1, 3, 1, 3, 3, 1, 3], 5, 5);
  assert.deepEqual(rle, { h: 5, w: 5, counts: [6, 2, 3, 2, 12] });
  assert.deepEqual([...rleDecode(rle)], columnMajor(['.....', '.##..', '.##..', '.....', '.....']));
  assert.equal(rleArea(rle), 4);
  assert.deepEqual(rleToBbox(rle), [1, 1, 2, 2]);
});

test('right triangle [0,0,4,0,0,4]: diagonal rows come from the rounded edge walk', () => {
  // Vertices (0,0) (20,0) (0,20). Top edge: columns x=0..3 toggle at row 0 (v=0 -> ceil(-.4)
  // clamped to 0). Diagonal (20,0)->(0,20) is flipped for walking, s = -1, so u = 20-d, v = d;
  // descending u crosses columns at u = 17,12,7,2 (x = 3,2,1,0) with row taken from the lower v
  // of the step: v = 2,7,12,17 -> rows ceil(0), ceil(1), ceil(2), ceil(3) = 0,1,2,3.
  // Column 3 toggles twice at row 0 (cancels). Toggles 0,3 | 5,7 | 10,11 | 15,15, end 25:
  // differences 0 3 2 2 3 1 4 0 10; the 0 folds the last two together -> 0 3 2 2 3 1 14.
  const rle = rleFrPoly([0, 0, 4, 0, 0, 4], 5, 5);
  assert.deepEqual(rle.counts, [0, 3, 2, 2, 3, 1, 14]);
  assert.deepEqual([...rleDecode(rle)], columnMajor(['###..', '##...', '#....', '.....', '.....']));
  assert.deepEqual(rleToBbox(rle), [0, 0, 3, 3]);
});

test('fractional vertices are rounded on the x5 lattice: [0.4 .. 2.6] square covers 3x3 pixels', () => {
  // (int)(5*0.4+.5) = 2 and (int)(5*2.6+.5) = 13. Top edge crosses columns at u-1 = 2,7,12
  // (x = 0,1,2), row ceil((2+.5)/5-.5) = 0. Bottom edge (v = 13): row ceil(13.5/5-.5) = ceil(2.2) = 3.
  const rle = rleFrPoly([0.4, 0.4, 2.6, 0.4, 2.6, 2.6, 0.4, 2.6], 5, 5);
  assert.deepEqual(rle.counts, [0, 3, 2, 3, 2, 3, 12]);
  assert.equal(rleArea(rle), 9);
});

test('polygons are clipped to the image and degenerate polygons are empty', () => {
  // Columns beyond w-1 are dropped (no toggle) and rows clamp to [0, h]: a square from -1 to 9
  // on a 4x3 image fills it completely.
  assert.deepEqual(rleFrPoly([-1, -1, 9, -1, 9, 9, -1, 9], 3, 4).counts, [0, 12]);
  // One repeated vertex (0/0 slope in C) and a single point give no pixels.
  assert.deepEqual(rleFrPoly([1, 1, 1, 1, 3, 1, 3, 3, 1, 3], 5, 5).counts, [6, 2, 3, 2, 12]);
  assert.deepEqual(rleFrPoly([2, 2], 5, 5).counts, [25]);
});

test('rleFrBbox rasterises [x, y, w, h] as the polygon xs,ys xs,ye xe,ye xe,ys', () => {
  assert.deepEqual(rleFrBbox([1, 1, 2, 2], 5, 5).counts, [6, 2, 3, 2, 12]);
});

test('merging the polygons of one annotation is their union, computed on runs', () => {
  const square = rleFrPoly([1, 1, 3, 1, 3, 3, 1, 3], 5, 5);
  const triangle = rleFrPoly([0, 0, 4, 0, 0, 4], 5, 5);
  // Triangle: (0,0..2) (1,0..1) (2,0); square adds (1,2) (2,1) (2,2); shared pixel (1,1).
  const union = rleMerge([square, triangle]);
  assert.deepEqual([...rleDecode(union)], columnMajor(['###..', '###..', '###..', '.....', '.....']));
  assert.deepEqual(union.counts, [0, 3, 2, 3, 2, 3, 12]);
  assert.deepEqual(rleMerge([square, triangle], true).counts, [6, 1, 18]); // only (1,1)
  assert.deepEqual(rleMerge([square]), square);
  assert.deepEqual(rleMerge([square, rleFrPoly([0, 0, 2, 0, 2, 2], 4, 4)]), { h: 0, w: 0, counts: [] });
});

test('matches strings pycocotools produced (as recorded in pytorchcocotools test cases, 25x25)', () => {
  // frPyObjects on a 5-vertex polygon with two diagonal edges, and frBbox on four boxes.
  const encode = (rle: ReturnType<typeof rleFrPoly>): string => rleToJson(rle).counts;
  assert.equal(encode(rleFrPoly([10, 10, 20, 10, 20, 20, 21, 21, 10, 20], 25, 25)), 'T8:?00000000001O00000:F`2');
  assert.equal(encode(rleFrBbox([10, 10, 10, 10], 25, 25)), 'T8:?00000000000000000c3');
  assert.equal(encode(rleFrBbox([5, 5, 10, 10], 25, 25)), 'R4:?00000000000000000e7');
  assert.equal(encode(rleFrBbox([15, 15, 5, 5], 25, 25)), 'V<5d00000000^3');
  assert.equal(encode(rleFrBbox([0, 0, 5, 5], 25, 25)), '05d00000000d?');
  assert.equal(encode(rleFrBbox([0, 0, 25, 25], 25, 25)), '0ac0');
});
