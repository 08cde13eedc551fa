import assert from 'node:assert/strict';
import { test } from 'node:test';
import { YOLO_SEG } from '../../src/adapters/yolo-seg.js';
import { MaskserveError } from '../../src/errors.js';
import { DEFAULT_OPTIONS, type SegmentOptions } from '../../src/options.js';
import type { BinaryMask, GraphInfo, Outputs, RawImage } from '../../src/types.js';

const NAMES = `{0: 'square', 1: "it's", 2: 'round\\'ish'}`;
const NC = 3;
const NM = 2;

function graph(
  metadata: Record<string, string> = { names: NAMES, imgsz: '[640, 640]', stride: '32', task: 'segment' },
  channels = 4 + NC + NM,
  side: number | string = 640,
): GraphInfo {
  return {
    inputs: [{ name: 'images', type: 'float32', dims: [1, 3, side, side] }],
    outputs: [
      { name: 'output0', type: 'float32', dims: [1, channels, 8400] },
      { name: 'output1', type: 'float32', dims: [1, NM, 160, 160] },
    ],
    metadata,
  };
}

function image(width: number, height: number, rgb: [number, number, number] = [0, 0, 0]): RawImage {
  const data = new Uint8Array(width * height * 3);
  data.set(rgb);
  for (let filled = 3; filled < data.length; filled *= 2) data.copyWithin(filled, 0, filled); // doubling fill
  return { data, width, height, source: { format: 'jpeg', orientation: 1, bytes: data.length } };
}

function options(overrides: Partial<SegmentOptions> = {}): SegmentOptions {
  return { ...DEFAULT_OPTIONS, ...overrides };
}

// A 1280x720 photo letterboxed into 640x640: r = 0.5, padTop = 140.
const toInput = (x: number, y: number): [number, number] => [x * 0.5, y * 0.5 + 140];
const rect = (x: number, y: number) => x >= 200 && x < 600 && y >= 100 && y < 500;
const circle = (x: number, y: number) => (x - 900) ** 2 + (y - 360) ** 2 < 200 ** 2;

/** Protos [1, 2, 160, 160]: channel 0 is +8 inside the rectangle, channel 1 inside the circle. */
function prototypes(): Float32Array {
  const data = new Float32Array(NM * 160 * 160);
  for (let cy = 0; cy < 160; cy++) {
    for (let cx = 0; cx < 160; cx++) {
      const ox = (cx + 0.5) * 4 * 2; // proto cell centre -> input px -> original px
      const oy = ((cy + 0.5) * 4 - 140) * 2;
      data[cy * 160 + cx] = rect(ox, oy) ? 8 : -8;
      data[160 * 160 + cy * 160 + cx] = circle(ox, oy) ? 8 : -8;
    }
  }
  return data;
}

interface Anchor {
  box: [number, number, number, number]; // xyxy original px
  scores: number[]; // per class
  coeffs: number[];
  objectness?: number;
}

const ANCHORS: Anchor[] = [
  { box: [200, 100, 600, 500], scores: [0.9, 0, 0], coeffs: [1, 0] },
  { box: [204, 104, 604, 504], scores: [0.8, 0, 0], coeffs: [1, 0] }, // duplicate of 0
  { box: [700, 160, 1100, 560], scores: [0, 0.1, 0.85], coeffs: [0, 1] },
  { box: [10, 10, 50, 50], scores: [0.2, 0, 0], coeffs: [1, 0] }, // below threshold
  { box: [200, 100, 600, 500], scores: [0, 0.7, 0], coeffs: [1, 0] }, // same box, another class
];

