// The detectron2 config reader: _BASE_ chains, detectron2's defaults, and a clear refusal naming
// the key for every architecture the converter cannot build.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadDetectron2Config, settingsFromTree } from '../../src/convert/detectron2/config.js';
import { zooConfig } from '../../src/convert/detectron2/zoo.js';
import { MaskserveError } from '../../src/errors.js';

/** detectron2's Base-RCNN-FPN.yaml, as the reference tool writes it beside its configs. */
const BASE_YAML = fileURLToPath(new URL('../../tools/detectron2-reference/Base-RCNN-FPN.yaml', import.meta.url));

describe('loadDetectron2Config', () => {
  let dir: string;
  const write = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maskserve-d2cfg-'));
    await mkdir(join(dir, 'configs'));
    await write('configs/Base-RCNN-FPN.yaml', await readFile(BASE_YAML, 'utf8'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('resolves _BASE_ relative to the yaml and fills in detectron2 defaults', async () => {
    const path = await write('configs/mine.yaml', '_BASE_: "Base-RCNN-FPN.yaml"\nMODEL:\n  MASK_ON: True\n  RESNETS:\n    DEPTH: 101\n  ROI_HEADS:\n    NUM_CLASSES: 3\nINPUT:\n  FORMAT: RGB\n');
    const { settings, files, digest } = await loadDetectron2Config(path);
    assert.equal(files.length, 2);
    assert.match(digest, /^[0-9a-f]{64}$/);
    assert.equal(settings.resnet.depth, 101);
    assert.equal(settings.roiHeads.numClasses, 3);
    assert.equal(settings.input.format, 'RGB');
    // defaults: detectron2/config/defaults.py
    assert.deepEqual(settings.pixelMean, [103.53, 116.28, 123.675]);
    assert.equal(settings.input.minSize, 800);
    assert.equal(settings.roiHeads.scoreThreshold, 0.05);
    assert.deepEqual(settings.boxHead.weights, [10, 10, 5, 5]);
    assert.equal(settings.rpn.preNmsTopK, 1000);
  });

  it('matches the model zoo settings built in code for the catalog', async () => {
    const path = await write('configs/r50.yaml', '_BASE_: "Base-RCNN-FPN.yaml"\nMODEL:\n  MASK_ON: True\n  RESNETS:\n    DEPTH: 50\n');
    assert.deepEqual((await loadDetectron2Config(path)).settings, zooConfig('R-50', 'zoo').settings);
  });

  const refusals: [string, string, RegExp][] = [
    ['cascade', 'MODEL:\n  MASK_ON: True\n  ROI_HEADS:\n    NAME: CascadeROIHeads\n', /MODEL\.ROI_HEADS\.NAME = "CascadeROIHeads"/],
    ['c4', 'MODEL:\n  MASK_ON: True\n  BACKBONE:\n    NAME: build_resnet_backbone\n', /MODEL\.BACKBONE\.NAME = "build_resnet_backbone"/],
    ['dc5', 'MODEL:\n  MASK_ON: True\n  RESNETS:\n    RES5_DILATION: 2\n', /RES5_DILATION = 2/],
    ['keypoints', 'MODEL:\n  MASK_ON: True\n  KEYPOINT_ON: True\n', /KEYPOINT_ON = true: keypoint heads are not supported/],
    ['rotated', 'MODEL:\n  MASK_ON: True\n  PROPOSAL_GENERATOR:\n    NAME: RRPN\n', /PROPOSAL_GENERATOR\.NAME = "RRPN"/],
    ['panoptic', 'MODEL:\n  MASK_ON: True\n  META_ARCHITECTURE: PanopticFPN\n', /META_ARCHITECTURE = "PanopticFPN"/],
    ['boxes only', 'MODEL:\n  MASK_ON: False\n', /MASK_ON = false/],
    ['group norm', 'MODEL:\n  MASK_ON: True\n  RESNETS:\n    NORM: GN\n', /RESNETS\.NORM = "GN"/],
    ['resnet-18', 'MODEL:\n  MASK_ON: True\n  RESNETS:\n    DEPTH: 18\n', /DEPTH = 18/],
  ];
  for (const [name, body, pattern] of refusals) {
    it(`refuses ${name}, naming the key and value`, async () => {
      const path = await write(`configs/${name.replace(/ /g, '-')}.yaml`, `_BASE_: "Base-RCNN-FPN.yaml"\n${body}`);
      await assert.rejects(loadDetectron2Config(path), (error: unknown) => error instanceof MaskserveError && error.code === 'MODEL_FORMAT' && pattern.test(error.message));
    });
  }

  it('refuses LazyConfig .py files, missing files, non-YAML and configs that are not detectron2', async () => {
    await assert.rejects(loadDetectron2Config(await write('lazy.py', 'model = 1\n')), /LazyConfig \(\.py\) files are not supported/);
    await assert.rejects(loadDetectron2Config(join(dir, 'missing.yaml')), /no such config file/);
    await assert.rejects(loadDetectron2Config(await write('bad.yaml', 'MODEL: [unclosed\n')), /not valid YAML/);
    await assert.rejects(loadDetectron2Config(await write('other.yaml', 'services:\n  web: {}\n')), /not a detectron2 config \(no MODEL section\)/);
    await assert.rejects(loadDetectron2Config(await write('loop.yaml', '_BASE_: "loop.yaml"\n')), /_BASE_ chain loops/);
  });

  it('reads settings from a tree built in code', () => {
    assert.throws(() => settingsFromTree({ MODEL: { MASK_ON: true } }), /build_resnet_backbone/);
  });
});
