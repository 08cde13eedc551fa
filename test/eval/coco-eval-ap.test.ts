// COCOeval AP/AR on crafted bbox cases, each expected number derived by hand below.
//
// Reminders for the derivations: precision = tp / (tp + fp + eps) with eps = 2^-52, made
// non-increasing from the right; AP = mean over 101 recall thresholds r = 0, .01, ..., 1 of the
// precision at the first detection whose recall >= r (0 when recall never reaches r), then
// mean over the 10 IoU thresholds. With exact boxes every IoU is 1, so all thresholds agree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateCoco } from '../../src/eval/coco-eval.js';
import { det, groundTruth, near, P1 } from './coco-fixtures.js';

const A: [number, number, number, number] = [0, 0, 100, 100];
const B: [number, number, number, number] = [200, 0, 100, 100];
const NOWHERE: [number, number, number, number] = [400, 300, 100, 100];

function bboxStats(gt: unknown, dets: Parameters<typeof evaluateCoco>[1], params?: Parameters<typeof evaluateCoco>[3]) {
  const result = evaluateCoco(gt, dets, ['bbox'], params).bbox;
  assert.ok(result);
  return result;
}

test('perfect predictions: every AP/AR is 1, and -1 for area ranges without ground truth', () => {
  // small 10x10 = 100 < 32^2, medium 50x50 = 2500, no large object.
  const gt = groundTruth([{ bbox: [0, 0, 10, 10] }, { bbox: [100, 100, 50, 50] }, { bbox: [300, 0, 10, 10], image_id: 2 }], {
    imageIds: [1, 2],
  });
  const dets = [det([0, 0, 10, 10], 0.9), det([100, 100, 50, 50], 0.8), det([300, 0, 10, 10], 0.7, { image_id: 2 })];
  const { stats } = bboxStats(gt, dets);
  // Each stored precision is tp/(tp+eps) = P1 = 0.9999999999999998, recall exactly 1.
  // AR1: one detection per image: 2 of 3 objects -> 2/3.
  const expected = [P1, P1, P1, P1, P1, -1, 2 / 3, 1, 1, 1, 1, -1];
  stats.forEach((value, i) => near(value, expected[i], `stats[${i}]`));
});

test('a false positive ranked above a true positive: 101-point interpolation', () => {
  // GT A and B; detections A (.9), FP (.8), B (.7).
  // tp = 1 1 2, fp = 0 1 1 -> recall .5 .5 1, precision P1, 1/(2+eps) = .5, 2/(3+eps) = 2/3.
  // Monotone from the right: P1, 2/3, 2/3. Thresholds 0...0.50 (51 of them) find index 0 (P1),
  // 0.51...1.00 (50) find index 2 (2/3): AP = (51*P1 + 50*2/3) / 101 = 0.8349834983498...
  const gt = groundTruth([{ bbox: A }, { bbox: B }]);
  const { stats, metrics } = bboxStats(gt, [det(A, 0.9), det(NOWHERE, 0.8), det(B, 0.7)]);
  const ap = (51 * P1 + 50 * (2 / 3)) / 101;
  near(metrics.AP, ap, 'AP');
  near(metrics.AP50, ap, 'AP50');
  near(metrics.AP75, ap, 'AP75');
  near(metrics.APl, ap, 'APl'); // all objects are 100x100 = 10000 >= 96^2
  assert.equal(metrics.APs, -1);
  assert.equal(metrics.APm, -1);
  near(metrics.AR1, 0.5, 'AR1'); // only A survives maxDets=1
  near(metrics.AR10, 1, 'AR10');
  near(stats[8], 1, 'AR100');
});

test('recall that is never reached contributes precision 0', () => {
  // GT A and B, one detection on A: recall .5 at precision P1. 51 thresholds (0 ... .5) get P1,
  // the 50 above .5 get 0 -> AP = 51 * P1 / 101 = 0.50495...
  const { metrics } = bboxStats(groundTruth([{ bbox: A }, { bbox: B }]), [det(A, 0.9)]);
  near(metrics.AP, (51 * P1) / 101, 'AP');
  near(metrics.AR100, 0.5, 'AR100');
});

test('duplicate detections: the second match of the same object is a false positive', () => {
  // A (.9), A again (.8), B (.7): A is taken by the first, so the duplicate is a FP -> same
  // sequence as the FP-above-TP case: (51*P1 + 50*2/3) / 101.
  const { metrics } = bboxStats(groundTruth([{ bbox: A }, { bbox: B }]), [det(A, 0.9), det(A, 0.8), det(B, 0.7)]);
  near(metrics.AP, (51 * P1 + 50 * (2 / 3)) / 101, 'AP');
  near(metrics.AR100, 1, 'AR100');
});

test('equal scores keep input order (numpy mergesort), so ties decide which is the FP', () => {
  // Both at .9: the FP listed first ranks first -> rc 0, 1 and pr 0, .5 -> monotone .5 .5 -> AP .5.
  const fpFirst = bboxStats(groundTruth([{ bbox: A }]), [det(NOWHERE, 0.9), det(A, 0.9)]);
  near(fpFirst.metrics.AP, 0.5, 'FP first');
  // TP first: rc 1, 1 and pr P1, .5 -> every threshold finds index 0 -> AP = P1.
  const tpFirst = bboxStats(groundTruth([{ bbox: A }]), [det(A, 0.9), det(NOWHERE, 0.9)]);
  near(tpFirst.metrics.AP, P1, 'TP first');
});

