// The oracle graphs load in onnxruntime (through the real pool) and hand back exactly the
// constants they were built from, with the dtypes and shapes of the family contracts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createInferencePool, type InferencePool } from '../../src/runtime/worker-pool.js';
import {
  MASK_RCNN_ORACLE_OUTPUTS,
  binarize,
  buildMaskRcnnOracle,
  buildYoloSegOracle,
  discGrid,
  discMask28,
  discProto,
  oneHot,
  pythonDictLiteral,
  rectGrid,
  rectMask28,
  rectProto,
  stackChannels,
} from '../helpers/oracle-models.js';
import { tempModels, type TempModels } from './test-graphs.js';

describe('oracle models through the inference pool', () => {
  let temp: TempModels;
  let pool: InferencePool;
  before(async () => {
    temp = await tempModels();
    pool = createInferencePool({ workers: 1, intraOpThreads: 1 });
  });
  after(async () => {
    await pool.close();
    await temp.remove();
  });

  it('Mask R-CNN oracle: any image size in, the constants out, identified by dtype and shape', async () => {
    const masks = [rectMask28({ x0: 4, y0: 4, x1: 24, y1: 20 }), discMask28({ cx: 14, cy: 14, r: 10 })];
    const bytes = buildMaskRcnnOracle({
      boxes: [
        [10, 20, 110, 220],
        [5.5, 6.5, 50, 60],
      ],
      labels: [1, 18],
      scores: [0.98, 0.75],
      masks,
      metadata: { classes: 'coco' },
    });
    const session = await pool.load(await temp.write('maskrcnn-oracle', bytes));
    assert.deepEqual(session.graph.metadata, { classes: 'coco' });
    const outputs = await session.run({ image: { type: 'float32', dims: [3, 64, 96], data: new Float32Array(3 * 64 * 96).fill(100) } });
    const names = MASK_RCNN_ORACLE_OUTPUTS;
    assert.deepEqual(Object.keys(outputs).sort(), ['out_a', 'out_b', 'out_c', 'out_d']);
    assert.deepEqual(outputs[names.boxes].dims, [2, 4]);
    assert.deepEqual([...outputs[names.boxes].data], [10, 20, 110, 220, 5.5, 6.5, 50, 60]);
    assert.equal(outputs[names.labels].type, 'int64');
    assert.ok(outputs[names.labels].data instanceof BigInt64Array);
    assert.deepEqual([...outputs[names.labels].data], [1n, 18n]);
    assert.deepEqual(outputs[names.scores].dims, [2]);
    assert.deepEqual([...outputs[names.scores].data], [Math.fround(0.98), Math.fround(0.75)]);
    assert.equal(outputs[names.masks].type, 'float32');
    assert.deepEqual(outputs[names.masks].dims, [2, 1, 28, 28]);
    assert.deepEqual(outputs[names.masks].data, stackChannels(masks));
  });

  it('Mask R-CNN oracle with no detections gives empty tensors', async () => {
    const bytes = buildMaskRcnnOracle({ boxes: [], labels: [], scores: [], masks: [] });
    const session = await pool.load(await temp.write('maskrcnn-empty', bytes));
    const outputs = await session.run({ image: { type: 'float32', dims: [3, 32, 32], data: new Float32Array(3 * 32 * 32) } });
    const dims = Object.fromEntries(Object.entries(outputs).map(([name, tensor]) => [name, tensor.dims]));
    assert.deepEqual(dims, { out_a: [0, 1, 28, 28], out_b: [0], out_c: [0, 4], out_d: [0] });
  });

  it('YOLO-seg oracle: transposed head [1, 4+nc+nm, A], protos [1, nm, S/4, S/4], Ultralytics metadata', async () => {
    const imgsz = 64;
    const nm = 2;
    const protoSize = imgsz / 4;
    const protos = stackChannels([rectProto(protoSize, { x0: 2, y0: 3, x1: 10, y1: 9 }), discProto(protoSize, { cx: 8, cy: 8, r: 4 })]);
    const names = ['widget', 'gadget', 'gizmo'];
    const anchors = [
      { cx: 24, cy: 24, w: 32, h: 24, classScores: [0.9, 0.05, 0.01], coeffs: oneHot(nm, 0) },
      { cx: 32, cy: 32, w: 16, h: 16, classScores: [0.02, 0.03, 0.8], coeffs: oneHot(nm, 1) },
      { cx: 1, cy: 2, w: 3, h: 4, classScores: [0, 0, 0], coeffs: [0.5, -0.5] },
    ];
    const bytes = buildYoloSegOracle({ imgsz, names, anchors, protos, nm });
    const session = await pool.load(await temp.write('yolo-oracle', bytes));
    assert.equal(session.graph.metadata.names, "{0: 'widget', 1: 'gadget', 2: 'gizmo'}");
    assert.equal(session.graph.metadata.imgsz, '[64, 64]');
    const outputs = await session.run({ images: { type: 'float32', dims: [1, 3, imgsz, imgsz], data: new Float32Array(3 * imgsz * imgsz).fill(0.5) } });
    const head = outputs.output0;
    assert.deepEqual(head.dims, [1, 4 + names.length + nm, anchors.length]);
    // Row r, anchor a lives at r * A + a.
    const column = (a: number) => Array.from({ length: 4 + names.length + nm }, (_, r) => head.data[r * anchors.length + a]);
    anchors.forEach((anchor, a) => {
      const expected = [anchor.cx, anchor.cy, anchor.w, anchor.h, ...anchor.classScores, ...anchor.coeffs].map(Math.fround);
      assert.deepEqual(column(a), expected);
    });
    assert.deepEqual(outputs.output1.dims, [1, nm, protoSize, protoSize]);
    assert.deepEqual(outputs.output1.data, protos);
  });
});

describe('oracle grid helpers', () => {
  it('rectangles and discs cover exactly the cells described', () => {
    const rect = rectGrid(4, 3, { x0: 1, y0: 1, x1: 3, y1: 3 });
    assert.deepEqual([...binarize(rect)], [0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0]);
    const disc = discGrid(5, 5, { cx: 2.5, cy: 2.5, r: 1 });
    // Cell centres at distance <= r: the centre cell and its four neighbours.
    assert.deepEqual([...binarize(disc)], [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    const logits = rectProto(4, { x0: 0, y0: 0, x1: 2, y1: 1 });
    assert.deepEqual([...logits.subarray(0, 4)], [8, 8, -8, -8]);
  });

  it('writes names the way Python prints a dict', () => {
    assert.equal(pythonDictLiteral(['person', "cat's toy", 'say "hi"', "it's \"x\""]), `{0: 'person', 1: "cat's toy", 2: 'say "hi"', 3: 'it\\'s "x"'}`);
  });

  it('one-hot coefficients select one proto channel', () => {
    assert.deepEqual(oneHot(4, 2), [0, 0, 1, 0]);
    assert.deepEqual(oneHot(3, 0, 5), [5, 0, 0]);
  });
});
