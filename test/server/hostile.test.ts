// Availability under hostile input, mostly over a listening server: each case is a finding of
// the red-team run (issue "Availability under hostile load") that used to stall, starve, 500 or
// let another site spend the server's CPU.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { deflateSync, crc32 } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { segment } from '../../src/pipeline.js';
import { createInferencePool } from '../../src/runtime/worker-pool.js';
import { loadServerConfig } from '../../src/server/config.js';
import { metricsAddress } from '../../src/server/plugins/metrics.js';
import { loadTestModels, multipartBody, oracleModelBytes, photo, slowModelBytes, testApp, testConfig, type TestModels } from './helpers.js';

/** A greyscale PNG of width x height, all zero: tiny on disk however many rows it has. */
function blankPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, no interlace
  const rows = deflateSync(Buffer.alloc((width + 1) * height), { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', rows), chunk('IEND', Buffer.alloc(0))]);
}

interface RawExchange {
  /** Everything the server sent. */
  readonly response: string;
  /** Body bytes the client managed to send before the server closed the connection. */
  readonly sentBytes: number;
}

/**
 * Sends `head` and then, unless `body` is false, an endless chunked body of zeros until the
 * server closes the connection; resolves with what came back.
 */
function rawRequest(port: number, head: string, options: { body: 'endless' | 'none' }): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let response = '';
    let sentBytes = 0;
    socket.on('data', (data) => {
      response += data.toString('latin1');
    });
    socket.on('error', () => undefined); // EPIPE/ECONNRESET once the server hangs up: expected
    socket.on('close', () => resolve({ response, sentBytes }));
    socket.write(head);
    if (options.body === 'none') return;
    const zeros = Buffer.alloc(64 * 1024);
    const frame = Buffer.concat([Buffer.from(`${zeros.length.toString(16)}\r\n`), zeros, Buffer.from('\r\n')]);
    const pump = (): void => {
      while (!socket.destroyed && socket.writable) {
        sentBytes += zeros.length;
        if (!socket.write(frame)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
const jsonBodyOf = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { code: string; detail: string };

describe('hostile input, one model', () => {
  let models: TestModels;
  let app: FastifyInstance;
  let port: number;
  let png: Buffer;

  before(async () => {
    models = await loadTestModels({ oracle: oracleModelBytes() });
    app = await testApp(models, { config: testConfig({ maxUploadBytes: 1024 * 1024 }) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
    png = await photo('png');
  });
  after(async () => {
    await app.close();
    await models.close();
  });

  const post = (query: string, init: RequestInit) => fetch(`http://127.0.0.1:${port}/api/v1/segment${query}`, { method: 'POST', ...init });

  it('refuses a 1 x 39,999,999 PNG (77 KB, under the pixel cap) from its header, at once', async () => {
    const tall = blankPng(1, 39_999_999);
    assert.ok(tall.length < 100_000, `${tall.length} bytes`);
    const response = await post('', { headers: { 'content-type': 'image/png' }, body: tall });
    const problem = (await response.json()) as { code: string; detail: string; maxSide: number };
    assert.equal(response.status, 413);
    assert.equal(problem.code, 'IMAGE_TOO_LARGE');
    assert.match(problem.detail, /1x39999999 pixels; the limit is 20000 pixels per side/);
  });

  it('refuses an extreme aspect ratio within the side limit', async () => {
    const response = await post('', { headers: { 'content-type': 'image/png' }, body: blankPng(10_000, 2) });
    const problem = (await response.json()) as { code: string; detail: string };
    assert.equal(response.status, 413);
    assert.match(problem.detail, /10000x2 pixels; its long side may be at most 20 times its short side/);
  });

  it('answers an over-limit multipart upload that never ends with 413 at the limit, and hangs up', async () => {
    const head =
      'POST /api/v1/segment HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: multipart/form-data; boundary=B\r\n\r\n';
    const part = '--B\r\nContent-Disposition: form-data; name="file"; filename="x.jpg"\r\nContent-Type: image/jpeg\r\n\r\n';
    const { response, sentBytes } = await rawRequest(port, `${head}${part.length.toString(16)}\r\n${part}\r\n`, { body: 'endless' });
    assert.equal(statusOf(response), 413, response);
    assert.equal(jsonBodyOf(response).code, 'PAYLOAD_TOO_LARGE');
    assert.match(response, /\r\nconnection: close\r\n/i);
    // It used to read (and discard) everything until the request timeout: tens of GiB.
    assert.ok(sentBytes < 64 * 1024 * 1024, `the server read ${sentBytes} bytes of a 1 MiB-limited upload`);
  });

  it('answers multipart without a boundary, or with the wrong one, 400 (not 500)', async () => {
    for (const contentType of ['multipart/form-data', 'multipart/form-data; boundary=zzz']) {
      const body = '--yyy\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nabc\r\n--yyy--\r\n';
      const response = await post('', { headers: { 'content-type': contentType }, body });
      const problem = (await response.json()) as { code: string; detail: string };
      assert.equal(response.status, 400, `${contentType}: ${JSON.stringify(problem)}`);
      assert.equal(problem.code, 'INVALID_REQUEST');
      assert.match(problem.detail, /multipart\/form-data body is malformed/);
    }
  });

  it('reads numbers as decimals only: threshold=0x1 is refused the same way in a query, a form and JSON', async () => {
    const expected = 'Expected a number between 0 and 1 for threshold but received "0x1"';
    const answers = [
      await post('?threshold=0x1', { headers: { 'content-type': 'image/png' }, body: png }),
      await post('', { body: multipartBody({ bytes: png }, { threshold: '0x1' }) }),
      await post('', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'http://127.0.0.1:9/x.png', threshold: '0x1' }) }),
    ];
    for (const response of answers) {
      const problem = (await response.json()) as { code: string; detail: string };
      assert.deepEqual([response.status, problem.code, problem.detail], [400, 'INVALID_OPTION', expected]);
    }
    const fine = await post('?threshold=1e-1', { headers: { 'content-type': 'image/png' }, body: png });
    assert.equal(fine.status, 200);
  });

  it('holds idle keep-alive sockets for the documented idle timeout (10 s), not Node’s 72 s', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(response.headers.get('keep-alive'), 'timeout=10');
  });
});

describe('an output format that cannot hold the image', () => {
  it('is refused before inference (it was a 500 from the encoder after a full run)', async () => {
    const models = await loadTestModels({ oracle: oracleModelBytes() });
    const app = await testApp(models, { config: testConfig({ maxImageSide: 70_000, maxAspectRatio: 100_000 }) });
    try {
      const wide = blankPng(17_000, 1);
      const webp = await app.inject({ method: 'POST', url: '/api/v1/segment?format=webp', headers: { 'content-type': 'image/png' }, body: wide });
      assert.equal(webp.statusCode, 400, webp.body);
      assert.match(webp.json().detail, /WEBP image can be at most 16383 pixels per side and this one is 17000x1/);
      const png = await app.inject({ method: 'POST', url: '/api/v1/segment?format=png', headers: { 'content-type': 'image/png' }, body: wide });
      assert.equal(png.statusCode, 200);
    } finally {
      await app.close();
      await models.close();
    }
  });
});

describe('admission before the body is read', () => {
  it('refuses a request beyond capacity with 503 as soon as its headers arrive', async () => {
    // Capacity = 1 worker + 1 queued: two slow requests fill it (each takes several hundred ms).
    const pool = createInferencePool({ workers: 1, intraOpThreads: 1, maxQueue: 1 });
    const models = await loadTestModels({ slow: slowModelBytes(1000) }, pool);
    const app = await testApp(models);
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = (app.server.address() as { port: number }).port;
      const png = await photo('png');
      // Both are admitted by the server's onRequest hooks (synchronous ones, run before the next
      // macrotask) once their 'request' events have fired. Waiting for the inference queue to hold
      // both instead raced: the first could finish before the second's decoding (pixel pool) did.
      const arrived = new Promise<void>((resolve) => {
        let requests = 0;
        app.server.on('request', () => {
          if (++requests === 2) resolve();
        });
      });
      const busy = Array.from({ length: 2 }, () =>
        fetch(`http://127.0.0.1:${port}/api/v1/segment`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png }),
      );
      await arrived;
      await new Promise((resolve) => setImmediate(resolve));
      // Headers promise a 10 MB body that is never sent: the answer must not wait for it.
      const { response } = await rawRequest(
        port,
        'POST /api/v1/segment HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 10000000\r\n\r\n',
        { body: 'none' },
      );
      assert.equal(statusOf(response), 503, response);
      assert.equal(jsonBodyOf(response).code, 'QUEUE_FULL');
      assert.match(response, /\r\nretry-after: \d+\r\n/i);
      for (const answer of await Promise.all(busy)) assert.equal(answer.status, 200);
      // Slots are given back: the next request is admitted again.
      const again = await fetch(`http://127.0.0.1:${port}/api/v1/segment`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
      assert.equal(again.status, 200);
    } finally {
      await app.close();
      await models.close();
    }
  });
});

describe('admission by expected time', () => {
  it('admits only the requests a slow model can serve within half their deadline; none of them times out', async () => {
    // The count alone (1 + 64) would admit all 16 requests below, and the late ones would time out.
    const pool = createInferencePool({ workers: 1, intraOpThreads: 1, maxQueue: 64 });
    const models = await loadTestModels({ slow: slowModelBytes(1000) }, pool);
    const png = await photo('png');
    // One inference first, so the pool has measured the model; then a deadline whose first half
    // holds about six of them.
    await segment(png, models.models[0]!);
    const perImageMs = pool.stats().averageTaskMs;
    const app = await testApp(models, { config: testConfig({ perRequestDeadlineMs: Math.ceil(perImageMs * 12) }) });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = (app.server.address() as { port: number }).port;
      const send = () => fetch(`http://127.0.0.1:${port}/api/v1/segment`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
      await (await send()).arrayBuffer(); // starts the app's pixel threads, which the deadline would otherwise include
      const answers = await Promise.all(
        Array.from({ length: 16 }, () =>
          send().then(async (response) => ({
            status: response.status,
            body: (await response.json()) as { code?: string; detail?: string },
          })),
        ),
      );
      const served = answers.filter((answer) => answer.status === 200);
      const refused = answers.filter((answer) => answer.status === 503);
      assert.equal(served.length + refused.length, 16, JSON.stringify(answers));
      assert.ok(served.length >= 1 && refused.length >= 1, JSON.stringify(answers));
      for (const { body } of refused) assert.equal(body.code, 'QUEUE_FULL');
    } finally {
      await app.close();
      await models.close();
    }
  });
});

describe('admission by body bytes', () => {
  it('refuses a request whose declared body would exceed the bodies in flight, and admits again once they are gone', async () => {
    const models = await loadTestModels({ oracle: oracleModelBytes() });
    const app = await testApp(models, { config: testConfig({ maxUploadBytes: 2_000_000, maxBodyBytesInFlight: 3_000_000 }) });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = (app.server.address() as { port: number }).port;
      const head = 'POST /api/v1/segment HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 2000000\r\n\r\n';
      // Admitted with 2 MB promised; its body never comes while the test runs. The server admits
      // it in its 'request' listener, which runs before the test's own.
      const admitted = once(app.server, 'request');
      const holder = connect(port, '127.0.0.1');
      holder.on('error', () => undefined);
      const holderClosed = once(holder, 'close');
      holder.write(head);
      await admitted;
      // 2 + 2 MB > 3 MB: refused from the headers (and, with over 1 MiB unread, the connection closed).
      const { response } = await rawRequest(port, head, { body: 'none' });
      assert.equal(statusOf(response), 503, response);
      assert.equal(jsonBodyOf(response).code, 'QUEUE_FULL');
      holder.destroy();
      await holderClosed;
      const answer = await fetch(`http://127.0.0.1:${port}/api/v1/segment`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: await photo('png') });
      assert.equal(answer.status, 200, 'the bytes are given back when the connection goes');
    } finally {
      await app.close();
      await models.close();
    }
  });
});

