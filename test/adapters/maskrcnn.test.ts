import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MASKRCNN, MASKRCNN_BGR_MEAN } from '../../src/adapters/maskrcnn.js';
import { MaskserveError } from '../../src/errors.js';
import { DEFAULT_OPTIONS, type SegmentOptions } from '../../src/options.js';
import type { GraphInfo, Outputs, RawImage, TensorData } from '../../src/types.js';

const GRAPH: GraphInfo = {
  inputs: [{ name: 'image', type: 'float32', dims: [3, 'height', 'width'] }],
  outputs: [
    { name: '6568', type: 'float32', dims: ['nbox', 4] },
    { name: '6570', type: 'int64', dims: ['nbox'] },
    { name: '6572', type: 'float32', dims: ['nbox'] },
    { name: '6887', type: 'float32', dims: ['nbox', 1, 28, 28] },
  ],
  metadata: {},
};

function image(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { data, width, height, source: { format: 'png', orientation: 1, bytes: data.length } };
}

function options(overrides: Partial<SegmentOptions> = {}): SegmentOptions {
  return { ...DEFAULT_OPTIONS, ...overrides };
}

/** Zoo-style outputs with arbitrary names, in a shuffled order (identification is by dtype/shape). */
function outputs(boxes: number[], labels: number[], scores: number[], maskValue = 1): Outputs {
  const n = scores.length;
  const t = (type: TensorData['type'], dims: number[], data: TensorData['data']): TensorData => ({ type, dims, data });
  return {
    m: t('float32', [n, 1, 28, 28], new Float32Array(n * 28 * 28).fill(maskValue)),
    s: t('float32', [n], Float32Array.from(scores)),
    b: t('float32', [n, 4], Float32Array.from(boxes)),
    l: t('int64', [n], BigInt64Array.from(labels, (v) => BigInt(v))),
  };
}

test('matches the zoo contract by dtype and shape, not by name', () => {
  assert.equal(MASKRCNN.matches(GRAPH), true);
  const renamed = { ...GRAPH, outputs: GRAPH.outputs.map((o, i) => ({ ...o, name: `out${i}` })).reverse() };
  assert.equal(MASKRCNN.matches(renamed), true);
  assert.equal(MASKRCNN.matches({ ...GRAPH, outputs: GRAPH.outputs.slice(0, 3) }), false);
  assert.equal(MASKRCNN.matches({ ...GRAPH, inputs: [{ name: 'images', type: 'float32', dims: [1, 3, 640, 640] }] }), false);
  // A declared `maskserve.family` is the registry's to honour (test/adapters/registry.test.ts).
});

test('defaults: 81 COCO classes with COCO category ids, 800/1333/32', () => {
  const adapter = MASKRCNN.create(GRAPH, {});
  assert.equal(adapter.classNames.length, 81);
  assert.equal(adapter.categoryIds[81 - 1], 90);
  assert.match(adapter.inputDescription, /short side 800, long side <= 1333.*32/);
});

