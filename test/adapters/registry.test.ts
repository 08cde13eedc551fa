import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectFamily, FAMILIES, FAMILY_NAMES } from '../../src/adapters/registry.js';
import { MaskserveError } from '../../src/errors.js';
import type { GraphInfo } from '../../src/types.js';

const MASKRCNN_GRAPH: GraphInfo = {
  inputs: [{ name: 'image', type: 'float32', dims: [3, 'height', 'width'] }],
  outputs: [
    { name: 'boxes', type: 'float32', dims: ['n', 4] },
    { name: 'labels', type: 'int64', dims: ['n'] },
    { name: 'scores', type: 'float32', dims: ['n'] },
    { name: 'masks', type: 'float32', dims: ['n', 1, 28, 28] },
  ],
  metadata: {},
};

const YOLO_GRAPH: GraphInfo = {
  inputs: [{ name: 'images', type: 'float32', dims: [1, 3, 640, 640] }],
  outputs: [
    { name: 'output0', type: 'float32', dims: [1, 116, 8400] },
    { name: 'output1', type: 'float32', dims: [1, 32, 160, 160] },
  ],
  metadata: { task: 'segment', names: "{0: 'person'}" },
};

const CLASSIFIER: GraphInfo = {
  inputs: [{ name: 'input', type: 'float32', dims: [1, 3, 224, 224] }],
  outputs: [{ name: 'logits', type: 'float32', dims: [1, 1000] }],
  metadata: {},
};

test('FAMILIES is frozen and keyed by family name', () => {
  assert.ok(Object.isFrozen(FAMILIES));
  assert.deepEqual(Object.keys(FAMILIES).sort(), ['maskrcnn', 'yolo-detect', 'yolo-seg']);
  assert.deepEqual(FAMILY_NAMES, Object.keys(FAMILIES));
});

test('auto-detection from the graph contract', () => {
  assert.equal(detectFamily(MASKRCNN_GRAPH, {}), 'maskrcnn');
  assert.equal(detectFamily(YOLO_GRAPH, {}), 'yolo-seg');
});

test('precedence: override > card.family > maskserve.family metadata > graph match', () => {
  const tagged = { ...YOLO_GRAPH, metadata: { ...YOLO_GRAPH.metadata, 'maskserve.family': 'maskrcnn' } };
  assert.equal(detectFamily(tagged, {}), 'maskrcnn');
  assert.equal(detectFamily(tagged, { family: 'yolo-seg' }), 'yolo-seg');
  assert.equal(detectFamily(MASKRCNN_GRAPH, { family: 'yolo-seg' }, 'maskrcnn'), 'maskrcnn');
  assert.equal(detectFamily(CLASSIFIER, {}, 'yolo-seg'), 'yolo-seg');
});

test('unknown family names fail listing the valid ones', () => {
  assert.throws(
    () => detectFamily(MASKRCNN_GRAPH, {}, 'detr'),
    (e: unknown) => e instanceof MaskserveError && e.code === 'INVALID_OPTION' && e.message === `Expected one of ${FAMILY_NAMES.join(', ')} for family but received "detr"`,
  );
  assert.throws(() => detectFamily(MASKRCNN_GRAPH, { family: 'ssd' as never }), /model card family/);
  assert.throws(
    () => detectFamily({ ...CLASSIFIER, metadata: { 'maskserve.family': 'ssd' } }, {}),
    (e: unknown) => e instanceof MaskserveError && e.code === 'MODEL_FORMAT' && e.message.includes(`"ssd"; supported families: ${FAMILY_NAMES.join(', ')}`),
  );
});

test('an unrecognised graph is MODEL_FORMAT with its inputs/outputs and the supported families', () => {
  assert.throws(
    () => detectFamily(CLASSIFIER, {}),
    (e: unknown) =>
      e instanceof MaskserveError &&
      e.code === 'MODEL_FORMAT' &&
      e.status === 422 &&
      e.message.includes('inputs: input float32[1,3,224,224]; outputs: logits float32[1,1000]') &&
      e.message.includes(`Supported families: ${FAMILY_NAMES.join(', ')}`),
  );
  const detect = { ...YOLO_GRAPH, metadata: { task: 'detect' } };
  assert.throws(() => detectFamily(detect, {}), /Could not recognise/);
});
