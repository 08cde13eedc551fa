// Behaviour of fetchImageBytes against loopback servers (allowLoopback is the test-only policy).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { decodeImage } from '../../src/input/decode.js';
import { FETCH_FAILED_MESSAGE, fetchImageBytes } from '../../src/input/fetch-url.js';
import { MaskserveError } from '../../src/errors.js';
import { startServer, tableResolver, type TestServer } from './loopback-servers.js';

const loopback = { allowLoopback: true };

function failsWith(code: string, reason?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof MaskserveError, `expected MaskserveError, got ${String(error)}`);
    assert.equal(error.code, code, `${error.message} ${JSON.stringify(error.details)}`);
    if (code === 'URL_FETCH_FAILED') assert.equal(error.message, FETCH_FAILED_MESSAGE);
    if (reason !== undefined) assert.match(String(error.details.reason ?? error.message), reason);
    return true;
  };
}

let png: Buffer;
let server: TestServer;

before(async () => {
  png = await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 10, g: 200, b: 30 } } }).png().toBuffer();
  server = await startServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/image.png':
        return void response.writeHead(200, { 'content-type': 'image/png' }).end(png);
      case '/redirect': // /redirect?to=<url>
        return void response.writeHead(302, { location: url.searchParams.get('to') ?? '/image.png' }).end();
      case '/loop':
        return void response.writeHead(307, { location: '/loop' }).end();
      case '/missing':
        return void response.writeHead(404).end('not here');
      case '/endless': // streams without Content-Length until the client goes away
        return void streamForever(response);
      case '/declared-huge':
        return void response.writeHead(200, { 'content-length': String(50 * 1024 * 1024) }).end();
      case '/gzip-bomb':
        return void response.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.concat([png.subarray(0, 64), Buffer.alloc(4 * 1024 * 1024)])));
      case '/gzip-image':
        return void response.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(png));
      case '/silent': // accepts the request and never answers
        return;
      case '/trickle': // headers and a few bytes, then nothing
        response.writeHead(200, { 'content-type': 'image/png' });
        return void response.write(png.subarray(0, 16));
      case '/html-page':
        return void response.writeHead(200, { 'content-type': 'image/png' }).end(`<!DOCTYPE html><html>${'<p>x</p>'.repeat(4096)}</html>`);
      default:
        return void response.writeHead(500).end();
    }
  });
});

after(() => server.close());

function streamForever(response: import('node:http').ServerResponse): void {
  response.writeHead(200, { 'content-type': 'image/png' });
  response.write(png.subarray(0, 64)); // looks like a PNG, so only the byte cap can stop it
  const chunk = Buffer.alloc(16 * 1024, 7);
  const pump = () => {
    while (!response.destroyed && response.write(chunk));
    if (!response.destroyed) response.once('drain', pump);
  };
  pump();
}

describe('fetchImageBytes: success paths (loopback allowed for tests)', () => {
  it('returns the exact bytes, which then decode', async () => {
    const bytes = await fetchImageBytes(server.url('/image.png'), loopback);
    assert.deepEqual(Buffer.from(bytes), png);
    const image = await decodeImage(bytes);
    assert.deepEqual([image.width, image.height, image.source.format], [8, 6, 'png']);
  });

  it('follows a redirect within the cap', async () => {
    const bytes = await fetchImageBytes(server.url('/redirect?to=/image.png'), { ...loopback, maxRedirects: 1 });
    assert.deepEqual(Buffer.from(bytes), png);
  });

  it('content-decodes gzip', async () => {
    assert.deepEqual(Buffer.from(await fetchImageBytes(server.url('/gzip-image'), loopback)), png);
  });

  it('resolves names through the injected resolver and sends the original Host', async () => {
    const { resolver, calls } = tableResolver({ 'images.test': ['127.0.0.1'] });
    const before = server.requests.length;
    await fetchImageBytes(`http://images.test:${server.port}/image.png`, { ...loopback, resolver });
    assert.deepEqual(calls, ['images.test']);
    assert.equal(server.requests[before].host, `images.test:${server.port}`);
  });
});

