import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MaskserveError } from '../../src/errors.js';
import { CATALOG, CATALOG_IDS, catalogEntry, type OnnxCatalogEntry } from '../../src/models/catalog.js';

const onnx = (id: string) => CATALOG[id] as OnnxCatalogEntry;
const ONNX_IDS = CATALOG_IDS.filter((id) => CATALOG[id].kind === 'onnx');
const DETECTRON2_IDS = CATALOG_IDS.filter((id) => CATALOG[id].kind === 'detectron2');

describe('CATALOG', () => {
  it('lists the detectron2 zoo COCO Mask R-CNN FPN models first (the seed\'s R50-FPN 3x leads), then the ONNX zoo files', () => {
    assert.deepEqual(CATALOG_IDS, [
      'detectron2-mask-rcnn-r50-fpn-3x',
      'detectron2-mask-rcnn-r50-fpn-1x',
      'detectron2-mask-rcnn-r101-fpn-3x',
      'detectron2-mask-rcnn-x101-fpn-3x',
      'mask-rcnn-r50-fpn',
      'mask-rcnn-r50-fpn-int8',
      'mask-rcnn-r50-fpn-opset10',
    ]);
    assert.equal(onnx('mask-rcnn-r50-fpn').file, 'MaskRCNN-12.onnx');
    assert.equal(onnx('mask-rcnn-r50-fpn').bytes, 177_970_010);
    assert.equal(onnx('mask-rcnn-r50-fpn-int8').sha256, '4409935e855719fd6cd986f7ec2a3de840d0bd9c9cf7a0cba84ce95377f5b476');
    assert.equal(onnx('mask-rcnn-r50-fpn-opset10').bytes, 177_925_424);
  });

  it('points the detectron2 entries at the zoo checkpoints with their published box/mask AP', () => {
    const seed = CATALOG['detectron2-mask-rcnn-r50-fpn-3x'];
    assert.equal(seed.url, 'https://dl.fbaipublicfiles.com/detectron2/COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_3x/137849600/model_final_f10217.pkl');
    assert.deepEqual({ ...seed.accuracy }, { boxMap: 0.41, maskMap: 0.372 });
    for (const id of DETECTRON2_IDS) {
      const entry = CATALOG[id];
      assert.ok(entry.kind === 'detectron2');
      assert.match(entry.url, /^https:\/\/dl\.fbaipublicfiles\.com\/detectron2\/COCO-InstanceSegmentation\/mask_rcnn_.*_FPN_[13]x\/\d+\/model_final_[0-9a-f]{6}\.pkl$/);
      assert.equal(entry.onnxFile, `${id}.onnx`);
    }
    assert.deepEqual(
      DETECTRON2_IDS.map((id) => CATALOG[id].accuracy.maskMap),
      [0.372, 0.352, 0.386, 0.395],
    );
  });

  it('gives every ONNX entry a zoo URL ending in its file, a sha256 and the licence', () => {
    for (const id of ONNX_IDS) {
      const entry = onnx(id);
      assert.equal(entry.id, id);
      assert.equal(
        entry.url,
        `https://github.com/onnx/models/raw/main/validated/vision/object_detection_segmentation/mask-rcnn/model/${entry.file}`,
      );
      assert.match(entry.sha256, /^[0-9a-f]{64}$/);
      assert.equal(entry.license, 'Apache-2.0 (ONNX Model Zoo)');
      assert.equal(entry.family, 'maskrcnn');
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
    assert.ok(Object.isFrozen(CATALOG['mask-rcnn-r50-fpn'].accuracy));
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