test('small / medium / large split', () => {
  // GT: small S 10x10 = 100, medium M 40x40 = 1600, large L 100x100 = 10000 (no detection).
  // Detections: FP (.95, 10x10, small), S (.9), M (.8).
  const S: [number, number, number, number] = [0, 0, 10, 10];
  const M: [number, number, number, number] = [100, 100, 40, 40];
  const gt = groundTruth([{ bbox: S }, { bbox: M }, { bbox: [300, 300, 100, 100] }]);
  const { metrics } = bboxStats(gt, [det([500, 0, 10, 10], 0.95), det(S, 0.9), det(M, 0.8)]);
  // all: tp 0 1 2, fp 1 1 1, npig 3 -> rc 0 1/3 2/3, pr 0 .5 2/3 -> monotone 2/3 2/3 2/3.
  //   thresholds 0 ... .66 (67) reach recall -> AP = 67 * (2/3) / 101; AR = 2/3.
  near(metrics.AP, (67 * (2 / 3)) / 101, 'AP');
  near(metrics.AR100, 2 / 3, 'AR100');
  // small: only S counts. M's detection matches the (ignored) medium gt -> ignored.
  //   FP, S -> rc 0 1, pr 0 .5 -> monotone .5 .5 -> AP .5, AR 1.
  near(metrics.APs, 0.5, 'APs');
  near(metrics.ARs, 1, 'ARs');
  // medium: the FP is small and unmatched -> ignored; S's detection matched an ignored gt.
  //   Only M counts: rc 0 0 1, pr 0 0 P1 -> monotone P1 everywhere -> AP = P1.
  near(metrics.APm, P1, 'APm');
  // large: nothing matches L and every detection is ignored -> precision 0, recall 0.
  assert.equal(metrics.APl, 0);
  assert.equal(metrics.ARl, 0);
  // AR1: the single best detection is the FP.
  assert.equal(metrics.AR1, 0);
});

test('missing categories: no gt -> excluded (-1), gt without detections -> AP 0', () => {
  // cat 1: perfect; cat 2: one gt, no detection; cat 3: detection but no gt; cat 99 is not
  // in the ground truth at all and is never evaluated.
  const gt = groundTruth([{ bbox: A, category_id: 1 }, { bbox: B, category_id: 2 }], { catIds: [1, 2, 3] });
  const dets = [det(A, 0.9, { category_id: 1 }), det(NOWHERE, 0.8, { category_id: 3 }), det(B, 0.99, { category_id: 99 })];
  const { metrics, perCategory } = bboxStats(gt, dets);
  near(metrics.AP, P1 / 2, 'AP (mean of cat1 = P1 and cat2 = 0)');
  assert.deepEqual(
    perCategory.map((c) => [c.categoryId, c.name]),
    [
      [1, 'cat1'],
      [2, 'cat2'],
      [3, 'cat3'],
    ],
  );
  near(perCategory[0].ap, P1, 'cat1');
  assert.equal(perCategory[1].ap, 0);
  assert.equal(perCategory[2].ap, -1);
  near(metrics.AR100, 0.5, 'AR100 (1 and 0)');
});

test('maxDets: AR@1 sees one detection per image, AR@10 all of them', () => {
  // 3 objects, 3 exact detections: maxDets=1 keeps the .9 one -> recall 1/3.
  const boxes: [number, number, number, number][] = [A, B, NOWHERE];
  const gt = groundTruth(boxes.map((bbox) => ({ bbox })));
  const { metrics } = bboxStats(gt, [det(A, 0.9), det(B, 0.8), det(NOWHERE, 0.7)]);
  near(metrics.AR1, 1 / 3, 'AR1');
  near(metrics.AR10, 1, 'AR10');
  // Custom maxDets [1, 2, 3]: AP (stats[0]) is read at the literal maxDets=100 -> -1, as in
  // pycocotools; AP50 uses maxDets[2] = 3 and sees everything.
  const custom = bboxStats(gt, [det(A, 0.9), det(B, 0.8), det(NOWHERE, 0.7)], { maxDets: [1, 2, 3] });
  assert.equal(custom.stats[0], -1);
  near(custom.stats[1], P1, 'AP50 @3');
  near(custom.stats[7], 2 / 3, 'AR@2');
});

test('only the 100 best detections of an image count, and area bounds are inclusive', () => {
  // 105 small 10x10 objects, each found exactly, scores descending: the last 5 fall beyond
  // maxDets=100. Recall reaches 100/105 = 0.952 at precision P1, so thresholds 0 ... .95 (96 of
  // them) get P1 and .96 ... 1 get 0: AP = 96 * P1 / 101. AR@k = k / 105.
  const boxes = Array.from({ length: 105 }, (_, i): [number, number, number, number] => [(i % 30) * 20, Math.floor(i / 30) * 20, 10, 10]);
  const { metrics } = bboxStats(
    groundTruth(boxes.map((bbox) => ({ bbox }))),
    boxes.map((bbox, i) => det(bbox, 1 - i / 1000)),
  );
  near(metrics.AP, (96 * P1) / 101, 'AP');
  near(metrics.AR100, 100 / 105, 'AR100');
  near(metrics.AR10, 10 / 105, 'AR10');
  near(metrics.AR1, 1 / 105, 'AR1');
  // A 32x32 object (area exactly 32^2) is inside both [0, 32^2] and [32^2, 96^2].
  const edge = bboxStats(groundTruth([{ bbox: [0, 0, 32, 32] }]), [det([0, 0, 32, 32], 0.9)]).metrics;
  near(edge.APs, P1, 'APs');
  near(edge.APm, P1, 'APm');
  assert.equal(edge.APl, -1);
});