describe('cross-site browser requests', () => {
  let models: TestModels;
  let png: Buffer;
  before(async () => {
    models = await loadTestModels({ oracle: oracleModelBytes() });
    png = await photo('png');
  });
  after(() => models.close());

  const segment = (app: FastifyInstance, headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/api/v1/segment', headers: { 'content-type': 'image/png', ...headers }, body: png });

  it('are refused 403 unless their origin is allowlisted; same-origin pages and non-browser clients are served', async () => {
    const app = await testApp(models, { config: testConfig({ allowedOrigins: ['https://ui.example.org'] }) });
    try {
      const foreign = await segment(app, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' });
      assert.equal(foreign.statusCode, 403);
      assert.equal(foreign.json().code, 'FORBIDDEN_ORIGIN');
      assert.match(foreign.json().detail, /"https:\/\/evil\.example" are not accepted.*MASKSERVE_ALLOWED_ORIGINS/);
      // A browser without Sec-Fetch-Site: judged by Origin against Host.
      assert.equal((await segment(app, { origin: 'https://evil.example' })).statusCode, 403);
      const listed = await segment(app, { 'sec-fetch-site': 'cross-site', origin: 'https://ui.example.org' });
      assert.equal(listed.statusCode, 200);
      assert.equal(listed.headers['access-control-allow-origin'], 'https://ui.example.org');
      assert.equal((await segment(app, { 'sec-fetch-site': 'same-origin', origin: 'http://localhost:80' })).statusCode, 200);
      assert.equal((await segment(app, {})).statusCode, 200, 'curl and SDKs send neither header');
      // Probes and docs are not inference: never refused.
      assert.equal((await app.inject({ url: '/healthz', headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } })).statusCode, 200);
    } finally {
      await app.close();
    }
  });

  it('MASKSERVE_ALLOWED_ORIGINS takes bare origins or *, and says so otherwise', () => {
    assert.deepEqual(loadServerConfig({ MASKSERVE_ALLOWED_ORIGINS: 'https://a.example, http://b.example:8080' }).allowedOrigins, ['https://a.example', 'http://b.example:8080']);
    assert.deepEqual(loadServerConfig({ MASKSERVE_ALLOWED_ORIGINS: '*' }).allowedOrigins, ['*']);
    assert.throws(() => loadServerConfig({ MASKSERVE_ALLOWED_ORIGINS: 'https://a.example/path' }), /Expected a comma-separated list of origins like https:\/\/example\.org \(or \*\) for MASKSERVE_ALLOWED_ORIGINS but received "https:\/\/a\.example\/path"/);
  });
});

describe('/metrics on a port of its own', () => {
  it('is served only there when MASKSERVE_METRICS_PORT is set', async () => {
    const models = await loadTestModels({ oracle: oracleModelBytes() });
    const app = await testApp(models, { config: testConfig({ metricsPort: 0 }) });
    try {
      const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
      assert.equal((await fetch(`${baseUrl}/metrics`)).status, 404);
      const metricsPort = metricsAddress(app)?.port;
      assert.ok(metricsPort);
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(scraped.status, 200);
      assert.match(await scraped.text(), /maskserve_/);
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/api/v1/models`)).status, 404);
    } finally {
      await app.close();
      await models.close();
    }
    assert.equal(metricsAddress(app), undefined, 'closed with the app');
  });
});

describe('a client that hangs up mid-upload', { timeout: 20_000 }, () => {
  it('is logged at info as a disconnect, not as a server error with a stack', async () => {
    const lines: { level: number; msg: string }[] = [];
    let onLine: ((line: { level: number; msg: string }) => void) | undefined;
    const stream = new Writable({
      write(chunk, _encoding, done) {
        const line = JSON.parse(String(chunk)) as { level: number; msg: string };
        lines.push(line);
        onLine?.(line);
        done();
      },
    });
    const models = await loadTestModels({ oracle: oracleModelBytes() });
    const app = await testApp(models, { logger: { level: 'info', stream } });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const disconnected = new Promise<void>((resolve) => {
        onLine = (line) => line.msg === 'client disconnected before the answer' && resolve();
      });
      const socket = connect((app.server.address() as { port: number }).port, '127.0.0.1');
      socket.on('error', () => undefined);
      // Half of a promised body, then gone once the server has started reading it.
      const started = new Promise<void>((resolve) => {
        const previous = onLine;
        onLine = (line) => {
          previous?.(line);
          if (line.msg === 'incoming request') resolve();
        };
      });
      socket.write('POST /api/v1/segment HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n\x89PNG');
      await started;
      socket.destroy();
      await disconnected;
      assert.deepEqual(lines.filter((line) => line.level >= 50).map((line) => line.msg), []);
    } finally {
      await app.close();
      await models.close();
    }
  });
});

describe('memory for images in flight', () => {
  it('an image that needs more than the whole budget is refused from its header (413), the rest are served', async () => {
    const models = await loadTestModels({ oracle: oracleModelBytes() });
    // 64x48 photos need 64*48*8 = 24 KiB each; a 100x100 image needs 78 KiB.
    const app = await testApp(models, { config: testConfig({ maxDecodedBytes: 64 * 1024 }) });
    try {
      const png = await photo('png');
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => app.inject({ method: 'POST', url: '/api/v1/segment', headers: { 'content-type': 'image/png' }, body: png })),
      );
      assert.deepEqual(answers.map((answer) => answer.statusCode), [200, 200, 200, 200, 200, 200], 'at most two at a time, the others wait their turn');
      const big = await app.inject({ method: 'POST', url: '/api/v1/segment', headers: { 'content-type': 'image/png' }, body: await photo('png', 100, 100) });
      assert.equal(big.statusCode, 413, big.body);
      assert.match(big.json().detail, /needs 78.1 KiB of memory; this server allows 64 KiB/);
    } finally {
      await app.close();
      await models.close();
    }
  });
});

describe('where the time goes', () => {
  it('every answer carries Server-Timing with each stage, the encoding of the answer included', async () => {
    const models = await loadTestModels({ oracle: oracleModelBytes() });
    const app = await testApp(models);
    try {
      const png = await photo('png');
      for (const format of ['json', 'coco', 'png']) {
        const answer = await app.inject({ method: 'POST', url: `/api/v1/segment?format=${format}`, headers: { 'content-type': 'image/png' }, body: png });
        assert.equal(answer.statusCode, 200);
        assert.match(String(answer.headers['server-timing']), /^decode;dur=[\d.]+, preprocess;dur=[\d.]+, inference;dur=[\d.]+, postprocess;dur=[\d.]+, encode;dur=[\d.]+$/, format);
      }
    } finally {
      await app.close();
      await models.close();
    }
  });
});
