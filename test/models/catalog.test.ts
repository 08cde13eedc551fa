import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MaskserveError } from '../../src/errors.js';
import { CATALOG, CATALOG_IDS, catalogEntry } from '../../src/models/catalog.js';

describe('CATALOG', () => {
  it('lists the three official ONNX Model Zoo Mask R-CNN files, fp32 first', () => {
    assert.deepEqual(CATALOG_IDS, ['mask-rcnn-r50-fpn', 'mask-rcnn-r50-fpn-int8', 'mask-rcnn-r50-fpn-opset10']);
    assert.equal(CATALOG['mask-rcnn-r50-fpn'].file, 'MaskRCNN-12.onnx');
    assert.equal(CATALOG['mask-rcnn-r50-fpn'].bytes, 177_970_010);
    assert.equal(CATALOG['mask-rcnn-r50-fpn-int8'].sha256, '4409935e855719fd6cd986f7ec2a3de840d0bd9c9cf7a0cba84ce95377f5b476');
    assert.equal(CATALOG['mask-rcnn-r50-fpn-opset10'].bytes, 177_925_424);
  });

  it('gives every entry a zoo URL ending in its file, a sha256, the licence and the 81 zoo classes', () => {
    for (const id of CATALOG_IDS) {
      const entry = CATALOG[id];
      assert.equal(entry.id, id);
      assert.equal(
        entry.url,
        `https://github.com/onnx/models/raw/main/validated/vision/object_detection_segmentation/mask-rcnn/model/${entry.file}`,
      );
      assert.match(entry.sha256, /^[0-9a-f]{64}$/);
      assert.equal(entry.license, 'Apache-2.0 (ONNX Model Zoo)');
      assert.equal(entry.family, 'maskrcnn');
      assert.equal(entry.classes.length, 81);
      assert.deepEqual([entry.classes[0], entry.classes[1], entry.classes[17], entry.classes[80]], ['__background', 'person', 'dog', 'toothbrush']);
      assert.ok(entry.description.length > 10);
    }
  });

  it('records the published COCO accuracy', () => {
    assert.deepEqual({ ...CATALOG['mask-rcnn-r50-fpn'].accuracy }, { boxMap: 0.361, maskMap: 0.327 });
    assert.equal(CATALOG['mask-rcnn-r50-fpn-int8'].accuracy.boxMap, 0.331);
  });

  it('is frozen all the way down', () => {
    assert.ok(Object.isFrozen(CATALOG));
    assert.ok(Object.isFrozen(CATALOG['mask-rcnn-r50-fpn']));
    assert.ok(Object.isFrozen(CATALOG['mask-rcnn-r50-fpn'].classes));
    assert.throws(() => {
      (CATALOG as Record<string, unknown>)['x'] = 1;
    }, TypeError);
  });
});

describe('catalogEntry', () => {
  it('returns the entry for a known id', () => {
    assert.equal(catalogEntry('mask-rcnn-r50-fpn-int8').file, 'MaskRCNN-12-int8.onnx');
  });

  it('fails with UNKNOWN_MODEL listing the valid ids', () => {
    assert.throws(
      () => catalogEntry('mask-rcnn-x101'),
      (error: unknown) =>
        error instanceof MaskserveError &&
        error.code === 'UNKNOWN_MODEL' &&
        CATALOG_IDS.every((id) => error.message.includes(id)),
    );
  });

  it('does not treat Object.prototype names as ids', () => {
    assert.throws(() => catalogEntry('toString'), /Unknown model/);
  });
});