/** output0 in the v8 layout [1, 4+nc+nm, A], v5 [1, A, 5+nc+nm] (objectness) or end2end [1, K, 6+nm]. */
function outputs(anchors: Anchor[], layout: 'v8' | 'v5' | 'end2end' = 'v8', count = 8400): Outputs {
  const offset = layout === 'v5' ? 5 : 4;
  const channels = layout === 'end2end' ? 6 + NM : offset + NC + NM;
  const data = new Float32Array(channels * count);
  const set = (a: number, c: number, v: number) => (data[layout === 'v8' ? c * count + a : a * channels + c] = v);
  anchors.forEach((anchor, a) => {
    const [x1, y1] = toInput(anchor.box[0], anchor.box[1]);
    const [x2, y2] = toInput(anchor.box[2], anchor.box[3]);
    if (layout === 'end2end') {
      const best = anchor.scores.indexOf(Math.max(...anchor.scores));
      [x1, y1, x2, y2, anchor.scores[best], best, ...anchor.coeffs].forEach((v, c) => set(a, c, v));
      return;
    }
    [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1].forEach((v, c) => set(a, c, v));
    if (layout === 'v5') set(a, 4, anchor.objectness ?? 1);
    anchor.scores.forEach((v, c) => set(a, offset + c, v));
    anchor.coeffs.forEach((v, c) => set(a, offset + NC + c, v));
  });
  return {
    output0: { type: 'float32', dims: layout === 'v8' ? [1, channels, count] : [1, count, channels], data },
    output1: { type: 'float32', dims: [1, NM, 160, 160], data: prototypes() },
  };
}

/** IoU of a mask with a shape whose extent lies inside `bounds` (xyxy): only that area is scanned. */
function iou(mask: BinaryMask, inside: (x: number, y: number) => boolean, bounds: readonly number[]): number {
  let inter = 0;
  let union = 0;
  const x0 = Math.min(bounds[0], mask.x);
  const y0 = Math.min(bounds[1], mask.y);
  const x1 = Math.max(bounds[2], mask.x + mask.width);
  const y1 = Math.max(bounds[3], mask.y + mask.height);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const inMask = x >= mask.x && y >= mask.y && x < mask.x + mask.width && y < mask.y + mask.height && mask.data[(y - mask.y) * mask.width + x - mask.x] === 1;
      const inShape = inside(x + 0.5, y + 0.5);
      inter += inMask && inShape ? 1 : 0;
      union += inMask || inShape ? 1 : 0;
    }
  }
  return inter / union;
}

test('matches Ultralytics segmentation graphs, not detect models or other layouts', () => {
  assert.equal(YOLO_SEG.matches(graph()), true);
  assert.equal(YOLO_SEG.matches(graph({ task: 'detect' })), false);
  assert.equal(YOLO_SEG.matches({ ...graph(), outputs: graph().outputs.slice(0, 1) }), false);
  assert.throws(() => YOLO_SEG.create(graph({ task: 'detect' }), {}), /"detect" model/);
});

test('create reads names, imgsz and stride from metadata; the card overrides', () => {
  const adapter = YOLO_SEG.create(graph(), {});
  assert.deepEqual(adapter.classNames, ['square', "it's", "round'ish"]);
  assert.deepEqual(adapter.categoryIds, [1, 2, 3]);
  assert.match(adapter.inputDescription, /640x640.*stride 32.*3 classes/);
  const carded = YOLO_SEG.create(graph(undefined, undefined, 'side'), { classes: ['a', 'b', 'c'], imgsz: 320 });
  assert.deepEqual(carded.classNames, ['a', 'b', 'c']);
  assert.match(carded.inputDescription, /320x320/);
  // Static input dims win: the graph cannot take any other size.
  assert.match(YOLO_SEG.create(graph(), { imgsz: 320 }).inputDescription, /640x640/);
  assert.match(YOLO_SEG.create(graph({ imgsz: '[384, 640]' }, undefined, 'side'), {}).inputDescription, /640x384/);
  // No names at all: nc = 84 - 4 - 2... derived from static dims; 80 classes -> COCO names.
  const coco = YOLO_SEG.create(graph({}, 4 + 80 + NM), {});
  assert.equal(coco.classNames[0], 'person');
  assert.equal(coco.categoryIds[79], 90);
});

test('preprocess letterboxes with 114 padding, RGB 0..1, NCHW', () => {
  const adapter = YOLO_SEG.create(graph(undefined, undefined, 'side'), { imgsz: 64 });
  const { feeds, meta } = adapter.preprocess(image(128, 72, [255, 0, 51]));
  const t = feeds.images;
  assert.deepEqual(t.dims, [1, 3, 64, 64]);
  const data = t.data as Float32Array;
  const plane = 64 * 64;
  assert.equal(data[0], Math.fround(114 / 255)); // top-left is padding
  assert.equal((meta as { padTop: number }).padTop, 14); // resized 64x36, (64-36)/2
  const i = 14 * 64 + 5;
  assert.deepEqual([data[i], data[plane + i], data[2 * plane + i]], [1, 0, Math.fround(51 / 255)]);
  assert.equal(data[2 * plane + 50 * 64], Math.fround(114 / 255)); // bottom padding
});

