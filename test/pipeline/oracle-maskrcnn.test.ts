// End to end through the real pipeline (decode -> maskrcnn adapter -> onnxruntime worker ->
// postprocess) on an oracle graph whose outputs are fixed by construction.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { loadModel, segment, type LoadedModel } from '../../src/pipeline.js';
import { createInferencePool, type InferencePool } from '../../src/runtime/worker-pool.js';
import { resolveOptions } from '../../src/options.js';
import { toResultJson } from '../../src/output/result-json.js';
import { toCocoResults } from '../../src/output/coco.js';
import { buildMaskRcnnOracle, discMask28, rectMask28 } from '../helpers/oracle-models.js';
import { discShape, maskIou, rectShape } from '../helpers/expected-masks.js';
import { tempModels } from '../runtime/test-graphs.js';

// A 640x480 photo: short side 480 -> 800, so scale = 800/480 on y and floor(640*800/480)=1066 -> 1066/640
// on x; the tensor is zero-padded to 1088x800 (multiples of 32). Boxes below are given in ORIGINAL
// pixels and converted to network-input pixels the way the contract says the model sees them.
const WIDTH = 640;
const HEIGHT = 480;
const SX = 1066 / 640;
const SY = 800 / 480;
const toInput = ([x1, y1, x2, y2]: number[]) => [x1 * SX, y1 * SY, x2 * SX, y2 * SY];

const CAT_BOX = [100, 60, 300, 240];
const WIDGET_BOX = [350, 200, 550, 400];
const DOG_BOX = [20, 300, 120, 460];

let pool: InferencePool;
let model: LoadedModel;
let photo: Buffer;
let cleanup: () => Promise<void>;

before(async () => {
  const bytes = buildMaskRcnnOracle({
    boxes: [CAT_BOX, WIDGET_BOX, DOG_BOX].map(toInput),
    labels: [1, 3, 2],
    scores: [0.95, 0.8, 0.3], // the dog is below the default 0.5 threshold
    masks: [rectMask28({ x0: 0, y0: 0, x1: 28, y1: 28 }), discMask28({ cx: 14, cy: 14, r: 14 }), rectMask28({ x0: 0, y0: 0, x1: 28, y1: 28 })],
    metadata: { 'maskserve.classes': JSON.stringify(['__background', 'cat', 'dog', 'widget']) },
  });
  const temp = await tempModels();
  const path = await temp.write('oracle-maskrcnn', bytes);
  cleanup = temp.remove;
  pool = createInferencePool({ workers: 1, intraOpThreads: 1 });
  model = await loadModel(path, { pool });
  photo = await sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: '#808080' } }).png().toBuffer();
});

after(async () => {
  await pool.close();
  await cleanup();
});

describe('maskrcnn oracle through segment()', () => {
  test('auto-detects the family from dtypes and shapes and reads class names from metadata', () => {
    assert.equal(model.ref.family, 'maskrcnn');
    assert.deepEqual(model.adapter.classNames, ['__background', 'cat', 'dog', 'widget']);
  });

  test('boxes map back to original pixels, low scores are dropped, masks are pasted', async () => {
    const result = await segment(photo, model, resolveOptions({}));
    const { instances } = result;
    assert.deepEqual([...instances.classIds].map((id) => instances.classNames[id]), ['cat', 'widget']);
    assert.deepEqual([...instances.scores].map((s) => Number(s.toFixed(5))), [0.95, 0.8]);
    [CAT_BOX, WIDGET_BOX].forEach((expected, i) => {
      const box = [...instances.boxes.slice(i * 4, i * 4 + 4)];
      box.forEach((value, k) => assert.ok(Math.abs(value - expected[k]) <= 1, `box ${i} coord ${k}: ${value} vs ${expected[k]}`));
    });
    const image = { width: WIDTH, height: HEIGHT };
    assert.ok(maskIou(instances.masks![0], rectShape(100, 60, 300, 240), image) >= 0.95);
    // A disc filling its 28x28 grid, pasted into a 200x200 box, is a disc of radius 100.
    assert.ok(maskIou(instances.masks![1], discShape(450, 300, 100), image) >= 0.95);
    assert.equal(result.image.width, WIDTH);
    for (const stage of ['decodeMs', 'preprocessMs', 'inferenceMs', 'postprocessMs', 'totalMs'] as const) {
      assert.ok(result.timings[stage] >= 0);
    }
  });

  test('result JSON and COCO export follow the contract', async () => {
    const result = await segment(photo, model, resolveOptions({ threshold: 0.25 }));
    const json = toResultJson(result, { maskFormat: 'rle' });
    assert.equal(json.instances.length, 3);
    assert.deepEqual(json.counts, { cat: 1, widget: 1, dog: 1 });
    assert.deepEqual(json.image, { width: WIDTH, height: HEIGHT });
    const cat = json.instances[0];
    cat.bbox.forEach((v, k) => assert.ok(Math.abs(v - [100, 60, 200, 180][k]) <= 1));
    assert.ok(Math.abs(cat.area - 200 * 180) <= 200 + 180);
    assert.deepEqual(cat.mask?.size, [HEIGHT, WIDTH]);
    const coco = toCocoResults(result.instances, 7);
    assert.equal(coco.length, 3);
    assert.equal(coco[0].image_id, 7);
    assert.equal(coco[0].category_id, 1);
  });

  test('class filter by name and maximum detections', async () => {
    const widgets = await segment(photo, model, resolveOptions({ classes: 'widget', threshold: 0.1 }));
    assert.deepEqual([...widgets.instances.classIds], [3]);
    const top1 = await segment(photo, model, resolveOptions({ maxDetections: 1 }));
    assert.equal(top1.instances.scores.length, 1);
    await assert.rejects(segment(photo, model, resolveOptions({ classes: 'unicorn' })), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'INVALID_OPTION');
      assert.match(error.message, /unicorn/);
      return true;
    });
  });
});
