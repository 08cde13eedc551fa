// A detectron2 model zoo entry pulled from a loopback mirror (converted in the cache, pinned by
// trust on first use, then the default model), and real checkpoints that do not fit their config.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveModelSpec } from '../src/models/resolve.js';
import { maskserve } from '../test/cli/helpers.js';
import { makeReferenceModel, PHOTOS_DIR, type ReferenceModel } from './helpers.js';

const ID = 'detectron2-mask-rcnn-r50-fpn-3x';

describe('detectron2 zoo pull and bad checkpoints', () => {
  let dir: string;
  let model: ReferenceModel;
  let served: Buffer;
  let server: Server;
  let mirror: string;
  const requests: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maskserve-d2-pull-'));
    // Same architecture as the zoo's R50-FPN 3x (80 classes, Base-RCNN-FPN), random weights.
    model = await makeReferenceModel(dir, { arch: 'r50', seed: 5 });
    served = await readFile(model.pkl);
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url !== `/${ID}.pkl`) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': served.length }).end(served);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('pulls, converts in the cache, records the sha256, and becomes the default model', async () => {
    const cacheDir = join(dir, 'cache');
    const pulled = await maskserve(['models', 'pull', ID], { cacheDir, env: { MASKSERVE_MODEL_MIRROR: mirror } });
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(pulled.text.trim(), join(cacheDir, `${ID}.onnx`));
    assert.match(pulled.stderr, /converting .* to ONNX/);
    assert.deepEqual((await readdir(cacheDir)).sort(), [`${ID}.json`, `${ID}.onnx`]);
    const card = JSON.parse(await readFile(join(cacheDir, `${ID}.json`), 'utf8'));
    assert.equal(card.id, ID);
    assert.equal(card.source.checkpoint, 'model_final_f10217.pkl');
    assert.equal(card.source.checkpointSha256, createHash('sha256').update(served).digest('hex'));
    assert.deepEqual(card.accuracy, { boxMap: 0.41, maskMap: 0.372 });

    const listed = JSON.parse((await maskserve(['models', 'list', '--json'], { cacheDir })).text) as { id: string; state: string; sha256: string | null }[];
    const row = listed.find((r) => r.id === ID);
    assert.equal(row?.state, 'ready');
    assert.equal(row?.sha256, card.source.checkpointSha256);
    const resolved = await resolveModelSpec(undefined, { MASKSERVE_CACHE_DIR: cacheDir });
    assert.equal(resolved.id, ID);

    // A second pull is a no-op.
    const count = requests.length;
    assert.equal((await maskserve(['models', 'pull', ID], { cacheDir, env: { MASKSERVE_MODEL_MIRROR: mirror } })).code, 0);
    assert.equal(requests.length, count);

    // Trust on first use: a later download with other bytes is refused and nothing is kept.
    await rm(join(cacheDir, `${ID}.onnx`));
    const original = served;
    served = Buffer.concat([original.subarray(0, original.length - 1), Buffer.from([original[original.length - 1] ^ 1])]);
    try {
      const refused = await maskserve(['models', 'pull', ID], { cacheDir, env: { MASKSERVE_MODEL_MIRROR: mirror } });
      assert.equal(refused.code, 3);
      assert.match(refused.stderr, /has sha256 [0-9a-f]{64} but its first download recorded [0-9a-f]{64}/);
      assert.deepEqual(await readdir(cacheDir), [`${ID}.json`]);
    } finally {
      served = original;
    }
  });

  it('pull --int8 converts, then quantizes on the given images into <ID>-int8', async () => {
    const cacheDir = join(dir, 'cache-int8');
    const calibration = join(dir, 'calibration');
    await mkdir(calibration);
    for (const [i, name] of ['kite.jpg', 'dog.jpg', 'horses.jpg', 'eagle.jpg'].entries()) await copyFile(join(PHOTOS_DIR, name), join(calibration, `${i}.jpg`));
    const before = await maskserve(['predict', join(PHOTOS_DIR, 'kite.jpg'), '--model', `${ID}-int8`], { cacheDir });
    assert.equal(before.code, 3);
    assert.match(before.stderr, new RegExp(`run \`maskserve models pull ${ID} --int8 --calibrate DIR\``));

    const pulled = await maskserve(['models', 'pull', ID, '--int8', '--calibrate', calibration], { cacheDir, env: { MASKSERVE_MODEL_MIRROR: mirror } });
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(pulled.text.trim(), join(cacheDir, `${ID}-int8.onnx`));
    assert.match(pulled.stderr, /calibrate 4\/4/);
    assert.deepEqual((await readdir(cacheDir)).sort(), [`${ID}-int8.json`, `${ID}-int8.onnx`, `${ID}.json`, `${ID}.onnx`]);
    const card = JSON.parse(await readFile(join(cacheDir, `${ID}-int8.json`), 'utf8'));
    assert.equal(card.id, `${ID}-int8`);
    assert.equal(card.quantization.calibrationImages, 4);
    assert.equal(card.source.checkpointSha256, createHash('sha256').update(served).digest('hex'), 'the provenance of the fp32 model is kept');

    const predicted = await maskserve(['predict', join(PHOTOS_DIR, 'kite.jpg'), '--model', `${ID}-int8`, '--format', 'json'], { cacheDir });
    assert.equal(predicted.code, 0, predicted.stderr);
    assert.equal(JSON.parse(predicted.text).model.id, `${ID}-int8`);
  });

  const convert = (checkpoint: string, config: string, ...extra: string[]) =>
    maskserve(['models', 'convert', checkpoint, '--config', config, '--out', join(dir, 'bad.onnx'), ...extra]);

  async function assertNothingWritten(): Promise<void> {
    assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith('bad') || name.includes('.tmp')), []);
  }

  it('refuses a config of another depth (missing tensors), with exit 3', async () => {
    const r101 = join(dir, 'r101.yaml');
    await writeFile(r101, (await readFile(model.dumpedConfig, 'utf8')).replace('DEPTH: 50', 'DEPTH: 101'));
    const result = await convert(model.pth, r101);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /the checkpoint has no "backbone\.bottom_up\.res4\.6\.conv1\.weight" \(does the config match the checkpoint\?\)/);
    await assertNothingWritten();
  });

  /** The zoo-style yaml (beside its _BASE_) with `edit` applied. */
  async function variant(name: string, edit: (yaml: string) => string): Promise<string> {
    const path = join(model.dir, name);
    await writeFile(path, edit(await readFile(model.baseConfig, 'utf8')));
    return path;
  }

  it('refuses a class count that disagrees with the checkpoint', async () => {
    const classes = await variant('classes.yaml', (yaml) => yaml.replace('NUM_CLASSES: 80', 'NUM_CLASSES: 81'));
    const result = await convert(model.pkl, classes);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /the checkpoint has 80 classes but the config says MODEL\.ROI_HEADS\.NUM_CLASSES = 81/);
    const names = await convert(model.pkl, model.dumpedConfig, '--classes', 'cat,dog,bird');
    assert.equal(names.code, 2);
    assert.match(names.stderr, /Expected 80 class names for --classes \(the model has 80 classes\) but received 3/);
    await assertNothingWritten();
  });

  it('refuses tensor shapes that disagree with the config (FPN width)', async () => {
    const narrow = await variant('narrow.yaml', (yaml) => yaml.replace('MODEL:\n', 'MODEL:\n  FPN:\n    OUT_CHANNELS: 128\n'));
    const result = await convert(model.pth, narrow);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /"backbone\.fpn_lateral5\.weight" has shape \[256, 2048, 1, 1\] but the config implies \[128, 2048, 1, 1\]/);
    await assertNothingWritten();
  });

  it('refuses a truncated .pth', async () => {
    const bytes = await readFile(model.pth);
    const truncated = join(dir, 'truncated.pth');
    await writeFile(truncated, bytes.subarray(0, bytes.length >> 1));
    const result = await convert(truncated, model.dumpedConfig);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /truncated\.pth is not a readable detectron2 checkpoint: damaged zip archive/);
    await rm(truncated);
    await assertNothingWritten();
  });
});
