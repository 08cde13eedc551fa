import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cacheStatus, cachedModelPath, isCached, modelCacheDir } from '../../src/models/cache.js';
import type { OnnxCatalogEntry } from '../../src/models/catalog.js';

describe('modelCacheDir', () => {
  it('prefers MASKSERVE_CACHE_DIR, then $XDG_CACHE_HOME/maskserve, then ~/.cache/maskserve', () => {
    assert.equal(modelCacheDir({ MASKSERVE_CACHE_DIR: '/a', XDG_CACHE_HOME: '/b', HOME: '/c' }), '/a');
    assert.equal(modelCacheDir({ XDG_CACHE_HOME: '/b', HOME: '/c' }), '/b/maskserve');
    assert.equal(modelCacheDir({ HOME: '/c' }), '/c/.cache/maskserve');
    assert.equal(modelCacheDir({}), join(homedir(), '.cache', 'maskserve'));
  });

  it('places a model under its catalog file name', () => {
    assert.equal(cachedModelPath({ file: 'MaskRCNN-12.onnx' }, { MASKSERVE_CACHE_DIR: '/m' }), '/m/MaskRCNN-12.onnx');
  });
});

describe('cache state', () => {
  const content = Buffer.from('pretend this is an onnx file');
  let dir: string;
  let env: Record<string, string>;
  const entry = (overrides: Partial<OnnxCatalogEntry> = {}): OnnxCatalogEntry => ({
    kind: 'onnx',
    id: 'tiny',
    url: 'https://example.invalid/tiny.onnx',
    file: 'tiny.onnx',
    bytes: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    license: 'test',
    family: 'maskrcnn',
    accuracy: { boxMap: 0 },
    description: 'test',
    ...overrides,
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maskserve-cache-'));
    env = { MASKSERVE_CACHE_DIR: dir };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is missing when nothing is there, partial when only a .part is', async () => {
    assert.equal((await cacheStatus(entry(), { env })).state, 'missing');
    await writeFile(join(dir, 'tiny.onnx.part'), content.subarray(0, 5));
    assert.deepEqual(await cacheStatus(entry(), { env }), { state: 'partial', path: join(dir, 'tiny.onnx'), bytes: 5 });
    assert.equal(await isCached(entry(), env), false);
    await rm(join(dir, 'tiny.onnx.part'));
  });

  it('verifies a hand-copied file once and records a marker, so later checks do not hash', async () => {
    await writeFile(join(dir, 'tiny.onnx'), content);
    assert.equal((await cacheStatus(entry(), { env, verify: false })).state, 'unverified');
    assert.equal(await isCached(entry(), env), true);
    assert.equal((await readFile(join(dir, 'tiny.onnx.verified'), 'utf8')).trim(), entry().sha256);
    assert.equal((await cacheStatus(entry(), { env, verify: false })).state, 'ready');
  });

  it('is corrupt when the size or the sha256 is wrong', async () => {
    assert.equal((await cacheStatus(entry({ bytes: 3 }), { env })).state, 'corrupt');
    assert.equal((await cacheStatus(entry({ sha256: 'f'.repeat(64) }), { env })).state, 'corrupt');
    assert.equal(await isCached(entry({ sha256: 'f'.repeat(64) }), env), false);
  });
});
