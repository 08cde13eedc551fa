// COCO segmentation JSON -> RLE (COCO.annToRLE / frPyObjects dispatch).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rleJsonToRle, rleToJson, segmentationToRle } from '../../src/eval/segmentation.js';

test('polygons of one annotation are rasterised on the image size and merged', () => {
  // Two disjoint unit-pixel squares: pixels (1,1) and (3,3) on a 5x5 image.
  const rle = segmentationToRle([[1, 1, 2, 1, 2, 2, 1, 2], [3, 3, 4, 3, 4, 4, 3, 4]], 5, 5, 'ann');
  assert.deepEqual(rle, { h: 5, w: 5, counts: [6, 1, 11, 1, 6] });
});

test('a first list of exactly 4 numbers makes frPyObjects read every list as a box', () => {
  // [1, 1, 2, 2] is the box x=1, y=1, w=2, h=2 (the square [1,3]^2), not a 2-point polygon.
  assert.deepEqual(segmentationToRle([[1, 1, 2, 2]], 5, 5, 'ann').counts, [6, 2, 3, 2, 12]);
  assert.throws(() => segmentationToRle([[1, 1, 2, 2], [0, 0, 1, 0, 1, 1]], 5, 5, 'ann 3'), {
    code: 'INVALID_REQUEST',
    message: /boxes of 4 numbers .* for ann 3/,
  });
  assert.throws(() => segmentationToRle([], 5, 5, 'ann'), { message: /at least one polygon/ });
  assert.throws(() => segmentationToRle([[1, 2]], 5, 5, 'ann'), { message: /at least 3 points/ });
});

test('RLE objects keep their own size; compressed and uncompressed forms agree', () => {
  const fromList = rleJsonToRle({ size: [5, 5], counts: [6, 2, 3, 2, 12] }, 'gt');
  const fromString = rleJsonToRle({ size: [5, 5], counts: '62309' }, 'gt');
  assert.deepEqual(fromList, fromString);
  assert.deepEqual(rleToJson(fromList), { size: [5, 5], counts: '62309' });
  // The image may say 640x480: an RLE's own size wins, as in pycocotools.
  assert.deepEqual(segmentationToRle({ size: [5, 5], counts: '62309' }, 480, 640, 'gt').h, 5);
  assert.throws(() => rleJsonToRle({ size: [5], counts: [25] }, 'gt'), { message: /size \[height, width\]/ });
  assert.throws(() => rleJsonToRle({ size: [5, 5], counts: [-1, 26] }, 'gt'), { message: /non-negative/ });
  assert.throws(() => rleJsonToRle('62309', 'gt'), { message: /polygon list or an RLE object/ });
});
