// Every error status the API can answer, as RFC 9457 problem details for API clients and as an
// HTML page for browsers; each says what was wrong (4xx) or nothing internal (5xx).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { LightMyRequestResponse } from 'fastify';
import { imageServer, loadTestModels, multipartBody, oracleModelBytes, photo, testApp, testConfig, type TestModels } from './helpers.js';

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
let models: TestModels;
let app: FastifyInstance;
let png: Buffer;

before(async () => {
  models = await loadTestModels({ oracle: oracleModelBytes() });
  app = await testApp(models, { config: testConfig({ maxUploadBytes: 64 * 1024 }) });
  png = await photo('png');
});

after(async () => {
  await app.close();
  await models.close();
});

function assertProblem(response: LightMyRequestResponse, status: number, code: string, detail?: RegExp): Record<string, unknown> {
  assert.equal(response.statusCode, status, response.body);
  assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
  const problem = response.json();
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  assert.equal(typeof problem.title, 'string');
  assert.equal(typeof problem.type, 'string');
  assert.equal(typeof problem.instance, 'string');
  if (detail) assert.match(problem.detail, detail);
  return problem;
}

const post = (headers: Record<string, string>, body: string | Buffer | FormData, query = '') =>
  app.inject({ method: 'POST', url: `/api/v1/segment${query}`, headers, body });

