// Load behaviour over real HTTP: a full queue is refused at once with 503 + Retry-After while
// probes stay fast; the per-request deadline answers 503 DEADLINE_EXCEEDED; readiness follows
// the warm-up and draining states.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createInferencePool } from '../../src/runtime/worker-pool.js';
import { Readiness } from '../../src/server/readiness.js';
import { loadTestModels, photo, slowModelBytes, testApp, testConfig, type TestModels } from './helpers.js';

let models: TestModels;
let png: Buffer;

before(async () => {
  // One worker and room for one waiting task: the third concurrent request cannot be taken.
  const pool = createInferencePool({ workers: 1, intraOpThreads: 1, maxQueue: 1 });
  models = await loadTestModels({ slow: slowModelBytes(300) }, pool);
  png = await photo('png');
});

after(async () => {
  await models.close();
});

interface Timed {
  readonly status: number;
  readonly code?: string;
  readonly retryAfter: string | null;
  readonly finishedAt: number;
}

async function timedSegment(baseUrl: string): Promise<Timed> {
  const response = await fetch(`${baseUrl}/api/v1/segment`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
  const body = (await response.json()) as { code?: string };
  return { status: response.status, code: body.code, retryAfter: response.headers.get('retry-after'), finishedAt: performance.now() };
}

describe('overload', () => {
  let app: FastifyInstance;
  let baseUrl: string;

  before(async () => {
    app = await testApp(models);
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => app.close());

  it('answers 503 QUEUE_FULL with Retry-After at once beyond capacity; /healthz stays fast', async () => {
    const requests = Array.from({ length: 6 }, () => timedSegment(baseUrl));
    const health = fetch(`${baseUrl}/healthz`).then((response) => ({ status: response.status, finishedAt: performance.now() }));
    const results = await Promise.all(requests);
    const probe = await health;

    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 503);
    assert.equal(ok.length + refused.length, results.length, JSON.stringify(results));
    assert.ok(ok.length >= 1 && ok.length <= 2, `1 running + 1 queued at most, got ${ok.length} successes`);
    assert.ok(refused.length >= 4);
    for (const r of refused) {
      assert.equal(r.code, 'QUEUE_FULL');
      assert.ok(Number(r.retryAfter) >= 1, `Retry-After: ${r.retryAfter}`);
    }
    // Refusals and the probe do not wait for inference: they are answered before the first success.
    const firstSuccess = Math.min(...ok.map((r) => r.finishedAt));
    assert.ok(Math.max(...refused.map((r) => r.finishedAt)) < firstSuccess, 'refusals must not wait for a worker');
    assert.equal(probe.status, 200);
    assert.ok(probe.finishedAt < firstSuccess, '/healthz must not wait for inference');
  });

  it('recovers once the queue drains', async () => {
    const result = await timedSegment(baseUrl);
    assert.equal(result.status, 200);
  });
});

describe('per-request deadline', () => {
  it('answers 503 DEADLINE_EXCEEDED (with Retry-After) without waiting for the worker', async () => {
    const app = await testApp(models, { config: testConfig({ perRequestDeadlineMs: 30 }) });
    try {
      const response = await app.inject({ method: 'POST', url: '/api/v1/segment', headers: { 'content-type': 'image/png' }, body: png });
      assert.equal(response.statusCode, 503, response.body);
      assert.equal(response.json().code, 'DEADLINE_EXCEEDED');
      assert.ok(response.headers['retry-after']);
      assert.doesNotMatch(response.json().detail, /30 ms/, 'the 5xx detail is the fixed public sentence');
    } finally {
      await app.close();
    }
    // The abandoned run must not poison the pool for the next request.
    const fresh = await testApp(models);
    try {
      const response = await fresh.inject({ method: 'POST', url: '/api/v1/segment', headers: { 'content-type': 'image/png' }, body: png });
      assert.equal(response.statusCode, 200);
    } finally {
      await fresh.close();
    }
  });
});

describe('connection timeout', () => {
  it('does not cut a request that waits longer than connectionTimeout for its inference', async () => {
    const app = await testApp(models, { config: testConfig({ connectionTimeoutMs: 50 }) });
    try {
      const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
      const result = await timedSegment(baseUrl);
      assert.equal(result.status, 200);
    } finally {
      await app.close();
    }
  });
});

describe('readiness', () => {
  it('is 503 before warm-up, 200 when ready, 503 again while draining; /healthz is always 200', async () => {
    const readiness = new Readiness('starting');
    const app = await testApp(models, { readiness });
    try {
      const states: [number, string, number][] = [];
      const probe = async () => {
        const ready = await app.inject('/readyz');
        states.push([ready.statusCode, ready.json().status, (await app.inject('/healthz')).statusCode]);
      };
      await probe();
      readiness.markReady();
      await probe();
      readiness.markDraining();
      await probe();
      const refused = await app.inject({ method: 'POST', url: '/api/v1/segment', headers: { 'content-type': 'image/png' }, body: png });
      assert.equal(refused.statusCode, 503);
      assert.equal(refused.json().code, 'SHUTTING_DOWN');
      assert.equal(refused.headers.connection, 'close');
      assert.ok(refused.headers['retry-after']);
      readiness.markReady(); // a late warm-up cannot undo draining
      await probe();
      assert.deepEqual(states, [
        [503, 'starting', 200],
        [200, 'ready', 200],
        [503, 'draining', 200],
        [503, 'draining', 200],
      ]);
    } finally {
      await app.close();
    }
  });
});
