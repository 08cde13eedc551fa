import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boxArea, boxPixelRegion, clipBoxes } from '../../src/geometry/boxes.js';

test('area follows torchvision (no +1), empty boxes have zero area', () => {
  const boxes = [0, 0, 10, 10, 5, 0, 15, 10, 20, 20, 20, 30];
  assert.equal(boxArea(boxes, 0), 100);
  assert.equal(boxArea(boxes, 2), 0);
});

test('clipBoxes clamps into the image and maps NaN to 0', () => {
  const boxes = Float32Array.from([-5, 3, 120, 90, Number.NaN, 1, 2, 300]);
  clipBoxes(boxes, { width: 100, height: 80 });
  assert.deepEqual([...boxes], [0, 3, 100, 80, 0, 1, 2, 80]);
});

test('boxPixelRegion covers fractional boxes, clips, and is never empty', () => {
  assert.deepEqual(boxPixelRegion([10.2, 5.7, 20.5, 9], { width: 100, height: 100 }), { x: 10, y: 5, width: 11, height: 4 });
  assert.deepEqual(boxPixelRegion([-3, -3, 200, 50], { width: 100, height: 40 }), { x: 0, y: 0, width: 100, height: 40 });
  assert.deepEqual(boxPixelRegion([100, 40, 100, 40], { width: 100, height: 40 }), { x: 99, y: 39, width: 1, height: 1 });
});