describe('4xx problems say what was wrong', () => {
  it('400 INVALID_OPTION for a bad option in the query, with the same wording as in a form or JSON', async () => {
    const response = await post({ 'content-type': 'image/png' }, png, '?threshold=abc');
    assertProblem(response, 400, 'INVALID_OPTION', /^Expected a number between 0 and 1 for threshold but received "abc"$/);
    const format = await post({ 'content-type': 'image/png' }, png, '?format=gif');
    assertProblem(format, 400, 'INVALID_OPTION', /^Expected one of json, coco, png, jpeg, webp for format but received "gif"$/);
    const jsonOption = await post({ 'content-type': 'application/json' }, JSON.stringify({ url: 'http://127.0.0.1:9/a.png', maxDetections: 0 }));
    assertProblem(jsonOption, 400, 'INVALID_OPTION', /^Expected an integer between 1 and 1000 for maxDetections but received 0$/);
    // The request's shape (not an option) is still the schema's: INVALID_REQUEST.
    const json = await post({ 'content-type': 'application/json' }, JSON.stringify({ url: 5 }));
    assertProblem(json, 400, 'INVALID_REQUEST', /^Invalid body: url must be string$/);
  });

  it('400 for a class the model does not know, before the image is decoded or its URL fetched', async () => {
    const unknownClass = /^Expected class names from this model \(.*\) for classes but received "unicorn"$/;
    // Decoded first, this body would be a 422 CORRUPT_IMAGE (and a real image a full inference).
    assertProblem(await post({ 'content-type': 'image/png' }, Buffer.from('not an image'), '?classes=unicorn'), 400, 'INVALID_OPTION', unknownClass);
    const server = await imageServer(png);
    try {
      const response = await post({ 'content-type': 'application/json' }, JSON.stringify({ url: `${server.url}/a.png`, classes: ['unicorn'] }));
      assertProblem(response, 400, 'INVALID_OPTION', unknownClass);
      assert.equal(server.connections(), 0, 'the URL was fetched for a request that could not run');
    } finally {
      await server.close();
    }
    const seed = await app.inject({ method: 'GET', url: `/detect?url=${encodeURIComponent('http://127.0.0.1:9/a.png')}&classes=unicorn`, headers: { accept: BROWSER } });
    assert.equal(seed.statusCode, 400);
    assert.match(seed.body, /unicorn/);
  });

  it('400 INVALID_OPTION for a bad multipart option, naming it', async () => {
    const response = await post({}, multipartBody({ bytes: png }, { threshold: '2' }));
    assertProblem(response, 400, 'INVALID_OPTION', /Expected a number between 0 and 1 for threshold but received "2"/);
  });

  it('400 for an unknown option, listing the valid ones', async () => {
    const response = await post({}, multipartBody({ bytes: png }, { treshold: '0.2' }));
    assertProblem(response, 400, 'INVALID_OPTION', /"treshold".*valid options: threshold/);
  });

  it('400 for a JSON url of 10 MB, refused by its length at once (it was a 500)', async () => {
    const app2 = await testApp(models, { config: testConfig({ maxUploadBytes: 16 * 1024 * 1024 }) });
    try {
      const response = await app2.inject({ method: 'POST', url: '/api/v1/segment', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `http://a/${'x'.repeat(10 << 20)}` }) });
      const notUrl = await app2.inject({ method: 'POST', url: '/api/v1/segment', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'not a url' }) });
      assertProblem(notUrl, 400, 'INVALID_REQUEST', /not a valid absolute URL/);
      assertProblem(response, 400, 'INVALID_REQUEST', /url must not have more than 8192 characters/);
    } finally {
      await app2.close();
    }
  });

  it('400 for a missing image, an empty body, bad JSON and a file in the wrong field', async () => {
    assertProblem(await app.inject({ method: 'POST', url: '/api/v1/segment' }), 400, 'INVALID_REQUEST', /No image in the request/);
    assertProblem(await post({ 'content-type': 'image/png' }, Buffer.alloc(0)), 400, 'EMPTY_INPUT', /empty/);
    assertProblem(await post({ 'content-type': 'application/json' }, '{"url":'), 400, 'INVALID_REQUEST');
    assertProblem(await post({ 'content-type': 'application/json' }, '{}'), 400, 'INVALID_REQUEST', /url/);
    assertProblem(await post({}, multipartBody({ name: 'image', bytes: png })), 400, 'INVALID_REQUEST', /field "file"/);
    assertProblem(await post({}, multipartBody(undefined, { threshold: '0.5' })), 400, 'INVALID_REQUEST', /no file/);
  });

  it('406 NOT_ACCEPTABLE for an Accept the API cannot answer (before any work), unless ?format= chooses', async () => {
    assertProblem(await post({ 'content-type': 'image/png', accept: 'application/xml' }, png), 406, 'NOT_ACCEPTABLE', /application\/xml.*offers application\/json, image\/png/);
    const chosen = await post({ 'content-type': 'image/png', accept: 'application/xml' }, png, '?format=json');
    assert.equal(chosen.statusCode, 200, chosen.body);
    const anything = await post({ 'content-type': 'image/png', accept: 'application/xml, */*;q=0.1' }, png);
    assert.equal(anything.statusCode, 200);
  });

  it('404 UNKNOWN_MODEL for a catalog model says how to serve it, and echoes at most 100 characters', async () => {
    assertProblem(
      await post({ 'content-type': 'image/png' }, png, '?model=detectron2-mask-rcnn-r50-fpn-3x'),
      404,
      'UNKNOWN_MODEL',
      /catalog model this server did not load \(`maskserve models pull detectron2-mask-rcnn-r50-fpn-3x`, then start the server with `--model oracle,detectron2-mask-rcnn-r50-fpn-3x`\)/,
    );
    assertProblem(await post({ 'content-type': 'image/png' }, png, '?model=detectron2-mask-rcnn-r50-fpn-3x-int8'), 404, 'UNKNOWN_MODEL', /models pull detectron2-mask-rcnn-r50-fpn-3x --int8 --calibrate DIR/);
    const long = assertProblem(await post({ 'content-type': 'image/png' }, png, `?model=${'x'.repeat(5000)}`), 404, 'UNKNOWN_MODEL');
    assert.ok(String(long.detail).length < 200, String(long.detail).length.toString());
  });

  it('404 UNKNOWN_MODEL lists the loaded model ids', async () => {
    const problem = assertProblem(await post({ 'content-type': 'image/png' }, png, '?model=nope'), 404, 'UNKNOWN_MODEL', /"nope".*oracle/);
    assert.deepEqual(problem.models, ['oracle']);
  });

  it('404 NOT_FOUND for unknown routes', async () => {
    assertProblem(await app.inject('/api/v2/segment'), 404, 'NOT_FOUND', /GET \/api\/v2\/segment/);
  });

  it('413 PAYLOAD_TOO_LARGE for raw bodies and multipart files over the limit', async () => {
    const big = Buffer.alloc(65 * 1024, 1);
    assertProblem(await post({ 'content-type': 'image/png' }, big), 413, 'PAYLOAD_TOO_LARGE', /64 KiB/);
    assertProblem(await post({}, multipartBody({ bytes: big })), 413, 'PAYLOAD_TOO_LARGE', /64 KiB/);
  });

  it('400 for more than one file in a form (a malformed request, not a large one)', async () => {
    const form = multipartBody({ bytes: png });
    form.append('file', new Blob([png], { type: 'image/png' }), 'again.png');
    assertProblem(await post({}, form), 400, 'INVALID_REQUEST', /exactly one file/);
  });

  it('multipart field limits are explicit: too many fields is 413, an over-long field is 400', async () => {
    const many = multipartBody({ bytes: png }, Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}`, '1'])));
    assertProblem(await post({}, many), 413, 'PAYLOAD_TOO_LARGE', /too many fields/);
    const long = multipartBody({ bytes: png }, { classes: 'x'.repeat(5000) });
    assertProblem(await post({}, long), 400, 'INVALID_REQUEST', /"classes" is too long/);
  });

  it('415 for an unsupported Content-Type and for bytes that are not an image', async () => {
    assertProblem(await post({ 'content-type': 'text/plain' }, 'hello'), 415, 'UNSUPPORTED_FORMAT', /Content-Type/);
    assertProblem(await post({ 'content-type': 'image/png' }, Buffer.from('definitely not an image')), 415, 'UNSUPPORTED_FORMAT');
  });

  it('422 CORRUPT_IMAGE for a truncated image', async () => {
    const jpeg = await photo('jpeg', 256, 256);
    assertProblem(await post({ 'content-type': 'image/jpeg' }, jpeg.subarray(0, jpeg.length >> 1)), 422, 'CORRUPT_IMAGE');
  });
});

describe('HTML for browsers, JSON for API clients', () => {
  it('a browser gets an HTML error page with the status, message and a link back', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/segment?model=nope', headers: { accept: BROWSER, 'content-type': 'image/png' }, body: png });
    assert.equal(response.statusCode, 404);
    assert.match(response.headers['content-type'] as string, /^text\/html/);
    assert.match(response.body, /Unknown model/);
    assert.match(response.body, /&quot;nope&quot;/);
    assert.match(response.body, /<a href="\/">/);
  });

  it('escapes user input in the HTML page', async () => {
    const url = `/api/v1/segment?model=${encodeURIComponent('<script>alert(1)</script>')}`;
    const response = await app.inject({ method: 'POST', url, headers: { accept: BROWSER, 'content-type': 'image/png' }, body: png });
    assert.equal(response.statusCode, 404);
    assert.doesNotMatch(response.body, /<script>/);
    assert.match(response.body, /&lt;script&gt;/);
  });
});

describe('5xx problems never leak internals', () => {
  it('an unexpected exception becomes a generic 500', async () => {
    const local = await testApp(models);
    local.get('/boom', async () => {
      throw new Error('connection string postgres://admin:hunter2@db/internal');
    });
    try {
      const response = await local.inject('/boom');
      const problem = assertProblem(response, 500, 'INTERNAL', /internal error/i);
      assert.doesNotMatch(response.body, /hunter2|postgres|at .*\.ts/);
      assert.equal(problem.stack, undefined);
    } finally {
      await local.close();
    }
  });
});

describe('rate limit', () => {
  it('429 RATE_LIMITED with Retry-After past the per-minute limit; probes are exempt', async () => {
    const limited = await testApp(models, { config: testConfig({ rateLimitPerMinute: 2 }) });
    try {
      for (let i = 0; i < 2; i++) assert.equal((await limited.inject('/api/v1/models')).statusCode, 200);
      const response = await limited.inject('/api/v1/models');
      assertProblem(response, 429, 'RATE_LIMITED', /2 requests per minute/);
      assert.ok(Number(response.headers['retry-after']) >= 1);
      for (let i = 0; i < 3; i++) assert.equal((await limited.inject('/healthz')).statusCode, 200);
    } finally {
      await limited.close();
    }
  });
});
