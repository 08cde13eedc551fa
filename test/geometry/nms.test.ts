import assert from 'node:assert/strict';
import { test } from 'node:test';
import { argsortDescending, nms } from '../../src/geometry/nms.js';

// Box 1 duplicates box 0 (IoU 0.81), box 2 is elsewhere, box 3 overlaps box 0 with IoU exactly 0.5.
const boxes = [0, 0, 10, 10, 1, 1, 10, 10, 50, 50, 60, 60, 0, 0, 10, 5];
const scores = [0.9, 0.8, 0.7, 0.6];

test('argsort is descending and stable for ties', () => {
  assert.deepEqual([...argsortDescending([0.5, 0.9, 0.5, 0.1])], [1, 0, 2, 3]);
});

test('a near-duplicate is suppressed; suppression needs IoU strictly above the threshold', () => {
  assert.deepEqual([...nms(boxes, scores, 0.5)], [0, 2, 3]);
  assert.deepEqual([...nms(boxes, scores, 0.49)], [0, 2]);
  assert.deepEqual([...nms(boxes, scores, 0.9)], [0, 1, 2, 3]);
});

test('kept indices come out by score, not input order', () => {
  assert.deepEqual([...nms([50, 50, 60, 60, 0, 0, 10, 10], [0.2, 0.9], 0.5)], [1, 0]);
});

test('class-aware NMS keeps overlapping boxes of different classes; agnostic merges them', () => {
  const twoClasses = [0, 0, 10, 10, 0, 0, 10, 10];
  assert.deepEqual([...nms(twoClasses, [0.9, 0.8], 0.5, { classIds: [1, 2] })], [0, 1]);
  assert.deepEqual([...nms(twoClasses, [0.9, 0.8], 0.5)], [0]);
  assert.deepEqual([...nms(twoClasses, [0.9, 0.8], 0.5, { classIds: [3, 3] })], [0]);
});

test('a suppressed box does not suppress others (greedy, not transitive)', () => {
  // 0 suppresses 1; 1 would suppress 2, but 1 is gone so 2 stays.
  const chain = [0, 0, 10, 10, 3, 0, 13, 10, 6, 0, 16, 10];
  assert.deepEqual([...nms(chain, [0.9, 0.8, 0.7], 0.3)], [0, 2]);
});

test('maxDetections caps the kept boxes to the best ones', () => {
  assert.deepEqual([...nms(boxes, scores, 0.5, { maxDetections: 2 })], [0, 2]);
});

test('empty input and mismatched lengths', () => {
  assert.deepEqual([...nms([], [], 0.5)], []);
  assert.throws(() => nms([0, 0, 1], [1], 0.5), /box coordinates/);
  assert.throws(() => nms([0, 0, 1, 1], [1], 2), /iouThreshold/);
});
