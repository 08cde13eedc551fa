// The numpy details COCOeval depends on, and the summary printed exactly like pycocotools.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultEvalParams, resolveEvalParams } from '../../src/eval/eval-params.js';
import { argsortDescendingStable, linspace, meanAboveMinusOne, npMean, searchSortedLeft } from '../../src/eval/numeric.js';
import { formatSummary, pyFixed } from '../../src/eval/summary.js';

test('thresholds are numpy linspace values, last bits included', () => {
  const p = defaultEvalParams([3, 1, 3], [2, 1]);
  // np.linspace(.5, .95, 10).tolist() — note 0.8999999999999999, not 0.9.
  assert.deepEqual(p.iouThrs, [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
  assert.equal(p.recThrs.length, 101);
  assert.equal(p.recThrs[50], 0.5);
  assert.equal(p.recThrs[100], 1);
  assert.deepEqual(p.imgIds, [1, 3]); // np.unique
  assert.deepEqual(p.catIds, [1, 2]);
  assert.deepEqual(linspace(2, 2, 3), [2, 2, 2]);
});

test('np.mean uses pairwise summation', () => {
  // Ten 0.1s: a left-to-right sum gives 0.9999999999999999 (mean 0.09999999999999999); numpy's
  // 8-way unrolled block gives exactly 1 -> 0.1 (checked against numpy 2.x).
  assert.equal(npMean(new Array(10).fill(0.1)), 0.1);
  // 300 values split in halves of 144 and 156: numpy prints 1.4960000000000002.
  assert.equal(npMean(Array.from({ length: 300 }, (_, i) => i * 0.01 + 0.001)), 1.4960000000000002);
  assert.equal(meanAboveMinusOne([-1, -1]), -1);
  assert.equal(meanAboveMinusOne([-1, 0.5, 1]), 0.75);
});

test('searchsorted left and the stable descending argsort', () => {
  assert.equal(searchSortedLeft([0, 0.5, 0.5, 1], 0.5), 1);
  assert.equal(searchSortedLeft([0, 0.5, 0.5, 1], 0.51), 3);
  assert.equal(searchSortedLeft([0.2], 0.3), 1);
  assert.deepEqual(argsortDescendingStable([0.5, 0.9, 0.5, 0.9]), [1, 3, 0, 2]);
});

test('params are validated with the sharp-style message', () => {
  const defaults = defaultEvalParams([1], [1]);
  assert.throws(() => resolveEvalParams(defaults, { maxDets: [1, 10] }), /Expected at least 3 maxDets for params.maxDets/);
  assert.throws(() => resolveEvalParams(defaults, { iouThrs: [1.5] }), { code: 'INVALID_OPTION' });
  assert.deepEqual(resolveEvalParams(defaults, { maxDets: [100, 1, 10] }).maxDets, [1, 10, 100]);
});

test('formatSummary prints the 12 pycocotools lines', () => {
  const stats = [0.5, 0.7501, 0.25, -1, 0.0625, 0.1875, 0.2, 0.3, 0.4, -1, 0.5, 1];
  const expected = [
    ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.500',
    ' Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.750',
    ' Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.250',
    ' Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000',
    ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.062',
    ' Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.188',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.200',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = 0.300',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.400',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.500',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 1.000',
  ];
  assert.equal(formatSummary(stats, 'segm'), expected.join('\n'));
  assert.throws(() => formatSummary(stats, 'keypoints' as never), { code: 'INVALID_OPTION' });
});

test("pyFixed rounds exact ties to even like Python's format, toFixed does not", () => {
  // 0.0625 and 0.1875 are exact binary ties at 3 decimals.
  assert.equal((0.0625).toFixed(3), '0.063');
  assert.equal(pyFixed(0.0625, 3), '0.062');
  assert.equal(pyFixed(0.1875, 3), '0.188');
  assert.equal(pyFixed(-0.0625, 3), '-0.062');
  assert.equal(pyFixed(0.125, 2), '0.12');
  // 0.0005 is slightly above 5e-4 in binary: not a tie, rounds up in both.
  assert.equal(pyFixed(0.0005, 3), '0.001');
  assert.equal(pyFixed(0.9999999999999998, 3), '1.000');
});