test('classes and sizes come from the card, else from maskserve.* metadata', () => {
  const graph = { ...GRAPH, metadata: { 'maskserve.classes': '["__background","circle","square"]', 'maskserve.min_size': '256', 'maskserve.max_size': '512' } };
  const fromMetadata = MASKRCNN.create(graph, {});
  assert.deepEqual(fromMetadata.classNames, ['__background', 'circle', 'square']);
  assert.deepEqual(fromMetadata.categoryIds, [0, 1, 2]);
  assert.match(fromMetadata.inputDescription, /short side 256, long side <= 512/);
  const fromCard = MASKRCNN.create(graph, { classes: ['bg', 'a'], categoryIds: [0, 7], minSize: 100, maxSize: 200 });
  assert.deepEqual(fromCard.classNames, ['bg', 'a']);
  assert.deepEqual(fromCard.categoryIds, [0, 7]);
  assert.match(fromCard.inputDescription, /short side 100, long side <= 200/);
  assert.throws(() => MASKRCNN.create({ ...GRAPH, metadata: { 'maskserve.classes': '{bad' } }, {}), /maskserve.classes/);
  assert.throws(() => MASKRCNN.create(GRAPH, { classes: ['bg', 'a'], categoryIds: [1] }), /categoryIds/);
  const yoloInput = { ...GRAPH, inputs: [{ name: 'images', type: 'float32' as const, dims: [1, 3, 640, 640] }] };
  assert.throws(() => MASKRCNN.create(yoloInput, {}), /needs one float \[3,H,W\] image input \(inputs: images float32\[1,3,640,640\]/);
});

test('preprocess: BGR minus mean, CHW, zero padding to 32', () => {
  const adapter = MASKRCNN.create(GRAPH, { minSize: 3, maxSize: 100 }); // 4x3 stays 4x3 (scale 1)
  const img = image(4, 3, (x, y) => [10 * x, 50 + y, 200]);
  const { feeds } = adapter.preprocess(img);
  const tensor = feeds.image;
  assert.deepEqual(tensor.dims, [3, 32, 32]);
  assert.equal(tensor.type, 'float32');
  const data = tensor.data as Float32Array;
  const plane = 32 * 32;
  const at = (c: number, x: number, y: number) => data[c * plane + y * 32 + x];
  const [mb, mg, mr] = MASKRCNN_BGR_MEAN;
  // pixel (x=2, y=1) is RGB (20, 51, 200): plane 0 = B, 1 = G, 2 = R
  assert.equal(at(0, 2, 1), Math.fround(200 - mb));
  assert.equal(at(1, 2, 1), Math.fround(51 - mg));
  assert.equal(at(2, 2, 1), Math.fround(20 - mr));
  for (const [x, y] of [[4, 0], [0, 3], [31, 31]]) for (let c = 0; c < 3; c++) assert.equal(at(c, x, y), 0);
});

test('preprocess resizes by the short-side rule and returns the geometry', () => {
  const adapter = MASKRCNN.create(GRAPH, {});
  const { feeds, meta } = adapter.preprocess(image(64, 48, () => [0, 0, 0]));
  assert.deepEqual(feeds.image.dims, [3, 800, 1088]);
  assert.deepEqual((meta as { resized: unknown }).resized, { width: 1066, height: 800 });
});

test('maskserve.resize_rounding "round" uses Python rounding for the resized size', () => {
  const graph = { ...GRAPH, metadata: { 'maskserve.resize_rounding': 'round' } };
  const adapter = MASKRCNN.create(graph, { minSize: 100, maxSize: 1000 });
  const { meta } = adapter.preprocess(image(300, 200, () => [0, 0, 0])); // 0.5 * 300 = 150, 100
  assert.deepEqual((meta as { resized: unknown }).resized, { width: 150, height: 100 });
  const odd = MASKRCNN.create(graph, { minSize: 3, maxSize: 1000 }).preprocess(image(5, 2, () => [0, 0, 0]));
  assert.deepEqual((odd.meta as { resized: unknown }).resized, { width: 8, height: 3 }); // 7.5 -> 8
  const floor = MASKRCNN.create(GRAPH, { minSize: 3, maxSize: 1000 }).preprocess(image(5, 2, () => [0, 0, 0]));
  assert.deepEqual((floor.meta as { resized: unknown }).resized, { width: 7, height: 3 });
  assert.throws(() => MASKRCNN.create({ ...GRAPH, metadata: { 'maskserve.resize_rounding': 'ceil' } }, {}), /resize_rounding/);
});

test('a static input size is honoured: the image is fitted inside it and padded up to it', () => {
  const graph = { ...GRAPH, inputs: [{ name: 'image', type: 'float32' as const, dims: [3, 64, 96] }] };
  const adapter = MASKRCNN.create(graph, { minSize: 80, maxSize: 200 });
  assert.match(adapter.inputDescription, /fitted and zero-padded to 96x64/);
  const { feeds, meta } = adapter.preprocess(image(200, 100, () => [0, 0, 0]));
  assert.deepEqual(feeds.image.dims, [3, 64, 96]);
  assert.deepEqual((meta as { resized: unknown }).resized, { width: 96, height: 48 });
});

test('postprocess maps boxes on a non-square image, drops low scores, sorts and pastes masks', () => {
  const adapter = MASKRCNN.create(GRAPH, { minSize: 250, maxSize: 1333 });
  const { meta } = adapter.preprocess(image(640, 480, () => [0, 0, 0]));
  // resized 333 x 250: the per-axis scales differ slightly, boxes must use each axis' own.
  assert.deepEqual((meta as { resized: unknown }).resized, { width: 333, height: 250 });
  const sx = 333 / 640;
  const sy = 250 / 480;
  const boxes = [300 * sx, 200 * sy, 500 * sx, 400 * sy, 0, 0, 50, 50, 100 * sx, 80 * sy, 300 * sx, 400 * sy];
  const result = adapter.postprocess(outputs(boxes, [17, 3, 1], [0.8, 0.3, 0.9]), meta, options());
  assert.equal(result.scores.length, 2);
  assert.deepEqual([...result.scores], [Math.fround(0.9), Math.fround(0.8)]);
  assert.deepEqual([...result.classIds], [1, 17]); // zoo labels are contiguous: 17 = dog
  assert.equal(result.classNames[result.classIds[1]], 'dog');
  assert.deepEqual(result.imageSize, { width: 640, height: 480 });
  const expected = [100, 80, 300, 400, 300, 200, 500, 400];
  result.boxes.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-3, `${i}: ${v}`));
  const person = result.masks![0];
  assert.deepEqual([person.x, person.y, person.width, person.height], [100, 80, 200, 320]);
  // detectron2 paste (grid_sample, zero padding) only rounds off the extreme corner pixels.
  const filled = person.data.reduce((a, b) => a + b, 0);
  assert.ok(filled > 200 * 320 - 40 && filled <= 200 * 320, `${filled}`);
  assert.equal(person.data[160 * 200], 1); // left edge, middle row
  assert.equal(person.data[100], 1); // top edge, middle column
});

