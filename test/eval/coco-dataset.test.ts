// Loading ground truth and results (COCO / loadRes), and the evaluator's reset/process cycle.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadGroundTruth, loadResults } from '../../src/eval/coco-dataset.js';
import { CocoEvaluator } from '../../src/eval/coco-eval.js';
import type { Instances } from '../../src/types.js';
import { det, groundTruth, near, P1 } from './coco-fixtures.js';

const A: [number, number, number, number] = [0, 0, 100, 100];

test('ground truth loads from an object or JSON text and keeps iscrowd / ignore as booleans', () => {
  const raw = groundTruth([{ bbox: A }, { bbox: [1, 2, 3, 4], iscrowd: 1, ignore: 1 }]);
  const gt = loadGroundTruth(JSON.stringify(raw));
  assert.equal(gt.images.length, 1);
  assert.equal(gt.imageById.get(1)?.width, 640);
  assert.deepEqual(
    gt.annotations.map((a) => [a.id, a.iscrowd, a.ignore, a.area]),
    [
      [1, false, false, 10000],
      [2, true, true, 12],
    ],
  );
  assert.deepEqual(loadGroundTruth({ images: [], categories: [] }).annotations, []);
});

test('invalid ground truth fails with INVALID_REQUEST naming the entry', () => {
  const base = groundTruth([{ bbox: A }]);
  const withAnn = (patch: Record<string, unknown>) => ({ ...base, annotations: [{ ...base.annotations[0], ...patch }] });
  assert.throws(() => loadGroundTruth('{'), { code: 'INVALID_REQUEST', message: /not valid JSON/ });
  assert.throws(() => loadGroundTruth({ images: [] }), { code: 'INVALID_REQUEST', message: /categories/ });
  assert.throws(() => loadGroundTruth(withAnn({ area: undefined })), { message: /annotations\[0\]\.area/ });
  assert.throws(() => loadGroundTruth(withAnn({ image_id: 5 })), { message: /image_id listed in images \(got 5\)/ });
  assert.throws(() => loadGroundTruth(withAnn({ category_id: 9 })), { message: /category_id listed/ });
  assert.throws(() => loadGroundTruth(withAnn({ bbox: [1, 2, 3] })), { message: /annotations\[0\]\.bbox/ });
  assert.throws(() => loadGroundTruth({ ...base, images: [...base.images, ...base.images] }), { message: /unique image id/ });
});

test('loadResults: ids 1..N, bbox area w*h, segm area and box from the mask', () => {
  const gt = loadGroundTruth(groundTruth([{ bbox: A }]));
  const square = { size: [480, 640] as [number, number], counts: [480 + 1, 2, 478, 2, 480 * 638 - 3] };
  const rows = [det([10, 20, 30, 40], 0.5), { ...det([0, 0, 300, 300], 0.4), segmentation: square }];
  const asBoxes = loadResults(gt, rows, 'bbox');
  assert.deepEqual(
    asBoxes.map((d) => [d.id, d.area, d.bbox]),
    [
      [1, 1200, [10, 20, 30, 40]],
      [2, 90000, [0, 0, 300, 300]],
    ],
  );
  // segm ignores the given box (detectron2 drops it): the mask is pixels x 1..2, y 1..2.
  assert.throws(() => loadResults(gt, rows, 'segm'), { code: 'INVALID_REQUEST', message: /results\[0\]\.segmentation/ });
  const [masked] = loadResults(gt, [rows[1]], 'segm');
  assert.equal(masked.area, 4);
  assert.deepEqual(masked.bbox, [1, 1, 2, 2]);
  // bbox evaluation of a mask-only result takes the box (and area) from the mask, like loadRes.
  const [maskOnly] = loadResults(gt, [{ image_id: 1, category_id: 1, score: 0.3, segmentation: square }], 'bbox');
  assert.deepEqual([maskOnly.bbox, maskOnly.area], [[1, 1, 2, 2], 4]);
});

