// End to end through the real pipeline on a YOLO-seg oracle graph (Ultralytics v8/v11 layout:
// output0 [1, 4+nc+nm, A], protos [1, nm, S/4, S/4], names as a Python dict in metadata_props).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { loadModel, segment, type LoadedModel } from '../../src/pipeline.js';
import { createInferencePool, type InferencePool } from '../../src/runtime/worker-pool.js';
import { resolveOptions } from '../../src/options.js';
import { buildYoloSegOracle, discProto, oneHot, rectProto, stackChannels, type YoloAnchor } from '../helpers/oracle-models.js';
import { discShape, maskIou, rectShape } from '../helpers/expected-masks.js';
import { tempModels } from '../runtime/test-graphs.js';

// 800x600 photo into a 320 letterbox: gain r = min(320/600, 320/800) = 0.4, resized 320x240,
// padding (320-240)/2 = 40 rows on top and bottom, none on the sides. input = original*0.4 + (0, 40).
const WIDTH = 800;
const HEIGHT = 600;
const S = 320;
const NM = 2;
const P = S / 4; // proto side
const NAMES = ['apple', 'pear', 'plum']; // a custom 3-class model

function anchor(box: number[], classIndex: number, score: number, protoChannel: number): YoloAnchor {
  const [x1, y1, x2, y2] = box.map((v, i) => v * 0.4 + (i % 2 === 1 ? 40 : 0));
  const classScores = oneHot(NAMES.length, classIndex, score);
  return { cx: (x1 + x2) / 2, cy: (y1 + y2) / 2, w: x2 - x1, h: y2 - y1, classScores, coeffs: oneHot(NM, protoChannel) };
}

const APPLE_BOX = [100, 100, 300, 250]; // input [40,80,120,140] -> proto cells [10,20)-[30,35)
const PLUM_BOX = [500, 300, 700, 500]; // input [200,160,280,240] -> disc centre (60,50) r 10 in proto cells

let pool: InferencePool;
let model: LoadedModel;
let photo: Buffer;
let cleanup: () => Promise<void>;

before(async () => {
  const anchors = [
    anchor(APPLE_BOX, 0, 0.9, 0),
    anchor([105, 100, 305, 250], 0, 0.85, 0), // duplicate of the apple: NMS must drop it
    anchor([600, 50, 700, 150], 1, 0.3, 0), // below the threshold
    anchor(PLUM_BOX, 2, 0.7, 1),
    anchor([510, 300, 710, 500], 0, 0.6, 1), // overlaps the plum under another class
    anchor([0, 0, 10, 10], 1, 0.0, 0),
  ];
  const protos = stackChannels([rectProto(P, { x0: 10, y0: 20, x1: 30, y1: 35 }), discProto(P, { cx: 60, cy: 50, r: 10 })]);
  const temp = await tempModels();
  const path = await temp.write('oracle-yolo', buildYoloSegOracle({ imgsz: S, names: NAMES, anchors, protos, nm: NM }));
  cleanup = temp.remove;
  pool = createInferencePool({ workers: 1, intraOpThreads: 1 });
  model = await loadModel(path, { pool });
  photo = await sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: '#406080' } }).jpeg().toBuffer();
});

after(async () => {
  await pool.close();
  await cleanup();
});

describe('yolo-seg oracle through segment()', () => {
  test('detects the family and the custom class names from Ultralytics metadata', () => {
    assert.equal(model.ref.family, 'yolo-seg');
    assert.deepEqual(model.adapter.classNames, NAMES);
    assert.deepEqual(model.adapter.categoryIds, [1, 2, 3]);
  });

  test('letterbox round trip, class-aware NMS, threshold and masks', async () => {
    const { instances } = await segment(photo, model, resolveOptions({}));
    const labels = [...instances.classIds].map((id) => NAMES[id]);
    assert.deepEqual(labels, ['apple', 'plum', 'apple']);
    assert.deepEqual([...instances.scores].map((s) => Number(s.toFixed(5))), [0.9, 0.7, 0.6]);
    [APPLE_BOX, PLUM_BOX].forEach((expected, i) => {
      const box = [...instances.boxes.slice(i * 4, i * 4 + 4)];
      box.forEach((value, k) => assert.ok(Math.abs(value - expected[k]) <= 1, `box ${i} coord ${k}: ${value} vs ${expected[k]}`));
    });
    const image = { width: WIDTH, height: HEIGHT };
    assert.ok(maskIou(instances.masks![0], rectShape(100, 100, 300, 250), image) >= 0.95);
    assert.ok(maskIou(instances.masks![1], discShape(600, 400, 100), image) >= 0.95);
    // The third instance's mask is cropped to its own box.
    const third = instances.masks![2];
    assert.ok(third.x >= 509 && third.x + third.width <= 711);
  });

  test('agnostic NMS keeps only the best class per object', async () => {
    const { instances } = await segment(photo, model, resolveOptions({ agnosticNms: true }));
    assert.deepEqual([...instances.classIds].map((id) => NAMES[id]), ['apple', 'plum']);
  });

  test('a lower threshold keeps the weak detection; the IoU option changes NMS', async () => {
    const low = await segment(photo, model, resolveOptions({ threshold: 0.2 }));
    assert.ok([...low.instances.classIds].includes(1));
    // IoU of the two apples is ~0.95: with iou 0.99 NMS keeps both.
    const loose = await segment(photo, model, resolveOptions({ iou: 0.99 }));
    assert.equal([...loose.instances.classIds].filter((id) => id === 0).length, 3);
  });
});
