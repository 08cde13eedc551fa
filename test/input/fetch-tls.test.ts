// Pinning the IP must not weaken TLS: SNI and the certificate check still use the URL's host
// name. The fixture is a self-signed, test-only certificate for images.test / 127.0.0.1
// (openssl req -x509 -newkey ec, P-256), so verification must fail — after SNI was sent.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createSecureContext } from 'node:tls';
import { fetchImageBytes } from '../../src/input/fetch-url.js';
import { MaskserveError } from '../../src/errors.js';
import { tableResolver } from './loopback-servers.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/input/${name}`, import.meta.url));

let server: Server;
let port: number;
let connections = 0;
const sniNames: string[] = [];

before(async () => {
  const credentials = { key: fixture('tls-images-test.key.pem'), cert: fixture('tls-images-test.cert.pem') };
  const context = createSecureContext(credentials);
  server = createServer(
    {
      ...credentials,
      // Called only when the client sends SNI: records which name it asked for.
      SNICallback: (servername, callback) => {
        sniNames.push(servername);
        callback(null, context);
      },
    },
    (_request, response) => response.end('the client should have refused the certificate'),
  );
  server.on('connection', () => connections++);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function failsVerification(error: unknown): boolean {
  assert.ok(error instanceof MaskserveError, String(error));
  assert.equal(error.code, 'URL_FETCH_FAILED');
  assert.match(String(error.details.reason), /SELF_SIGNED|certificate/i);
  return true;
}

describe('https through the pinned connection', () => {
  it('sends the original host name as SNI and still verifies the certificate', async () => {
    const { resolver } = tableResolver({ 'images.test': ['127.0.0.1'] });
    await assert.rejects(fetchImageBytes(`https://images.test:${port}/a.png`, { allowLoopback: true, resolver }), failsVerification);
    assert.deepEqual(sniNames, ['images.test']);
  });

  it('sends no SNI for an IP-literal URL (SNI carries names only)', async () => {
    const before = { connections, names: sniNames.length };
    await assert.rejects(fetchImageBytes(`https://127.0.0.1:${port}/a.png`, { allowLoopback: true }), failsVerification);
    assert.equal(connections, before.connections + 1, 'a handshake happened');
    assert.equal(sniNames.length, before.names);
  });
});