test('loadResults rejects results for images outside the ground truth and bad rows', () => {
  const gt = loadGroundTruth(groundTruth([{ bbox: A }]));
  assert.throws(() => loadResults(gt, [det(A, 0.9, { image_id: 42 }), det(A, 0.8, { image_id: 43 })], 'bbox'), {
    code: 'INVALID_REQUEST',
    message: /2 image id\(s\) not in the ground truth: 42, 43/,
  });
  assert.throws(() => loadResults(gt, [det(A, Number.NaN)], 'bbox'), { message: /results\[0\]\.score/ });
  const badRle = { size: [480, 640] as [number, number], counts: [5] };
  assert.throws(() => loadResults(gt, [{ ...det(A, 0.9), segmentation: badRle }], 'segm'), { message: /summing to 480x640/ });
  assert.throws(() => loadResults(gt, [{ ...det(A, 0.9), segmentation: { size: [480, 640], counts: '\u0001' } }], 'segm'), {
    message: /compressed string alphabet/,
  });
});

test('CocoEvaluator: process accumulates, reset forgets, evaluate can run again', () => {
  const gt = groundTruth([{ bbox: A }, { bbox: A, image_id: 2 }], { imageIds: [1, 2] });
  const evaluator = new CocoEvaluator(gt, { iouTypes: ['bbox'] });
  evaluator.process([det(A, 0.9)]);
  evaluator.process([det(A, 0.8, { image_id: 2 })]);
  const full = evaluator.evaluate().bbox!;
  near(full.metrics.AP, P1, 'both images');
  assert.match(full.summary, /^ Average Precision {2}\(AP\) @\[ IoU=0.50:0.95 \| area= {3}all \| maxDets=100 \] = 1.000/);
  evaluator.reset();
  evaluator.process([det(A, 0.9)]);
  // One of two objects found: 51 * P1 / 101.
  near(evaluator.evaluate().bbox!.metrics.AP, (51 * P1) / 101, 'after reset');
  evaluator.reset();
  const empty = evaluator.evaluate().bbox!;
  assert.equal(empty.metrics.AP, 0); // gt but no detections: AP 0 (pycocotools cannot load [])
  assert.equal(empty.accumulated.precision.length, 10 * 101 * 1 * 4 * 3);
  assert.throws(() => new CocoEvaluator(gt, { iouTypes: ['keypoints' as never] }), { code: 'INVALID_OPTION' });
});

test('segm evaluation needs gt segmentation; bbox evaluation needs gt boxes', () => {
  const gt = groundTruth([{ bbox: A }]);
  const noSegm = { ...gt, annotations: gt.annotations.map(({ segmentation: _s, ...rest }) => rest) };
  const mask = { size: [480, 640] as [number, number], counts: [307200] };
  const evaluator = new CocoEvaluator(noSegm, { iouTypes: ['segm'] });
  evaluator.process([{ ...det(A, 0.9), segmentation: mask }]);
  assert.throws(() => evaluator.evaluate(), { code: 'INVALID_REQUEST', message: /segmentation for annotation 1/ });
  const noBox = { ...gt, annotations: gt.annotations.map(({ bbox: _b, ...rest }) => rest) };
  // Boxes are only needed where a detection meets a gt (that is when COCOeval reads them).
  const boxEvaluator = new CocoEvaluator(noBox, { iouTypes: ['bbox'] });
  assert.equal(boxEvaluator.evaluate().bbox!.metrics.AP, 0);
  boxEvaluator.process([det(A, 0.9)]);
  assert.throws(() => boxEvaluator.evaluate(), { message: /bbox for annotation 1/ });
});

test('processInstances evaluates model output (Instances) through toCocoResults', () => {
  // One 100x100 instance exactly on gt A (polygon 0..100 rasterises to pixels 0..99, the mask
  // covers the same pixels) -> bbox and segm AP = P1.
  const instances: Instances = {
    imageSize: { width: 640, height: 480 },
    classNames: ['__background__', 'thing'],
    categoryIds: [0, 1],
    boxes: Float32Array.from([0, 0, 100, 100]),
    scores: Float32Array.from([0.9]),
    classIds: Int32Array.from([1]),
    masks: [{ x: 0, y: 0, width: 100, height: 100, data: new Uint8Array(100 * 100).fill(1) }],
  };
  const evaluator = new CocoEvaluator(groundTruth([{ bbox: A }]));
  evaluator.processInstances(1, instances);
  const result = evaluator.evaluate();
  near(result.bbox!.metrics.AP, P1, 'bbox');
  near(result.segm!.metrics.AP, P1, 'segm');
  assert.throws(() => evaluator.processInstances(1.5, instances), { code: 'INVALID_OPTION' });
});
