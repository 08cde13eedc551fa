// SSRF: with the DEFAULT fetch policy (what production runs), URLs pointing at loopback, link-local
// metadata or private addresses are refused with one generic 422 — and a canary listening on
// loopback proves no connection was ever attempted. Non-loopback targets are refused before any
// connection, so nothing outside this machine is contacted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { canary, loadTestModels, oracleModelBytes, testConfig, type LoopbackServer, type TestModels } from './helpers.js';

let models: TestModels;
let app: FastifyInstance;
let trap: LoopbackServer;

before(async () => {
  models = await loadTestModels({ oracle: oracleModelBytes() });
  // No fetchPolicy: the fetcher's safe defaults.
  app = await buildApp({ models: models.models, pool: models.pool, config: testConfig() });
  trap = await canary();
});

after(async () => {
  await app.close();
  await models.close();
  await trap.close();
});

const blocked = () => [
  `http://127.0.0.1:${trap.port}/photo.png`,
  `http://localhost:${trap.port}/photo.png`,
  `http://[::1]:${trap.port}/photo.png`,
  `http://127.1:${trap.port}/photo.png`,
  `http://[::ffff:127.0.0.1]:${trap.port}/photo.png`,
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'http://10.0.0.1/photo.png',
  'http://0.0.0.0/photo.png',
];

describe('URL inputs under the default policy', () => {
  it('POST /api/v1/segment {"url"} to internal addresses is 422 URL_FETCH_FAILED', async () => {
    for (const url of blocked()) {
      const response = await app.inject({ method: 'POST', url: '/api/v1/segment', payload: { url } });
      assert.equal(response.statusCode, 422, `${url}: ${response.body}`);
      const problem = response.json();
      assert.equal(problem.code, 'URL_FETCH_FAILED');
      assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
    }
    assert.equal(trap.connections(), 0);
  });

  it('GET /detect?url= to internal addresses is a 422 HTML page', async () => {
    for (const url of blocked()) {
      const response = await app.inject(`/detect?url=${encodeURIComponent(url)}`);
      assert.equal(response.statusCode, 422, url);
      assert.match(response.headers['content-type'] as string, /^text\/html/);
      assert.match(response.body, /Could not fetch the image URL/);
    }
    assert.equal(trap.connections(), 0);
  });

  it('malformed, non-http and credential URLs are 400 INVALID_REQUEST', async () => {
    for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1/', 'not a url', `http://user:secret@127.0.0.1:${trap.port}/`]) {
      const response = await app.inject({ method: 'POST', url: '/api/v1/segment', payload: { url } });
      assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
      assert.equal(response.json().code, 'INVALID_REQUEST');
      assert.doesNotMatch(response.body, /secret/);
    }
    assert.equal(trap.connections(), 0);
  });
});
