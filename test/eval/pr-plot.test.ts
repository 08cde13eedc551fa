// Precision-recall curves from the precision array, and their SVG / PNG rendering.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateCoco } from '../../src/eval/coco-eval.js';
import { precisionRecallCurves, precisionRecallSvg } from '../../src/eval/pr-plot.js';
import { precisionRecallPng } from '../../src/eval/pr-plot-png.js';
import { det, groundTruth, near, P1 } from './coco-fixtures.js';

const A: [number, number, number, number] = [0, 0, 100, 100];
const B: [number, number, number, number] = [200, 0, 100, 100];

// GT A, B; detections A (.9), FP (.8), B shifted so IoU = 80*100/(2*10000 - 8000) = 2/3:
// at IoU .50 (and up to .65) the curve is P1 up to recall .5, then 2/3; at .75 B is a second
// FP: precision P1 up to recall .5 and 0 after (recall never passes .5).
function result() {
  const gt = groundTruth([{ bbox: A }, { bbox: B }, { bbox: [0, 200, 10, 10], category_id: 2 }], { catIds: [1, 2, 3] });
  const dets = [det(A, 0.9), det([400, 300, 50, 50], 0.8), det([220, 0, 100, 100], 0.7)];
  return evaluateCoco(gt, dets, ['bbox']);
}

test('curves at IoU .50 / .75 / mean follow the hand-derived precision', () => {
  const bbox = result().bbox!;
  const [iou50, iou75, mean] = precisionRecallCurves(bbox, { categoryId: 1 });
  assert.deepEqual([iou50.label, iou75.label, mean.label], ['IoU=0.50', 'IoU=0.75', 'IoU=0.50:0.95']);
  assert.equal(iou50.precision.length, 101);
  near(iou50.precision[50]!, P1, 'IoU .5 at recall .5');
  near(iou50.precision[51]!, 2 / 3, 'IoU .5 at recall .51');
  near(iou75.precision[50]!, P1, 'IoU .75 at recall .5');
  assert.equal(iou75.precision[51], 0);
  // Mean over 10 thresholds at recall .51: B matches at .50 .55 .60 .65 (4 of 10) -> 4 * (2/3) / 10.
  near(mean.precision[51]!, (4 * (2 / 3)) / 10, 'mean at recall .51');
  near(iou50.ap, bbox.perCategory[0].ap50, 'curve AP = per-category AP50');
  // All categories: category 2 has gt but no detection (precision 0), category 3 no gt (skipped).
  const [all50] = precisionRecallCurves(bbox);
  near(all50.precision[0]!, P1 / 2, 'mean of cat1 and cat2 at recall 0');
  assert.deepEqual(precisionRecallCurves(bbox, { categoryId: 3 })[0].precision.every((p) => p === null), true);
  assert.deepEqual(precisionRecallCurves(bbox, { categoryId: 42 }), []);
});

test('the SVG has axes, ticks, a legend with AP values and one path per curve', () => {
  const svg = precisionRecallSvg(result(), { panelWidth: 400, panelHeight: 300 });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="400" height="300"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal(svg.match(/<path /g)?.length, 3);
  assert.match(svg, />bbox: precision \/ recall \(area all, maxDets 100\)</);
  assert.match(svg, />IoU=0.50 \(AP \d\.\d{3}\)</);
  for (const tick of ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']) assert.ok(svg.includes(`>${tick}</text>`), tick);
  assert.match(svg, />recall</);
  assert.match(svg, />precision</);
  // Every opened element is closed (a cheap well-formedness check without an XML parser).
  const opened = svg.match(/<(svg|g|text)[\s>]/g)?.length ?? 0;
  const closed = svg.match(/<\/(svg|g|text)>/g)?.length ?? 0;
  assert.equal(opened, closed);
  assert.match(precisionRecallSvg({}), /no evaluation/);
});

test('the PNG is rasterised through output/svg.ts', async () => {
  const png = await precisionRecallPng(result(), { panelWidth: 200, panelHeight: 150 });
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.readUInt32BE(16), 200); // IHDR width
  assert.equal(png.readUInt32BE(20), 150);
});
