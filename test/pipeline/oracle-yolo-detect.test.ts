// The box-only family end to end: a YOLO detection oracle graph (Ultralytics v8/v11 layout,
// output0 [1, 4+nc, A], task "detect", no prototypes) through segment(), the HTTP API, and eval.
// Expected boxes are the letterbox mapping worked out by hand below, not by the code under test.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { resolveOptions } from '../../src/options.js';
import { loadModel, segment, type LoadedModel } from '../../src/pipeline.js';
import { createInferencePool, type InferencePool } from '../../src/runtime/worker-pool.js';
import { buildYoloDetectOracle, oneHot, type YoloAnchor } from '../helpers/oracle-models.js';
import { tempModels } from '../runtime/test-graphs.js';
import { loadTestModels, testApp } from '../server/helpers.js';

// 800x600 photo into a 320 letterbox: gain 0.4, resized 320x240, 40 rows of padding top and
// bottom. Network input = original * 0.4 + (0, 40).
const WIDTH = 800;
const HEIGHT = 600;
const S = 320;
const NAMES = ['car', 'bus'];

function anchor(box: readonly number[], classIndex: number, score: number): YoloAnchor {
  const [x1, y1, x2, y2] = box.map((v, i) => v * 0.4 + (i % 2 === 1 ? 40 : 0));
  return { cx: (x1 + x2) / 2, cy: (y1 + y2) / 2, w: x2 - x1, h: y2 - y1, classScores: oneHot(NAMES.length, classIndex, score), coeffs: [] };
}

const CAR = [100, 100, 300, 250];
const BUS = [400, 200, 750, 550];

let pool: InferencePool;
let model: LoadedModel;
let modelBytes: Uint8Array;
let photo: Buffer;
let cleanup: () => Promise<void>;

before(async () => {
  modelBytes = buildYoloDetectOracle({
    imgsz: S,
    names: NAMES,
    anchors: [anchor(CAR, 0, 0.9), anchor([110, 100, 310, 250], 0, 0.8), anchor(BUS, 1, 0.75), anchor([0, 0, 50, 50], 1, 0.2)],
  });
  const temp = await tempModels();
  const path = await temp.write('oracle-yolo-detect', modelBytes);
  cleanup = temp.remove;
  pool = createInferencePool({ workers: 1, intraOpThreads: 1 });
  model = await loadModel(path, { pool });
  photo = await sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: '#406080' } }).png().toBuffer();
});

after(async () => {
  await pool.close();
  await cleanup();
});

describe('yolo-detect oracle (box-only family)', () => {
  test('is recognised from the graph and Ultralytics metadata, with its names', () => {
    assert.equal(model.ref.family, 'yolo-detect');
    assert.deepEqual(model.adapter.classNames, NAMES);
    assert.equal(model.adapter.givesMasks, false);
    assert.match(model.adapter.inputDescription, /letterbox 320x320.*boxes only/);
  });

  test('boxes back in original pixels, NMS and threshold; no masks', async () => {
    const { instances } = await segment(photo, model, resolveOptions({}));
    assert.deepEqual([...instances.classIds].map((id) => NAMES[id]), ['car', 'bus']);
    assert.deepEqual([...instances.scores].map((s) => Number(s.toFixed(5))), [0.9, 0.75]);
    [CAR, BUS].forEach((expected, i) => {
      const box = [...instances.boxes.slice(i * 4, i * 4 + 4)];
      box.forEach((value, k) => assert.ok(Math.abs(value - expected[k]) <= 1, `box ${i} coord ${k}: ${value} vs ${expected[k]}`));
    });
    assert.equal(instances.masks, undefined);
    const low = await segment(photo, model, resolveOptions({ threshold: 0.1, classes: 'bus' }));
    assert.deepEqual([...low.instances.scores].map((s) => Number(s.toFixed(5))), [0.75, 0.2]);
  });

  test('over HTTP: result JSON without masks (area = box area), COCO bbox rows, an annotated image', async () => {
    const models = await loadTestModels({ detector: modelBytes });
    const app = await testApp(models);
    try {
      const segmentAs = (query: string) => app.inject({ method: 'POST', url: `/api/v1/segment${query}`, headers: { 'content-type': 'image/png' }, body: photo });
      const json = (await segmentAs('')).json();
      assert.equal(json.model.family, 'yolo-detect');
      assert.deepEqual(json.instances.map((i: { label: string }) => i.label), ['car', 'bus']);
      assert.equal(json.instances[0].mask, undefined);
      assert.equal(json.instances[0].area, 200 * 150);
      const coco = (await segmentAs('?format=coco')).json();
      assert.equal(coco.length, 2);
      assert.equal(coco[0].segmentation, undefined);
      assert.deepEqual(coco[0].bbox.map((v: number) => Math.round(v)), [100, 100, 200, 150]);
      const png = await segmentAs('?format=png');
      assert.equal(png.statusCode, 200);
      assert.equal((await sharp(png.rawPayload).metadata()).width, WIDTH);
      const listed = (await app.inject({ method: 'GET', url: '/api/v1/models' })).json();
      assert.equal(listed.models[0].family, 'yolo-detect');
    } finally {
      await app.close();
      await models.close();
    }
  });
});
