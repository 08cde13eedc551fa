import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCocoResults } from '../../src/output/coco.js';
import { toResultJson } from '../../src/output/result-json.js';
import { rleArea, rleToMask } from '../../src/output/rle.js';
import type { SegmentResult } from '../../src/types.js';
import { makeInstances, maskFromArt, rectMask } from './helpers.js';

const imageSize = { width: 8, height: 6 };
const instances = makeInstances(imageSize, [
  // Deliberately out of score order: ids must follow scores, not input order.
  { box: [4.123456, 0, 8, 2.5], score: 0.71234567, classId: 2, mask: rectMask(4, 0, 8, 2) },
  { box: [1, 1, 3, 4], score: 0.98766, classId: 1, mask: maskFromArt(1, 1, ['##', '#.', '##']) },
  { box: [0, 4, 2, 6], score: 0.5, classId: 1, mask: rectMask(0, 4, 2, 6) },
]);
const result: SegmentResult = {
  model: { id: 'demo', family: 'maskrcnn', isDemo: false },
  instances,
  timings: { decodeMs: 1.234, preprocessMs: 2.25, inferenceMs: 100.06, postprocessMs: 0.04, totalMs: 103.5999 },
};

describe('toResultJson', () => {
  it('orders instances by score and rounds numbers', () => {
    const json = toResultJson(result, { maskFormat: 'rle' });
    assert.deepEqual(json.model, { id: 'demo', family: 'maskrcnn', isDemo: false });
    assert.deepEqual(json.image, { width: 8, height: 6 });
    assert.deepEqual(
      json.instances.map(({ id, label, classId, score, bbox, area }) => ({ id, label, classId, score, bbox, area })),
      [
        { id: 0, label: 'person', classId: 1, score: 0.9877, bbox: [1, 1, 2, 3], area: 5 },
        { id: 1, label: 'car', classId: 2, score: 0.7123, bbox: [4.12, 0, 3.88, 2.5], area: 8 },
        { id: 2, label: 'person', classId: 1, score: 0.5, bbox: [0, 4, 2, 2], area: 4 },
      ],
    );
    assert.deepEqual(json.counts, { person: 2, car: 1 });
    assert.deepEqual(json.timings, { decodeMs: 1.2, preprocessMs: 2.3, inferenceMs: 100.1, postprocessMs: 0, totalMs: 103.6 });
  });

  it('encodes masks as full-image COCO RLE', () => {
    const json = toResultJson(result, { maskFormat: 'rle' });
    const person = json.instances[0];
    assert.ok(person.mask);
    assert.equal(person.polygons, undefined);
    assert.deepEqual(person.mask.size, [6, 8]);
    assert.equal(rleArea(person.mask), person.area);
    const full = rleToMask(person.mask);
    assert.equal(full[1 * 8 + 1], 1);
    assert.equal(full[2 * 8 + 2], 0); // the notch in the art
    assert.equal(full[3 * 8 + 2], 1);
  });

  it('honours maskFormat polygons, both and none', () => {
    const polygons = toResultJson(result, { maskFormat: 'polygons' }).instances[2];
    assert.equal(polygons.mask, undefined);
    assert.deepEqual(polygons.polygons, [{ outer: [0, 4, 2, 4, 2, 6, 0, 6], holes: [] }]);
    const both = toResultJson(result, { maskFormat: 'both' }).instances[2];
    assert.ok(both.mask && both.polygons);
    const none = toResultJson(result, { maskFormat: 'none' }).instances[2];
    assert.deepEqual(Object.keys(none).sort(), ['area', 'bbox', 'classId', 'id', 'label', 'score']);
  });

  it('survives a JSON round trip unchanged and labels unknown class ids by number', () => {
    const odd = makeInstances(imageSize, [{ box: [0, 0, 1, 1], score: 0.9, classId: 7, mask: rectMask(0, 0, 1, 1) }]);
    const json = toResultJson({ ...result, instances: odd }, { maskFormat: 'both' });
    assert.equal(json.instances[0].label, '7');
    assert.deepEqual(json.counts, { '7': 1 });
    assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
  });

  it('handles no instances', () => {
    const empty = makeInstances(imageSize, []);
    const json = toResultJson({ ...result, instances: empty }, { maskFormat: 'rle' });
    assert.deepEqual(json.instances, []);
    assert.deepEqual(json.counts, {});
  });
});

describe('toCocoResults', () => {
  it('maps class ids to COCO category ids and keeps RLE segmentations', () => {
    const rows = toCocoResults(instances, 42);
    assert.equal(rows.length, 3);
    assert.deepEqual(
      rows.map(({ image_id, category_id, bbox, score }) => ({ image_id, category_id, bbox, score })),
      [
        { image_id: 42, category_id: 1, bbox: [1, 1, 2, 3], score: 0.98766 },
        { image_id: 42, category_id: 3, bbox: [4.12, 0, 3.88, 2.5], score: 0.712346 },
        { image_id: 42, category_id: 1, bbox: [0, 4, 2, 2], score: 0.5 },
      ],
    );
    assert.deepEqual(rows[2].segmentation?.size, [6, 8]);
    assert.equal(rleArea(rows[1].segmentation!), 8);
  });
});
