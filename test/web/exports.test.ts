// Local filtering and the files the download buttons save (pure functions, no browser).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COCO_ZOO_CLASSES } from '../../src/adapters/coco-classes.js';
import { baseName, cocoResults, filteredResultJson } from '../../web/src/exports.js';
import { instanceAt } from '../../web/src/hit-test.js';
import type { ResultInstance, ResultJson } from '../../web/src/types.js';
import { groupByClass, initialViewState, toggled, visibleInstances } from '../../web/src/view-state.js';

const mask = { size: [10, 10] as [number, number], counts: 'PQ1' };
const instance = (id: number, label: string, score: number, classId = 1): ResultInstance => ({ id, label, classId, score, bbox: [1, 2, 3, 4], area: 12, mask });
const result: ResultJson = {
  model: { id: 'demo', family: 'maskrcnn', isDemo: false },
  image: { width: 10, height: 10 },
  instances: [instance(0, 'circle', 0.9), instance(1, 'star', 0.7, 4), instance(2, 'circle', 0.4), instance(3, 'circle', 0.06)],
  counts: { circle: 3, star: 1 },
  timings: { decodeMs: 1, preprocessMs: 1, inferenceMs: 1, postprocessMs: 1, totalMs: 4 },
};

describe('visibleInstances', () => {
  it('applies the threshold, hidden classes and hidden instances together', () => {
    const view = initialViewState();
    assert.deepEqual(visibleInstances(result.instances, view).map((i) => i.id), [0, 1]);
    assert.deepEqual(visibleInstances(result.instances, { ...view, threshold: 0.05 }).map((i) => i.id), [0, 1, 2, 3]);
    assert.deepEqual(visibleInstances(result.instances, { ...view, threshold: 0.05, hiddenClasses: new Set(['circle']) }).map((i) => i.id), [1]);
    assert.deepEqual(visibleInstances(result.instances, { ...view, hiddenInstances: toggled(new Set(), 0, true) }).map((i) => i.id), [1]);
  });

  it('keeps a score equal to the threshold', () => {
    assert.equal(visibleInstances([instance(5, 'ring', 0.5)], initialViewState()).length, 1);
  });

  it('groups by class, largest group first', () => {
    assert.deepEqual(groupByClass(result.instances).map((g) => [g.label, g.instances.length]), [['circle', 3], ['star', 1]]);
  });
});

describe('downloads', () => {
  it('filtered result JSON keeps the contract and recounts', () => {
    const json = filteredResultJson(result, [result.instances[1]]);
    assert.deepEqual(json.counts, { star: 1 });
    assert.deepEqual(json.model, result.model);
    assert.equal(json.instances.length, 1);
  });

  it('COCO results use the model mapping when given, else the class id', () => {
    const rows = cocoResults(result.instances.slice(0, 2), undefined);
    assert.deepEqual(rows[1], { image_id: 1, category_id: 4, bbox: [1, 2, 3, 4], score: 0.7, segmentation: mask });
    const mapped = cocoResults([result.instances[1]], [0, 1, 2, 3, 90]);
    assert.equal(mapped[0].category_id, 90);
  });

  it('names downloads after the input file', () => {
    assert.equal(baseName('holiday photo.JPG'), 'holiday photo');
    assert.equal(baseName('/images/cat.webp'), 'cat');
    assert.equal(baseName(''), 'image');
    assert.equal(baseName('../../<x>.png'), '_x_');
  });
});

describe('instanceAt', () => {
  const region = (x: number, y: number, width: number, height: number) => ({ x, y, width, height, data: new Uint8Array(width * height).fill(1), area: width * height });
  it('picks the smallest instance covering the point', () => {
    const big = { id: 1, region: region(0, 0, 10, 10), bbox: [0, 0, 10, 10] as [number, number, number, number] };
    const small = { id: 2, region: region(2, 2, 3, 3), bbox: [2, 2, 3, 3] as [number, number, number, number] };
    assert.equal(instanceAt([big, small], 3.5, 3.5)?.id, 2);
    assert.equal(instanceAt([big, small], 8, 8)?.id, 1);
    assert.equal(instanceAt([big, small], 12, 1), undefined);
  });

  it('tests the mask, not the box, and falls back to the box for empty masks', () => {
    const ring = { id: 1, region: { x: 0, y: 0, width: 3, height: 3, data: Uint8Array.from([1, 1, 1, 1, 0, 1, 1, 1, 1]), area: 8 }, bbox: [0, 0, 3, 3] as [number, number, number, number] };
    const empty = { id: 2, region: { x: 0, y: 0, width: 0, height: 0, data: new Uint8Array(0), area: 0 }, bbox: [5, 5, 2, 2] as [number, number, number, number] };
    assert.equal(instanceAt([ring], 1.5, 1.5), undefined);
    assert.equal(instanceAt([ring], 0.5, 1.5)?.id, 1);
    assert.equal(instanceAt([ring, empty], 6, 6)?.id, 2);
  });
});
