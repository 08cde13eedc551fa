import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { buildYoloDetectOracle } from '../helpers/oracle-models.js';
import { createWorkspace, maskserve, type Workspace } from './helpers.js';

// Ground truth matching what the oracle model finds in a 640x480 image (see helpers.ts).
const GROUND_TRUTH = {
  images: [{ id: 7, file_name: 'dog.jpg', width: 640, height: 480 }],
  categories: [
    { id: 1, name: 'person' },
    { id: 18, name: 'dog' },
  ],
  annotations: [
    { id: 1, image_id: 7, category_id: 1, bbox: [48, 48, 288, 288], area: 82944, iscrowd: 0 },
    { id: 2, image_id: 7, category_id: 18, bbox: [360, 120, 180, 300], area: 54000, iscrowd: 0 },
  ],
};

const AP_ALL = /Average Precision {2}\(AP\) @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets=100 \] = (\d\.\d{3})/;

describe('maskserve eval', { concurrency: 2 }, () => {
  let ws: Workspace;
  before(async () => {
    ws = await createWorkspace();
    await ws.image('dog.jpg');
    await writeFile(join(ws.dir, 'instances.json'), JSON.stringify(GROUND_TRUTH));
  });
  after(() => ws.cleanup());

  it('runs the model over the annotated images and prints the COCO summary', async () => {
    const { code, text, stderr } = await maskserve(
      ['eval', '--model', ws.modelPath, '--annotations', 'instances.json', '--images', '.', '--iou-type', 'bbox', '--plot', 'pr.png', '--save-results', 'dets.json'],
      { cwd: ws.dir },
    );
    assert.equal(code, 0, stderr);
    assert.match(text, /^Evaluate annotation type \*bbox\*\n/);
    assert.equal(AP_ALL.exec(text)?.[1], '1.000');
    assert.match(text, /\nPer-category bbox AP:\ncategory +AP +AP50 +AP75\n/, 'the per-category table follows the summary');
    assert.match(text, /\nperson +100\.0 +100\.0 +100\.0\n/);
    assert.equal((await sharp(join(ws.dir, 'pr.png')).metadata()).format, 'png');
    const detections = JSON.parse(await readFile(join(ws.dir, 'dets.json'), 'utf8')) as { image_id: number }[];
    assert.deepEqual(detections.map((d) => d.image_id), [7, 7]);
  });

  it('evaluates an existing results file and writes metrics JSON and an SVG plot', async () => {
    const results = [
      { image_id: 7, category_id: 1, bbox: [48, 48, 288, 288], score: 0.9 },
      { image_id: 7, category_id: 18, bbox: [0, 0, 50, 50], score: 0.95 }, // a miss: dog AP is 0
    ];
    await writeFile(join(ws.dir, 'results.json'), JSON.stringify(results));
    const { code, text, stderr } = await maskserve(
      ['eval', '--annotations', 'instances.json', '--results', 'results.json', '--iou-type', 'bbox', '--out', 'metrics.json', '--plot', 'pr.svg'],
      { cwd: ws.dir },
    );
    assert.equal(code, 0, stderr);
    assert.equal(AP_ALL.exec(text)?.[1], '0.500');
    const metrics = JSON.parse(await readFile(join(ws.dir, 'metrics.json'), 'utf8'));
    assert.ok(Math.abs(metrics.bbox.metrics.AP - 0.5) < 1e-9);
    assert.deepEqual(metrics.bbox.perCategory.map((c: { name: string; ap: number }) => [c.name, Number(c.ap.toFixed(6))]), [['person', 1], ['dog', 0]]);
    const svg = await readFile(join(ws.dir, 'pr.svg'), 'utf8');
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    // One bbox panel with three curves: IoU .50, .75 and .50:.95.
    assert.equal((svg.match(/<path d="/g) ?? []).length, 3);
  });
});

describe('maskserve eval with a box-only model', () => {
  // The yolo-detect oracle finds a car at [100,100,300,250] in an 800x600 photo (gain 0.4, 40 rows of padding).
  const car = [100, 100, 300, 250].map((v, i) => v * 0.4 + (i % 2 === 1 ? 40 : 0));
  const anchor = { cx: (car[0] + car[2]) / 2, cy: (car[1] + car[3]) / 2, w: car[2] - car[0], h: car[3] - car[1], classScores: [0.9], coeffs: [] };
  let ws: Workspace;
  before(async () => {
    ws = await createWorkspace();
    await writeFile(join(ws.dir, 'detector.onnx'), buildYoloDetectOracle({ imgsz: 320, names: ['car'], anchors: [anchor] }));
    await sharp({ create: { width: 800, height: 600, channels: 3, background: '#406080' } }).jpeg().toFile(join(ws.dir, 'road.jpg'));
    const truth = {
      images: [{ id: 3, file_name: 'road.jpg', width: 800, height: 600 }],
      categories: [{ id: 1, name: 'car' }],
      annotations: [{ id: 1, image_id: 3, category_id: 1, bbox: [100, 100, 200, 150], area: 30000, iscrowd: 0 }],
    };
    await writeFile(join(ws.dir, 'road.json'), JSON.stringify(truth));
  });
  after(() => ws.cleanup());

  it('scores bbox by default and says why; an explicit segm is refused before any image runs', async () => {
    const run = await maskserve(['eval', '--model', 'detector.onnx', '--annotations', 'road.json', '--images', '.'], { cwd: ws.dir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /detector \(yolo-detect\) gives boxes only: evaluating bbox/);
    assert.match(run.text, /^Evaluate annotation type \*bbox\*\n/);
    assert.doesNotMatch(run.text, /\*segm\*/);
    assert.equal(AP_ALL.exec(run.text)?.[1], '1.000');
    const segm = await maskserve(['eval', '--model', 'detector.onnx', '--annotations', 'road.json', '--images', '.', '--iou-type', 'segm'], { cwd: ws.dir });
    assert.equal(segm.code, 2);
    assert.match(segm.stderr, /--iou-type segm needs masks and detector \(yolo-detect\) gives boxes only; use --iou-type bbox/);
    assert.doesNotMatch(segm.stderr, /road\.jpg/, 'refused before the image was segmented');
  });
});

