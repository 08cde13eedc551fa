// Seed parity: the no-JS index page with its two forms, /detect answering with the annotated
// image, the HTML failure page, and the built browser UI served at / when it exists.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { TMP_PREFIX, imageServer, imageSize, loadTestModels, multipartBody, oracleModelBytes, photo, testApp, testConfig, type TestModels } from './helpers.js';

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
let models: TestModels;
let app: FastifyInstance;
let baseUrl: string;

before(async () => {
  models = await loadTestModels({ oracle: oracleModelBytes() });
  app = await testApp(models);
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
});

after(async () => {
  await app.close();
  await models.close();
});

describe('GET / without a built UI', () => {
  it('serves the server-rendered page with the upload form and the URL form', async () => {
    const response = await fetch(`${baseUrl}/`, { headers: { accept: BROWSER } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    assert.match(html, /<form action="\/detect" method="post" enctype="multipart\/form-data">/);
    assert.match(html, /<input id="file" name="file" type="file"/);
    assert.match(html, /<form action="\/detect" method="get">/);
    assert.match(html, /<input id="url" name="url" type="url"/);
    assert.doesNotMatch(html, /<script/);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  });
});

describe('the demo model', () => {
  it('is announced on the index page and in /api/v1/models', async () => {
    // The real loaded oracle, flagged the way resolveModelSpec flags the embedded demo model.
    const oracle = models.models[0]!;
    const demo = await testApp(models, { models: [{ ...oracle, ref: { ...oracle.ref, isDemo: true } }] });
    try {
      const notice = /^demo model: it only knows \d+ synthetic shapes \(person, bicycle, .*\), not real objects\. For 80 everyday COCO classes run `maskserve models pull detectron2-mask-rcnn-r50-fpn-3x` and restart: it is then served instead$/;
      const page = await demo.inject('/');
      assert.ok(page.body.includes('run `maskserve models pull detectron2-mask-rcnn-r50-fpn-3x` and restart'), page.body);
      const [listed] = (await demo.inject('/api/v1/models')).json().models;
      assert.equal(listed.isDemo, true);
      assert.match(listed.notice, notice);
      // `demo`, the name the CLI and README use, picks it as well as its card id.
      const png = await photo('png');
      const byAlias = await demo.inject({ method: 'POST', url: '/api/v1/segment?model=demo', headers: { 'content-type': 'image/png' }, body: png });
      assert.equal(byAlias.statusCode, 200, byAlias.body);
      assert.deepEqual(byAlias.json().model, { id: listed.id, family: 'maskrcnn', isDemo: true }, 'each result says it came from the demo model');
    } finally {
      await demo.close();
    }
  });
});

describe('/detect (the seed routes)', () => {
  it('POST /detect with a browser form upload answers the annotated PNG', async () => {
    const response = await fetch(`${baseUrl}/detect`, { method: 'POST', body: multipartBody({ bytes: await photo('jpeg') }), headers: { accept: BROWSER } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    const size = await imageSize(new Uint8Array(await response.arrayBuffer()));
    assert.deepEqual([size.format, size.width, size.height], ['png', 64, 48]);
  });

  it('answers JPEG when Accept prefers it', async () => {
    const response = await app.inject({ method: 'POST', url: '/detect', body: multipartBody({ bytes: await photo('png') }), headers: { accept: 'image/jpeg' } });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'image/jpeg');
    assert.equal((await imageSize(response.rawPayload)).format, 'jpeg');
  });

  it('GET /detect?url= fetches the image and answers the annotated PNG', async () => {
    const server = await imageServer(await photo('webp'), 'image/webp');
    try {
      const response = await fetch(`${baseUrl}/detect?url=${encodeURIComponent(`${server.url}/cat.webp`)}`, { headers: { accept: BROWSER } });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'image/png');
      assert.equal(server.connections(), 1);
    } finally {
      await server.close();
    }
  });

  it('failures are HTML pages with the real status and a link back, even for curl', async () => {
    const cases: [RequestInit & { path: string }, number, RegExp][] = [
      [{ path: '/detect' }, 400, /URL/],
      [{ path: '/detect', method: 'POST', body: multipartBody({ bytes: Buffer.from('not an image at all') }) }, 415, /Unsupported image format/],
      [{ path: '/detect', method: 'POST', body: multipartBody(undefined, {}) }, 400, /no file/],
      [{ path: `/detect?url=${encodeURIComponent('ftp://example.com/a.png')}` }, 400, /http/],
      // GET /detect validates its options like every other route, before fetching anything.
      [{ path: `/detect?url=${encodeURIComponent('http://198.51.100.7/a.png')}&threshold=2` }, 400, /between 0 and 1 for threshold/],
      [{ path: `/detect?url=${encodeURIComponent('http://198.51.100.7/a.png')}&treshold=0.2` }, 400, /treshold/],
      [{ path: `/detect?url=${encodeURIComponent('http://198.51.100.7/a.png')}&model=nope` }, 404, /Unknown model/],
    ];
    for (const [{ path, ...init }, status, message] of cases) {
      const response = await fetch(`${baseUrl}${path}`, { ...init, headers: { accept: '*/*' } });
      assert.equal(response.status, status, path);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      const html = await response.text();
      assert.match(html, message);
      assert.match(html, /<a href="\/">/);
    }
  });
});

describe('GET / with a built UI (web/dist)', () => {
  it('serves its index.html and assets; unknown files are 404', async () => {
    const webRoot = await mkdtemp(join(tmpdir(), TMP_PREFIX));
    await mkdir(join(webRoot, 'assets'));
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>vite ui</title><form action="/detect" method="post"></form>');
    await writeFile(join(webRoot, 'assets', 'app-1234.js'), 'console.log("ui")');
    const ui = await testApp(models, { config: testConfig({ webRoot }) });
    try {
      const index = await ui.inject({ url: '/', headers: { accept: BROWSER } });
      assert.equal(index.statusCode, 200);
      assert.match(index.body, /vite ui/);
      assert.match(index.headers['content-type'] as string, /^text\/html/);
      const asset = await ui.inject('/assets/app-1234.js');
      assert.equal(asset.statusCode, 200);
      assert.match(asset.headers['content-type'] as string, /javascript/);
      const missing = await ui.inject('/assets/nope.js');
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'NOT_FOUND');
      // The API keeps working next to the static wildcard.
      assert.equal((await ui.inject('/api/v1/models')).statusCode, 200);
    } finally {
      await ui.close();
      await rm(webRoot, { recursive: true, force: true });
    }
  });
});
