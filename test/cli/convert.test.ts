// `maskserve models convert` as a subprocess: bad checkpoints and configs end with exit 3 and a
// one-line reason, usage mistakes with exit 2, and nothing is left in the output directory.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { maskserve } from './helpers.js';

const CONFIG = `MODEL:
  META_ARCHITECTURE: GeneralizedRCNN
  MASK_ON: True
  BACKBONE:
    NAME: build_resnet_fpn_backbone
  RESNETS:
    OUT_FEATURES: [res2, res3, res4, res5]
  FPN:
    IN_FEATURES: [res2, res3, res4, res5]
  ANCHOR_GENERATOR:
    SIZES: [[32], [64], [128], [256], [512]]
  RPN:
    IN_FEATURES: [p2, p3, p4, p5, p6]
  ROI_HEADS:
    NAME: StandardROIHeads
    IN_FEATURES: [p2, p3, p4, p5]
  ROI_BOX_HEAD:
    NAME: FastRCNNConvFCHead
    NUM_FC: 2
    POOLER_RESOLUTION: 7
  ROI_MASK_HEAD:
    NUM_CONV: 4
`;

describe('maskserve models convert', { concurrency: 3 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maskserve-convert-cli-'));
    await writeFile(join(dir, 'config.yaml'), CONFIG);
    await writeFile(join(dir, 'cascade.yaml'), CONFIG.replace('StandardROIHeads', 'CascadeROIHeads'));
    await writeFile(join(dir, 'notes.txt'), 'not a checkpoint at all\n');
    // A pickle that stops half-way through its first string.
    await writeFile(join(dir, 'truncated.pkl'), Buffer.from([0x80, 0x02, 0x7d, 0x8c, 0x05, 0x6d, 0x6f]));
    // A zip archive without torch's data.pkl.
    await writeFile(join(dir, 'broken.pth'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const convert = (checkpoint: string, ...extra: string[]) =>
    maskserve(['models', 'convert', join(dir, checkpoint), '--out', join(dir, 'model.onnx'), ...extra]);

  async function assertNothingWritten(): Promise<void> {
    const left = (await readdir(dir)).filter((name) => name.includes('model') || name.endsWith('.tmp'));
    assert.deepEqual(left, []);
  }

  for (const [file, pattern] of [
    ['notes.txt', /notes\.txt is not a readable detectron2 checkpoint: it is neither a pickle/],
    ['truncated.pkl', /truncated\.pkl is not a readable detectron2 checkpoint: pickle truncated/],
    ['broken.pth', /broken\.pth is not a readable detectron2 checkpoint: damaged zip archive/],
  ] as const) {
    it(`exits 3 for ${file} and writes nothing`, async () => {
      const result = await convert(file, '--config', join(dir, 'config.yaml'));
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, pattern);
      assert.equal(result.text, '');
      await assertNothingWritten();
    });
  }

  it('exits 3 naming the key for an unsupported config, before reading the checkpoint', async () => {
    const result = await convert('notes.txt', '--config', join(dir, 'cascade.yaml'));
    assert.equal(result.code, 3);
    assert.match(result.stderr, /MODEL\.ROI_HEADS\.NAME = "CascadeROIHeads": maskserve converts StandardROIHeads/);
    await assertNothingWritten();
  });

  it('exits 2 without --config', async () => {
    const missing = await maskserve(['models', 'convert', join(dir, 'notes.txt')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /required option '--config <yaml>' not specified/);
  });

  it('documents the safety of untrusted checkpoints in --help', async () => {
    const help = await maskserve(['models', 'convert', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.text, /cannot run code/);
    assert.match(help.text, /Exit codes:/);
  });
});
