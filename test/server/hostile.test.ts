// Availability under hostile input, over a listening server: each case is a finding of the
// red-team run (issue "Availability under hostile load") that used to stall, starve or 500.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { deflateSync, crc32 } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createInferencePool } from '../../src/runtime/worker-pool.js';
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
    // Capacity = 1 worker + 1 queued: two slow requests fill it.
    const pool = createInferencePool({ workers: 1, intraOpThreads: 1, maxQueue: 1 });
    const models = await loadTestModels({ slow: slowModelBytes(300) }, pool);
    const app = await testApp(models);
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = (app.server.address() as { port: number }).port;
      const png = await photo('png');
      const busy = Array.from({ length: 2 }, () =>
        fetch(`http://127.0.0.1:${port}/api/v1/segment`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png }),
      );
      // Wait until both are admitted (the pool has them) before knocking.
      while (pool.stats().running + pool.stats().queued < 2) await new Promise((resolve) => setImmediate(resolve));
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