test('boxes beyond the image are clipped; mask threshold applies', () => {
  const adapter = MASKRCNN.create(GRAPH, { minSize: 100, maxSize: 100 });
  const { meta } = adapter.preprocess(image(100, 100, () => [0, 0, 0]));
  const result = adapter.postprocess(outputs([-20, 90, 120, 130], [1], [0.99], 0.6), meta, options({ maskThreshold: 0.7 }));
  assert.deepEqual([...result.boxes], [0, 90, 100, 100]);
  assert.equal(result.masks![0].data.reduce((a, b) => a + b, 0), 0);
});

test('class filter by name, agnostic NMS and maxDetections', () => {
  const adapter = MASKRCNN.create(GRAPH, { minSize: 400, maxSize: 400 });
  const { meta } = adapter.preprocess(image(400, 400, () => [0, 0, 0]));
  const out = outputs([10, 10, 100, 100, 12, 12, 100, 100, 300, 300, 400, 400], [16, 17, 1], [0.9, 0.85, 0.7]);
  assert.deepEqual([...adapter.postprocess(out, meta, options({ classes: ['dog'] })).classIds], [17]);
  assert.deepEqual([...adapter.postprocess(out, meta, options()).classIds], [16, 17, 1]);
  assert.deepEqual([...adapter.postprocess(out, meta, options({ agnosticNms: true, iou: 0.5 })).classIds], [16, 1]);
  assert.deepEqual([...adapter.postprocess(out, meta, options({ maxDetections: 2 })).classIds], [16, 17]);
  for (const bad of ['unicorn', '__background']) {
    assert.throws(
      () => adapter.postprocess(out, meta, options({ classes: [bad] })),
      (e: unknown) => e instanceof MaskserveError && e.code === 'INVALID_OPTION' && e.message.includes('person, bicycle') && !e.message.includes('__background,'),
    );
  }
});

test('unrecognised outputs and out-of-range labels are MODEL_FORMAT errors', () => {
  const adapter = MASKRCNN.create(GRAPH, { classes: ['bg', 'a'] });
  const { meta } = adapter.preprocess(image(32, 32, () => [0, 0, 0]));
  const out = outputs([0, 0, 10, 10], [5], [0.9]);
  assert.throws(() => adapter.postprocess(out, meta, options()), /label 5 but only 2 class names/);
  const { m: _dropped, ...missing } = out;
  assert.throws(() => adapter.postprocess(missing, meta, options()), (e: unknown) => e instanceof MaskserveError && e.code === 'MODEL_FORMAT' && /b float32\[1,4\]/.test(e.message));
  const empty = adapter.postprocess(outputs([], [], []), meta, options());
  assert.equal(empty.scores.length, 0);
});
