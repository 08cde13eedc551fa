// The box-only YOLO family: which graphs it claims, its input stage (shared with yolo-seg), and
// decoding of the three Ultralytics detection layouts into Instances without masks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectFamily } from '../../src/adapters/registry.js';
import { YOLO_DETECT } from '../../src/adapters/yolo-detect.js';
import { YOLO_SEG } from '../../src/adapters/yolo-seg.js';
import { DEFAULT_OPTIONS } from '../../src/options.js';
import type { GraphInfo, Outputs, RawImage } from '../../src/types.js';

const METADATA = { names: `{0: 'car', 1: 'bus'}`, imgsz: '[640, 640]', stride: '32', task: 'detect' };

function graph(dims: number[], metadata: Record<string, string> = METADATA): GraphInfo {
  return { inputs: [{ name: 'images', type: 'float32', dims: [1, 3, 640, 640] }], outputs: [{ name: 'output0', type: 'float32', dims }], metadata };
}

// A 1280x720 photo letterboxed into 640x640: r = 0.5, 140 rows of padding on top.
const PHOTO: RawImage = { data: new Uint8Array(1280 * 720 * 3).fill(200), width: 1280, height: 720, source: { format: 'png', orientation: 1, bytes: 0 } };
const toInput = ([x1, y1, x2, y2]: number[]) => [x1 * 0.5, y1 * 0.5 + 140, x2 * 0.5, y2 * 0.5 + 140];
const CAR = [100, 100, 500, 400];
const BUS = [600, 200, 1200, 700];

function output(dims: number[], values: Float32Array): Outputs {
  return { output0: { type: 'float32', dims, data: values } };
}

test('claims one-output Ultralytics detection graphs; yolo-seg and other tasks are not its', () => {
  assert.equal(YOLO_DETECT.matches(graph([1, 6, 8400])), true);
  assert.equal(YOLO_DETECT.matches(graph([1, 6, 8400], { ...METADATA, task: 'segment' })), false);
  assert.equal(YOLO_DETECT.matches(graph([1, 6, 8400], { ...METADATA, task: 'pose' })), false);
  assert.equal(YOLO_SEG.matches(graph([1, 6, 8400])), false);
  assert.equal(detectFamily(graph([1, 6, 8400]), {}), 'yolo-detect');
  assert.equal(detectFamily(graph([1, 6, 8400], {}), {}), 'yolo-detect', 'without metadata, by its one [1,C,A] output');
  assert.throws(() => YOLO_SEG.create(graph([1, 6, 8400]), {}), /"detect" model.*--family yolo-detect/);
});

test('letterbox input as Ultralytics makes it: RGB 0..1, centred, pad 114', () => {
  const adapter = YOLO_DETECT.create(graph([1, 6, 8400]), {});
  assert.deepEqual(adapter.classNames, ['car', 'bus']);
  assert.equal(adapter.givesMasks, false);
  const { feeds } = adapter.preprocess(PHOTO);
  const input = feeds.images;
  assert.deepEqual(input.dims, [1, 3, 640, 640]);
  const data = input.data as Float32Array;
  assert.equal(data[0], Math.fround(114 / 255), 'padding on top');
  assert.equal(data[320 * 640 + 320], Math.fround(200 / 255), 'the photo in the middle');
});

test('decodes v8/v11 [1, 4+nc, A]: best class, threshold, NMS, boxes back in original px, no masks', () => {
  const adapter = YOLO_DETECT.create(graph([1, 6, 4]), {});
  const { meta } = adapter.preprocess(PHOTO);
  // Anchors: car 0.9, a duplicate car 0.8 (NMS drops it), bus 0.7, a weak bus 0.1 (threshold).
  const anchors = [[CAR, 0.9, 0], [[110, 100, 510, 400], 0.8, 0], [BUS, 0.7, 1], [[0, 0, 50, 50], 0.1, 1]] as const;
  const values = new Float32Array(6 * 4);
  anchors.forEach(([box, score, cls], a) => {
    const [x1, y1, x2, y2] = toInput([...box]);
    [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, cls === 0 ? score : 0, cls === 1 ? score : 0].forEach((v, r) => (values[r * 4 + a] = v));
  });
  const instances = adapter.postprocess(output([1, 6, 4], values), meta, DEFAULT_OPTIONS);
  assert.deepEqual([...instances.classIds], [0, 1]);
  assert.deepEqual([...instances.boxes].map(Math.round), [...CAR, ...BUS]);
  assert.equal(instances.masks, undefined);
});

test('decodes v5 [1, A, 5+nc] (score = class x objectness) and end-to-end [1, K, 6] exports', () => {
  const v5 = YOLO_DETECT.create(graph([1, 2, 7]), {});
  const { meta } = v5.preprocess(PHOTO);
  const [x1, y1, x2, y2] = toInput(BUS);
  const rows = Float32Array.of((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, 0.8, 0.1, 0.9, ...[0, 0, 0, 0, 0, 0, 0]);
  const fromV5 = v5.postprocess(output([1, 2, 7], rows), meta, DEFAULT_OPTIONS);
  assert.deepEqual([...fromV5.classIds], [1]);
  assert.equal(Number(fromV5.scores[0].toFixed(4)), 0.72);
  const end2end = YOLO_DETECT.create(graph([1, 300, 6]), {});
  const padded = new Float32Array(300 * 6);
  padded.set([...toInput(CAR), 0.95, 0], 0);
  padded.set([0, 0, 0, 0, 0, -1], 6); // padding rows carry class -1
  const fromEnd2end = end2end.postprocess(output([1, 300, 6], padded), meta, DEFAULT_OPTIONS);
  assert.deepEqual([...fromEnd2end.classIds], [0]);
  assert.deepEqual([...fromEnd2end.boxes].map(Math.round), CAR);
});
