// Crowd regions, the ignore flag, and mask (segm) evaluation from polygon and RLE ground truth.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateCoco } from '../../src/eval/coco-eval.js';
import { rleFrPoly } from '../../src/eval/mask-api.js';
import { rleToJson } from '../../src/eval/segmentation.js';
import { det, groundTruth, near, P1 } from './coco-fixtures.js';

const A: [number, number, number, number] = [0, 0, 100, 100];
const B: [number, number, number, number] = [200, 0, 100, 100];

test('detections on a crowd region are ignored, not false positives, however many there are', () => {
  // Crowd box [300,200,300,250]; two detections inside it score IoU = inter/area(dt) = 1, match
  // the crowd (which may absorb several) and are ignored. Left: A alone -> AP = P1, AR = 1.
  const gt = groundTruth([{ bbox: A }, { bbox: [300, 200, 300, 250], iscrowd: 1 }]);
  const dets = [det([320, 220, 50, 50], 0.95), det(A, 0.9), det([400, 300, 60, 60], 0.85)];
  const { metrics } = evaluateCoco(gt, dets, ['bbox']).bbox!;
  near(metrics.AP, P1, 'AP');
  near(metrics.AR100, 1, 'AR100');
  // The same box without iscrowd is a normal object: IoU 2500/75000 -> the .95 detection is a
  // FP ranked first, and the crowd-sized object is missed: rc 0 .5 .5, pr 0 .5 1/3 -> monotone
  // .5 .5 1/3; 51 thresholds (<= .5) get .5, the rest 0 -> AP = 51 * .5 / 101.
  const notCrowd = groundTruth([{ bbox: A }, { bbox: [300, 200, 300, 250] }]);
  near(evaluateCoco(notCrowd, dets, ['bbox']).bbox!.metrics.AP, (51 * 0.5) / 101, 'AP without crowd');
});

test('a detection matched to a regular object never moves to a better-overlapping crowd', () => {
  // Detection [0,0,100,60]: IoU with A = 6000/10000 = 0.6, with the crowd region = 1.
  // Gts are ordered regular first; at t <= .6 it matches A and the loop breaks at the crowd
  // (the `m > -1 and gtIg[m] == 0 and gtIg[gind] == 1` rule) -> TP. At t >= .65 A is out of
  // reach, it matches the crowd -> ignored, A missed -> precision 0.
  // AP = (3 thresholds * P1 + 7 * 0) / 10; AP50 = P1; AP75 = 0; AR = 3/10.
  const gt = groundTruth([{ bbox: A }, { bbox: [0, 0, 500, 400], iscrowd: 1 }]);
  const { metrics } = evaluateCoco(gt, [det([0, 0, 100, 60], 0.9)], ['bbox']).bbox!;
  near(metrics.AP, (3 * P1) / 10, 'AP');
  near(metrics.AP50, P1, 'AP50');
  assert.equal(metrics.AP75, 0);
  near(metrics.AR100, 0.3, 'AR100');
});

test('the gt ignore flag is overwritten by iscrowd (pycocotools) unless useIgnoreFlag is set', () => {
  // A has ignore: 1, B is normal; one exact detection on B.
  // pycocotools: A still counts -> recall .5 -> AP = 51 * P1 / 101.
  // useIgnoreFlag: only B counts -> AP = P1.
  const gt = groundTruth([{ bbox: A, ignore: 1 }, { bbox: B }]);
  near(evaluateCoco(gt, [det(B, 0.9)], ['bbox']).bbox!.metrics.AP, (51 * P1) / 101, 'pycocotools');
  const honoured = evaluateCoco(gt, [det(B, 0.9)], ['bbox'], undefined, { useIgnoreFlag: true }).bbox!;
  near(honoured.metrics.AP, P1, 'useIgnoreFlag');
});

/** A 5x5 image whose one object is the square [1,3]x[1,3] (pixels x,y in {1,2}, area 4). */
function segmGroundTruth(segmentation: unknown) {
  return {
    images: [{ id: 7, width: 5, height: 5 }],
    categories: [{ id: 1, name: 'thing' }],
    annotations: [{ id: 1, image_id: 7, category_id: 1, area: 4, bbox: [1, 1, 2, 2], iscrowd: 0, segmentation }],
  };
}

test('segm: polygon, uncompressed and compressed RLE ground truth give the same result', () => {
  // Detections: the triangle x+y<3 (area 6, IoU with the square 1/9 -> FP) at .9, the exact
  // square at .8 (IoU 1 -> TP). rc 0 1, pr 0 .5 -> monotone .5 .5 -> AP = .5 at every threshold.
  // Both masks are small (area < 32^2): APs = .5; APm, APl = -1.
  const triangle = rleToJson(rleFrPoly([0, 0, 4, 0, 0, 4], 5, 5));
  assert.deepEqual(triangle, { size: [5, 5], counts: '032O1O;' }); // pycocotools' string for 0 3 2 2 3 1 14
  const dets = [
    { image_id: 7, category_id: 1, score: 0.9, segmentation: triangle },
    { image_id: 7, category_id: 1, score: 0.8, segmentation: { size: [5, 5] as [number, number], counts: '62309' } },
  ];
  const forms = [
    [[1, 1, 3, 1, 3, 3, 1, 3]], // polygon
    { size: [5, 5], counts: [6, 2, 3, 2, 12] }, // uncompressed RLE
    { size: [5, 5], counts: '62309' }, // compressed RLE
  ];
  const results = forms.map((form) => evaluateCoco(segmGroundTruth(form), dets, ['segm']).segm!);
  for (const result of results) {
    assert.deepEqual(result.stats, results[0].stats);
    near(result.metrics.AP, 0.5, 'AP');
    near(result.metrics.APs, 0.5, 'APs');
    assert.equal(result.metrics.APm, -1);
    near(result.metrics.AR100, 1, 'AR100');
  }
  // The same detections judged by their boxes: the triangle's box [0,0,3,3] has IoU 4/9 with
  // [1,1,2,2] -> FP at t >= .5 too, so bbox AP is also .5 here.
  const bbox = evaluateCoco(segmGroundTruth(forms[0]), dets, ['bbox']).bbox!;
  near(bbox.metrics.AP, 0.5, 'bbox AP');
});

test('segm: a crowd RLE absorbs detections inside it', () => {
  // Image 5x5: object = square (polygon), crowd = column 4 (uncompressed RLE 20 zeros, 5 ones).
  // Detection inside the crowd (pixel (4,0)..(4,1)) has IoU inter/area(dt) = 1 -> ignored.
  const gt = segmGroundTruth([[1, 1, 3, 1, 3, 3, 1, 3]]);
  gt.annotations.push({ id: 2, image_id: 7, category_id: 1, area: 5, bbox: [4, 0, 1, 5], iscrowd: 1, segmentation: { size: [5, 5], counts: [20, 5] } });
  const dets = [
    { image_id: 7, category_id: 1, score: 0.95, segmentation: { size: [5, 5] as [number, number], counts: [20, 2, 3] } },
    { image_id: 7, category_id: 1, score: 0.8, segmentation: { size: [5, 5] as [number, number], counts: '62309' } },
  ];
  near(evaluateCoco(gt, dets, ['segm']).segm!.metrics.AP, P1, 'AP');
});
