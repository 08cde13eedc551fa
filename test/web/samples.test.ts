// GET /api/v1/samples and /samples/:name: the list, the files, and no way out of the folder.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { MaskserveError } from '../../src/errors.js';
import { DEFAULT_SAMPLES_DIR, listSamples, samplePath, samplesRoutes } from '../../src/server/routes/samples.js';

let dir: string;
let app: FastifyInstance;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskserve-samples-test-'));
  for (let i = 0; i < 15; i++) await writeFile(join(dir, `img_${String(i).padStart(2, '0')}.jpg`), `jpeg ${i}`);
  await writeFile(join(dir, 'notes.txt'), 'not an image');
  await writeFile(join(dir, '.hidden.png'), 'hidden');
  await mkdir(join(dir, 'nested.png'));
  await writeFile(join(tmpdir(), 'maskserve-outside.png'), 'outside');
  app = Fastify();
  // The coded errors map to their statuses here as the app's error plugin does.
  app.setErrorHandler((error, _request, reply) => reply.code(error instanceof MaskserveError ? error.status : 500).send({ code: (error as MaskserveError).code }));
  await app.register(samplesRoutes, { dir, limit: 12 });
});

after(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
  await rm(join(tmpdir(), 'maskserve-outside.png'), { force: true });
});

describe('GET /api/v1/samples', () => {
  it('lists the first dozen image names with their URLs', async () => {
    const response = await app.inject({ url: '/api/v1/samples' });
    assert.equal(response.statusCode, 200);
    const { samples } = response.json() as { samples: { name: string; url: string }[] };
    assert.equal(samples.length, 12);
    assert.deepEqual(samples[0], { name: 'img_00.jpg', url: '/samples/img_00.jpg' });
    assert.ok(samples.every((sample) => /^img_\d\d\.jpg$/.test(sample.name)));
  });

  it('offers the held-out shapes images by default, and nothing when the folder is missing', async () => {
    const defaults = await listSamples(DEFAULT_SAMPLES_DIR);
    assert.equal(defaults.length, 12);
    assert.ok(defaults.every((sample) => sample.name.startsWith('shapes_')));
    assert.deepEqual(await listSamples(join(dir, 'absent')), []);
  });
});

describe('GET /samples/:name', () => {
  it('serves a sample with its media type', async () => {
    const response = await app.inject({ url: '/samples/img_03.jpg' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'image/jpeg');
    assert.equal(response.body, 'jpeg 3');
  });

  it('rejects names that could leave the folder or are not images', async () => {
    for (const name of ['..%2Fmaskserve-outside.png', '..%2F..%2Fetc%2Fpasswd', 'notes.txt', '.hidden.png', '%2E%2E.png', 'a%5Cb.png', 'img_03.jpg%00.png']) {
      const response = await app.inject({ url: `/samples/${name}` });
      assert.ok([400, 404].includes(response.statusCode), `${name}: ${response.statusCode}`);
      assert.notEqual(response.body, 'outside');
    }
  });

  it('answers 404 for a valid name that is not there (or is a folder)', async () => {
    assert.equal((await app.inject({ url: '/samples/missing.png' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/samples/nested.png' })).statusCode, 404);
  });

  it('samplePath never resolves outside the folder', () => {
    assert.equal(samplePath(dir, 'img_01.jpg'), join(dir, 'img_01.jpg'));
    assert.throws(() => samplePath(dir, '../x.png'), { code: 'INVALID_REQUEST' });
    assert.throws(() => samplePath(dir, '..'), { code: 'INVALID_REQUEST' });
  });
});
