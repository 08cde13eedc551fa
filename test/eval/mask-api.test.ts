// Run-length operations and IoU with the crowd rule, on masks small enough to check by eye.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bbIou, rleArea, rleDecode, rleEncode, rleFrPoly, rleIou, rleToBbox, type Rle } from '../../src/eval/mask-api.js';

const square = rleFrPoly([1, 1, 3, 1, 3, 3, 1, 3], 5, 5); // pixels (x,y) in {1,2}^2, area 4
const triangle = rleFrPoly([0, 0, 4, 0, 0, 4], 5, 5); // x+y < 3, area 6

test('rleEncode / rleDecode round-trip in column-major order, first run counting 0s', () => {
  const mask = [1, 1, 0, 0, 0, 1]; // h=3, w=2: column 0 = 1,1,0; column 1 = 0,0,1
  const rle = rleEncode(mask, 3, 2);
  assert.deepEqual(rle.counts, [0, 2, 3, 1]);
  assert.deepEqual([...rleDecode(rle)], mask);
  assert.equal(rleArea(rle), 3);
  assert.deepEqual(rleEncode([0, 0, 0, 0], 2, 2).counts, [4]);
});

test('rleToBbox: tight box; a run wrapping into the next column spans the full height', () => {
  assert.deepEqual(rleToBbox({ h: 5, w: 5, counts: [25] }), [0, 0, 0, 0]);
  // One run from (x=0, y=4) to (x=1, y=0): C sets ys=0, ye=h-1 when a run changes column.
  assert.deepEqual(rleToBbox({ h: 5, w: 3, counts: [4, 2, 9] }), [0, 0, 2, 5]);
  assert.deepEqual(rleToBbox({ h: 5, w: 3, counts: [11, 2, 2] }), [2, 1, 1, 2]);
});

test('rleIou: intersection over union, and over the detection area for crowd gt', () => {
  // square ∩ triangle = {(1,1)}: 1 pixel; union = 4 + 6 - 1 = 9.
  const ious = rleIou([square], [triangle], [0]);
  assert.deepEqual([...ious], [1 / 9]);
  // Crowd gt: union is replaced by area(dt) = 4 -> 1/4 (and by 6 the other way round).
  assert.deepEqual([...rleIou([square], [triangle], [1])], [1 / 4]);
  assert.deepEqual([...rleIou([triangle], [square], [true])], [1 / 6]);
  // A detection fully inside a crowd region scores 1 whatever the region's size.
  const everything: Rle = { h: 5, w: 5, counts: [0, 25] };
  assert.deepEqual([...rleIou([square], [everything], [1])], [1]);
  assert.deepEqual([...rleIou([square], [everything], [0])], [4 / 25]);
});

test('rleIou layout is detection-major and size mismatches give -1 like pycocotools', () => {
  const far: Rle = rleFrPoly([4, 4, 5, 4, 5, 5, 4, 5], 5, 5); // pixel (4,4) only
  const ious = rleIou([square, far], [square, triangle], [0, 0]);
  // rows: dt, columns: gt
  assert.deepEqual([...ious], [1, 1 / 9, 0, 0]);
  const bigger = rleFrPoly([1, 1, 3, 1, 3, 3, 1, 3], 6, 6);
  assert.deepEqual([...rleIou([square], [bigger])], [-1]);
  assert.equal(rleIou([], [square]).length, 0);
});

test('bbIou: xywh boxes, crowd union = detection area, touching boxes do not overlap', () => {
  const dt = [[0, 0, 10, 10]];
  // inter 5x10 = 50; union 100 + 100 - 50 = 150; crowd: 50 / area(dt) 100.
  assert.deepEqual([...bbIou(dt, [[5, 0, 10, 10]], [0])], [1 / 3]);
  assert.deepEqual([...bbIou(dt, [[5, 0, 10, 10]], [1])], [0.5]);
  assert.deepEqual([...bbIou(dt, [[10, 0, 5, 5], [0, 20, 1, 1]])], [0, 0]);
  assert.deepEqual([...bbIou([[0, 0, 10, 10], [2, 2, 2, 2]], [[0, 0, 10, 10]])], [1, 0.04]);
});