test('decodes 3 custom classes: threshold, NMS drops the duplicate, boxes within 1 px, masks match shapes', () => {
  const adapter = YOLO_SEG.create(graph(), {});
  const { meta } = adapter.preprocess(image(1280, 720));
  const result = adapter.postprocess(outputs(ANCHORS), meta, options({ threshold: 0.5, iou: 0.7 }));
  assert.deepEqual([...result.classIds], [0, 2, 1]);
  assert.deepEqual([...result.scores], [0.9, 0.85, 0.7].map(Math.fround));
  assert.equal(result.classNames[2], "round'ish");
  const expected = [ANCHORS[0].box, ANCHORS[2].box, ANCHORS[4].box].flat();
  result.boxes.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1, `coord ${i}: ${v} vs ${expected[i]}`));
  assert.ok(iou(result.masks![0], rect, ANCHORS[0].box) >= 0.95, 'rectangle mask');
  assert.ok(iou(result.masks![1], circle, ANCHORS[2].box) >= 0.95, 'circle mask');
});

test('agnostic NMS merges the same box across classes; class filter and maxDetections', () => {
  const adapter = YOLO_SEG.create(graph(), {});
  const { meta } = adapter.preprocess(image(1280, 720));
  const out = outputs(ANCHORS);
  assert.deepEqual([...adapter.postprocess(out, meta, options({ agnosticNms: true })).classIds], [0, 2]);
  assert.deepEqual([...adapter.postprocess(out, meta, options({ classes: ["it's"] })).classIds], [1]);
  assert.deepEqual([...adapter.postprocess(out, meta, options({ maxDetections: 1 })).classIds], [0]);
  assert.deepEqual([...adapter.postprocess(out, meta, options({ threshold: 0.15 })).classIds], [0, 2, 1, 0]);
  assert.throws(
    () => adapter.postprocess(out, meta, options({ classes: ['person'] })),
    (e: unknown) => e instanceof MaskserveError && e.code === 'INVALID_OPTION' && e.message.includes("square, it's, round'ish"),
  );
});

test('YOLOv5 layout [1, A, 5+nc+nm]: score = objectness x class score', () => {
  const adapter = YOLO_SEG.create(graph(undefined, 5 + NC + NM), {});
  const { meta } = adapter.preprocess(image(1280, 720));
  const anchors = [
    { ...ANCHORS[0], objectness: 0.9 }, // 0.81
    { ...ANCHORS[2], objectness: 0.5 }, // 0.425: dropped at 0.5
  ];
  const result = adapter.postprocess(outputs(anchors, 'v5', 100), meta, options());
  assert.deepEqual([...result.classIds], [0]);
  assert.ok(Math.abs(result.scores[0] - 0.81) < 1e-6);
  assert.ok(iou(result.masks![0], rect, ANCHORS[0].box) >= 0.95);
});

test('end-to-end exports [1, K, 6+nm] (xyxy, score, class id, coeffs) need no decoding of classes', () => {
  const adapter = YOLO_SEG.create(graph(undefined, 6 + NM), {});
  const { meta } = adapter.preprocess(image(1280, 720));
  const result = adapter.postprocess(outputs([ANCHORS[0], ANCHORS[2], ANCHORS[3]], 'end2end', 300), meta, options());
  assert.deepEqual([...result.classIds], [0, 2]);
  const expected = [ANCHORS[0].box, ANCHORS[2].box].flat();
  result.boxes.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1, `coord ${i}: ${v}`));
  assert.ok(iou(result.masks![1], circle, ANCHORS[2].box) >= 0.95);
});

test('an output that does not fit the class count is a MODEL_FORMAT error naming the fix', () => {
  const adapter = YOLO_SEG.create(graph(), { classes: ['only', 'two'] });
  const { meta } = adapter.preprocess(image(64, 64));
  assert.throws(
    () => adapter.postprocess(outputs(ANCHORS, 'v8', 10), meta, options()),
    (e: unknown) => e instanceof MaskserveError && e.code === 'MODEL_FORMAT' && /does not fit 2 classes and 2 mask coefficients/.test(e.message),
  );
  assert.throws(() => adapter.postprocess({}, meta, options()), /YOLO outputs not recognised/);
});