describe('fetchImageBytes: limits', () => {
  it('caps redirects', async () => {
    const before = server.requests.length;
    await assert.rejects(fetchImageBytes(server.url('/loop'), { ...loopback, maxRedirects: 3 }), failsWith('URL_FETCH_FAILED', /too many redirects/));
    assert.equal(server.requests.length - before, 4, 'the first request plus 3 redirects');
    await assert.rejects(fetchImageBytes(server.url('/redirect'), { ...loopback, maxRedirects: 0 }), failsWith('URL_FETCH_FAILED', /too many redirects/));
  });

  it('enforces the total deadline on a server that never answers', async () => {
    const started = performance.now();
    await assert.rejects(fetchImageBytes(server.url('/silent'), { ...loopback, timeoutMs: 300 }), failsWith('URL_FETCH_FAILED', /timed out/));
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 3000, `elapsed ${elapsed} ms`);
  });

  it('includes the body in the deadline', async () => {
    await assert.rejects(fetchImageBytes(server.url('/trickle'), { ...loopback, timeoutMs: 300 }), failsWith('URL_FETCH_FAILED', /timed out/));
  });

  it('includes DNS in the deadline', async () => {
    const resolver = () => new Promise<never>(() => undefined);
    await assert.rejects(fetchImageBytes('http://slow-dns.test/', { timeoutMs: 200, resolver }), failsWith('URL_FETCH_FAILED', /timed out/));
  });

  it('aborts a streamed body that passes the byte cap', async () => {
    await assert.rejects(fetchImageBytes(server.url('/endless'), { ...loopback, maxBytes: 64 * 1024 }), failsWith('PAYLOAD_TOO_LARGE', /64 KiB/));
  });

  it('rejects a declared Content-Length above the cap without reading', async () => {
    await assert.rejects(fetchImageBytes(server.url('/declared-huge'), { ...loopback, maxBytes: 1024 * 1024 }), failsWith('PAYLOAD_TOO_LARGE'));
  });

  it('counts bytes after content-decoding (gzip bomb)', async () => {
    await assert.rejects(fetchImageBytes(server.url('/gzip-bomb'), { ...loopback, maxBytes: 256 * 1024 }), failsWith('PAYLOAD_TOO_LARGE'));
  });
});

describe('fetchImageBytes: content', () => {
  it('stops early when the body is clearly not an image', async () => {
    await assert.rejects(fetchImageBytes(server.url('/html-page'), loopback), failsWith('UNSUPPORTED_FORMAT', /HTML/));
  });
});

describe('fetchImageBytes: failures look the same from outside', () => {
  it('treats non-2xx as a failure', async () => {
    await assert.rejects(fetchImageBytes(server.url('/missing'), loopback), failsWith('URL_FETCH_FAILED', /HTTP 404/));
  });

  it('reports a refused connection generically', async () => {
    const closed = await startServer(() => undefined);
    const url = closed.url('/');
    await closed.close();
    await assert.rejects(fetchImageBytes(url, loopback), failsWith('URL_FETCH_FAILED', /ECONNREFUSED/));
  });

  it('reports a DNS failure generically', async () => {
    const { resolver } = tableResolver({});
    await assert.rejects(fetchImageBytes('http://nowhere.test/', { resolver }), failsWith('URL_FETCH_FAILED', /DNS lookup failed/));
  });

  it("rethrows the caller's abort reason", async () => {
    const controller = new AbortController();
    const reason = new Error('client went away');
    const pending = fetchImageBytes(server.url('/silent'), loopback, { signal: controller.signal });
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
  });
});

describe('fetchImageBytes: malformed requests are 400s', () => {
  const cases: [string, RegExp][] = [
    ['not a url', /not a valid absolute URL/],
    ['/relative/path.png', /not a valid absolute URL/],
    ['ftp://example.com/a.png', /scheme must be http or https, not ftp/],
    ['file:///etc/passwd', /scheme must be http or https, not file/],
    ['data:image/png;base64,iVBORw0KGgo=', /scheme/],
    ['http://user:secret@example.com/a.png', /credentials/],
    ['https://user@example.com/a.png', /credentials/],
    [`http://example.com/${'a'.repeat(9000)}`, /longer than/],
  ];
  for (const [url, message] of cases) {
    it(`rejects ${url.slice(0, 48)}`, async () => {
      const { resolver, calls } = tableResolver({});
      await assert.rejects(fetchImageBytes(url, { resolver }), (error) => {
        assert.ok(error instanceof MaskserveError);
        assert.equal(error.code, 'INVALID_REQUEST');
        assert.equal(error.status, 400);
        assert.match(error.message, message);
        return true;
      });
      assert.deepEqual(calls, [], 'no DNS lookup for a rejected URL');
    });
  }

  it('validates the policy', async () => {
    await assert.rejects(fetchImageBytes('http://a.test/', { maxBytes: 0 }), failsWith('INVALID_OPTION'));
    await assert.rejects(fetchImageBytes('http://a.test/', { timeoutMs: -1 }), failsWith('INVALID_OPTION'));
    await assert.rejects(fetchImageBytes('http://a.test/', { maxRedirects: 1.5 }), failsWith('INVALID_OPTION'));
  });
});
