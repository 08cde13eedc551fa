// The JSON API end to end: real oracle model, real worker pool, real decode/render, via inject().
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { OUTPUT_FORMAT_NAMES, OUTPUT_FORMATS } from '../../src/output/formats.js';
import { imageServer, imageSize, loadTestModels, oracleModelBytes, photo, multipartBody, testApp, type TestModels } from './helpers.js';

let models: TestModels;
let app: FastifyInstance;
let png: Buffer;

before(async () => {
  models = await loadTestModels({ oracle: oracleModelBytes(), second: oracleModelBytes() });
  app = await testApp(models);
  png = await photo('png');
});

after(async () => {
  await app.close();
  await models.close();
});

const segment = (query = '', headers: Record<string, string> = {}, body: Buffer = png) =>
  app.inject({ method: 'POST', url: `/api/v1/segment${query}`, headers: { 'content-type': 'image/png', ...headers }, body });

describe('POST /api/v1/segment', () => {
  it('answers every format of the output format table with its media type', async () => {
    for (const format of OUTPUT_FORMAT_NAMES) {
      const { mediaType, kind } = OUTPUT_FORMATS[format];
      const response = await segment(`?format=${format}`);
      assert.equal(response.statusCode, 200, `${format}: ${response.body.slice(0, 200)}`);
      assert.equal((response.headers['content-type'] as string).split(';')[0], mediaType, format);
      if (kind === 'image') assert.equal((await imageSize(response.rawPayload)).format, format, format);
      else assert.ok(Array.isArray(response.json()) === (format === 'coco'), format);
    }
  });

  it('answers a raw image body with the result JSON', async () => {
    const response = await segment();
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /^application\/json/);
    const result = response.json();
    assert.deepEqual(result.model, { id: 'oracle', family: 'maskrcnn', isDemo: false });
    assert.deepEqual(result.image, { width: 64, height: 48 });
    assert.deepEqual(result.instances.map((i: { label: string }) => i.label), ['person', 'dog']);
    assert.deepEqual(result.counts, { person: 1, dog: 1 });
    const first = result.instances[0];
    assert.equal(typeof first.mask.counts, 'string');
    assert.deepEqual(first.mask.size, [48, 64]);
    assert.equal(first.bbox.length, 4);
    assert.ok(result.timings.totalMs >= result.timings.inferenceMs);
  });

  it('accepts application/octet-stream and options in the query string', async () => {
    const response = await segment('?threshold=0.9&maskFormat=polygons', { 'content-type': 'application/octet-stream' });
    assert.equal(response.statusCode, 200);
    const result = response.json();
    assert.deepEqual(result.instances.map((i: { label: string }) => i.label), ['person']);
    assert.equal(result.instances[0].mask, undefined);
    assert.ok(Array.isArray(result.instances[0].polygons));
  });

  it('accepts multipart with option fields', async () => {
    const form = multipartBody({ bytes: await photo('jpeg') }, { classes: 'dog', maskFormat: 'none' });
    const response = await app.inject({ method: 'POST', url: '/api/v1/segment', body: form });
    assert.equal(response.statusCode, 200, response.body);
    const result = response.json();
    assert.deepEqual(result.instances.map((i: { label: string }) => i.label), ['dog']);
    assert.equal(result.instances[0].mask, undefined);
  });

  it('fetches a JSON {"url"} through the fetcher (loopback allowed by the test policy)', async () => {
    const server = await imageServer(png);
    try {
      const response = await app.inject({ method: 'POST', url: '/api/v1/segment', payload: { url: `${server.url}/photo.png`, maxDetections: 1 } });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().instances.length, 1);
    } finally {
      await server.close();
    }
  });

  it('negotiates the annotated image from Accept and ?format=', async () => {
    const cases: [string, Record<string, string>, string][] = [
      ['?format=png', {}, 'png'],
      ['', { accept: 'image/png' }, 'png'],
      ['', { accept: 'image/jpeg' }, 'jpeg'],
      ['?format=webp&boxes=false&opacity=0.3', {}, 'webp'],
      ['?format=jpeg', { accept: 'application/json' }, 'jpeg'],
    ];
    for (const [query, headers, format] of cases) {
      const response = await segment(query, headers);
      assert.equal(response.statusCode, 200, `${query} ${JSON.stringify(headers)}: ${response.body}`);
      assert.equal(response.headers['content-type'], `image/${format}`);
      const size = await imageSize(response.rawPayload);
      assert.deepEqual([size.format, size.width, size.height], [format, 64, 48]);
    }
  });

  it('returns COCO results with ?format=coco', async () => {
    const response = await segment('?format=coco&imageId=7');
    assert.equal(response.statusCode, 200);
    const rows = response.json();
    assert.equal(rows.length, 2);
    assert.deepEqual(rows.map((r: { image_id: number; category_id: number }) => [r.image_id, r.category_id]), [[7, 1], [7, 18]]);
    assert.equal(typeof rows[0].segmentation.counts, 'string');
  });

  it('runs the model named by ?model=', async () => {
    const response = await segment('?model=second');
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().model.id, 'second');
  });
});

