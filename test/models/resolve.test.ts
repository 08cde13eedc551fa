import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MaskserveError } from '../../src/errors.js';
import { CATALOG, type OnnxCatalogEntry } from '../../src/models/catalog.js';
import { DEMO_MODEL_PATH, resolveModelSpec } from '../../src/models/resolve.js';

/** A sparse file of the catalog size plus its verification marker: "downloaded" without 178 MB. */
async function fakeDownload(dir: string, id: string): Promise<string> {
  const entry = CATALOG[id] as OnnxCatalogEntry;
  const path = join(dir, entry.file);
  const handle = await open(path, 'w');
  await handle.truncate(entry.bytes);
  await handle.close();
  await writeFile(`${path}.verified`, entry.sha256);
  return path;
}

function hasCode(code: string, pattern?: RegExp) {
  return (error: unknown) => error instanceof MaskserveError && error.code === code && (!pattern || pattern.test(error.message));
}

const demoExists = await stat(DEMO_MODEL_PATH).then(
  () => true,
  () => false,
);

describe('resolveModelSpec', () => {
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maskserve-resolve-'));
  });
  beforeEach(async () => {
    await rm(join(dir, 'cache'), { recursive: true, force: true });
    env = { MASKSERVE_CACHE_DIR: join(dir, 'cache') };
    await mkdir(env.MASKSERVE_CACHE_DIR, { recursive: true });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('points DEMO_MODEL_PATH at models/demo in the repository', () => {
    assert.equal(DEMO_MODEL_PATH, resolve('models/demo/shapes-maskrcnn.onnx'));
  });

  it('resolves a catalog id to its verified cached file', async () => {
    const path = await fakeDownload(env.MASKSERVE_CACHE_DIR, 'mask-rcnn-r50-fpn-int8');
    assert.deepEqual(await resolveModelSpec('mask-rcnn-r50-fpn-int8', env), { id: 'mask-rcnn-r50-fpn-int8', path, isDemo: false });
  });

  it('tells the user to pull a catalog model that is not downloaded', async () => {
    await assert.rejects(
      resolveModelSpec('mask-rcnn-r50-fpn', env),
      hasCode('MODEL_NOT_AVAILABLE', /Model mask-rcnn-r50-fpn is not downloaded yet: run `maskserve models pull mask-rcnn-r50-fpn`/),
    );
  });

  it('says a partial download can be resumed', async () => {
    await writeFile(join(env.MASKSERVE_CACHE_DIR, 'MaskRCNN-12.onnx.part'), 'abc');
    await assert.rejects(resolveModelSpec('mask-rcnn-r50-fpn', env), hasCode('MODEL_NOT_AVAILABLE', /resume/));
  });

  it('by default prefers the fp32 R50-FPN, then other downloaded catalog models', async () => {
    await fakeDownload(env.MASKSERVE_CACHE_DIR, 'mask-rcnn-r50-fpn-int8');
    assert.equal((await resolveModelSpec(undefined, env)).id, 'mask-rcnn-r50-fpn-int8');
    await fakeDownload(env.MASKSERVE_CACHE_DIR, 'mask-rcnn-r50-fpn');
    assert.equal((await resolveModelSpec('default', env)).id, 'mask-rcnn-r50-fpn');
  });

  it('by default follows MASKSERVE_MODEL', async () => {
    const file = join(dir, 'custom-model.onnx');
    await writeFile(file, 'x');
    assert.deepEqual(await resolveModelSpec(undefined, { ...env, MASKSERVE_MODEL: file }), { id: 'custom-model', path: file, isDemo: false });
  });

  it('by default falls back to the demo model when nothing is downloaded', async () => {
    const attempt = resolveModelSpec(undefined, env);
    if (demoExists) assert.deepEqual(await attempt, { id: 'demo', path: DEMO_MODEL_PATH, isDemo: true });
    else await assert.rejects(attempt, hasCode('MODEL_NOT_AVAILABLE', /demo model is missing/));
  });

  it('resolves "demo" to the demo model', async () => {
    const attempt = resolveModelSpec('demo', env);
    if (demoExists) assert.equal((await attempt).isDemo, true);
    else await assert.rejects(attempt, hasCode('MODEL_NOT_AVAILABLE'));
  });

  it('accepts the path of an existing file, relative or absolute, with the stem as id', async () => {
    const file = join(dir, 'my.model.onnx');
    await writeFile(file, 'x');
    assert.deepEqual(await resolveModelSpec(file, env), { id: 'my.model', path: file, isDemo: false });
  });

  it('rejects anything else with UNKNOWN_MODEL listing the ids and saying paths must exist', async () => {
    await assert.rejects(resolveModelSpec('nope.onnx', env), (error: unknown) => {
      assert.ok(hasCode('UNKNOWN_MODEL')(error));
      const message = (error as Error).message;
      assert.ok(Object.keys(CATALOG).every((id) => message.includes(id)));
      assert.match(message, /existing \.onnx file/);
      return true;
    });
    await assert.rejects(resolveModelSpec(dir, env), hasCode('UNKNOWN_MODEL'));
  });
});