describe('GET /api/v1/models', () => {
  it('lists the loaded models, the first as default', async () => {
    const response = await app.inject('/api/v1/models');
    assert.equal(response.statusCode, 200);
    const { models: list } = response.json();
    assert.deepEqual(list.map((m: { id: string; default: boolean }) => [m.id, m.default]), [['oracle', true], ['second', false]]);
    const first = list[0];
    assert.equal(first.family, 'maskrcnn');
    assert.equal(first.state, 'ready');
    assert.equal(first.isDemo, false);
    assert.ok(first.classes.includes('person'));
    // One COCO category id per class: the zoo's 81 labels map to the official ids (person = 1).
    assert.equal(first.categoryIds.length, first.classes.length);
    assert.equal(first.categoryIds[first.classes.indexOf('person')], 1);
    assert.equal(typeof first.input, 'string');
  });
});

describe('sample images for the browser UI', () => {
  it('are listed at /api/v1/samples and served from /samples/:name', async () => {
    const { samples } = (await app.inject('/api/v1/samples')).json();
    assert.ok(samples.length > 0);
    const image = await app.inject(samples[0].url);
    assert.equal(image.statusCode, 200);
    assert.match(image.headers['content-type'] as string, /^image\//);
  });
});

describe('OpenAPI', () => {
  it('serves the spec at /docs/json and Swagger UI at /docs', async () => {
    const spec = (await app.inject('/docs/json')).json();
    assert.ok(spec.openapi.startsWith('3.'));
    const operation = spec.paths['/api/v1/segment'].post;
    assert.ok(operation.requestBody.content['multipart/form-data']);
    assert.ok(operation.requestBody.content['application/json']);
    assert.ok(operation.parameters.some((p: { name: string }) => p.name === 'threshold'));
    assert.ok(spec.paths['/api/v1/models'].get);
    const ui = await app.inject('/docs/');
    assert.equal(ui.statusCode, 200);
    assert.match(ui.headers['content-type'] as string, /text\/html/);
  });
});

describe('probes and metrics', () => {
  it('/healthz and /readyz answer 200 on a ready app', async () => {
    assert.deepEqual((await app.inject('/healthz')).json(), { status: 'ok' });
    const ready = await app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });
  });

  it('/metrics exposes requests by route, latency, queue depth, inference time and load time', async () => {
    await segment();
    await app.inject('/no/such/page');
    const response = await app.inject('/metrics');
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /^text\/plain/);
    const text = response.body;
    assert.match(text, /maskserve_http_requests_total\{method="POST",route="\/api\/v1\/segment",status="200"\} \d+/);
    assert.match(text, /maskserve_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
    assert.match(text, /maskserve_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/api\/v1\/segment"/);
    assert.match(text, /maskserve_inference_queue_depth 0/);
    assert.match(text, /maskserve_admitted_requests 0/);
    assert.match(text, /maskserve_inference_duration_seconds_count\{model="oracle"\} \d+/);
    assert.match(text, /maskserve_model_load_seconds\{model="oracle"\} [\d.e-]+/);
  });

  it('keeps a separate registry per app', async () => {
    const other = await testApp(models);
    try {
      const text = (await other.inject('/metrics')).body;
      assert.doesNotMatch(text, /route="\/api\/v1\/segment"/);
    } finally {
      await other.close();
    }
  });
});
