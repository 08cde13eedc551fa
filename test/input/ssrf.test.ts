// SSRF catalogue under the DEFAULT policy. Nothing may leave the machine: "public" hosts are
// simulated with the resolver seam (a name -> PUBLIC_ADDRESS) and the dial seam (PUBLIC_ADDRESS
// -> a loopback server; anything else -> the canary). Canaries listen on the loopback ports the
// blocked URLs name, so a check that let a URL through would show up as a canary connection.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FETCH_FAILED_MESSAGE, fetchImageBytes } from '../../src/input/fetch-url.js';
import { MaskserveError } from '../../src/errors.js';
import { loopbackDialer, PUBLIC_ADDRESS, startCanary, startIpv6Canary, startServer, tableResolver, type TestServer } from './loopback-servers.js';

const IMAGE = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

let canary: TestServer;
let canary6: TestServer | undefined;
let publicSite: TestServer; // plays the part of a public web server at PUBLIC_ADDRESS

before(async () => {
  canary = await startCanary();
  canary6 = await startIpv6Canary();
  publicSite = await startServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/redirect') return void response.writeHead(302, { location: url.searchParams.get('to')! }).end();
    response.writeHead(200, { 'content-type': 'image/jpeg' }).end(IMAGE);
  });
});

after(async () => {
  await Promise.all([canary.close(), canary6?.close(), publicSite.close()]);
});

function canaryConnections(): number {
  return canary.connections() + (canary6?.connections() ?? 0);
}

function blocked(reason: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof MaskserveError, `expected MaskserveError, got ${String(error)}`);
    assert.equal(error.code, 'URL_FETCH_FAILED', JSON.stringify(error.details));
    assert.equal(error.message, FETCH_FAILED_MESSAGE, 'one generic message for every blocked case');
    assert.match(String(error.details.reason), reason);
    return true;
  };
}

describe('SSRF: the canary itself', () => {
  it('does notice a connection (so zero really means none)', async () => {
    const fresh = await startCanary();
    try {
      await fetchImageBytes(fresh.url('/'), { allowLoopback: true });
      assert.equal(fresh.connections(), 1);
    } finally {
      await fresh.close();
    }
  });
});

describe('SSRF: literal and local targets are refused before connecting', () => {
  const P = () => canary.port;
  const catalogue: [string, () => string, RegExp][] = [
    ['127.0.0.1', () => `http://127.0.0.1:${P()}/`, /loopback/],
    ['localhost', () => `http://localhost:${P()}/`, /blocked host name localhost/],
    ['a.localhost.', () => `http://a.localhost.:${P()}/`, /blocked host name/],
    ['[::1]', () => `http://[::1]:${canary6?.port ?? P()}/`, /loopback/],
    ['2130706433 (decimal)', () => `http://2130706433:${P()}/`, /127\.0\.0\.1.*loopback/],
    ['0x7f.0.0.1 (hex)', () => `http://0x7f.0.0.1:${P()}/`, /loopback/],
    ['0177.0.0.1 (octal)', () => `http://0177.0.0.1:${P()}/`, /loopback/],
    ['127.1 (short form)', () => `http://127.1:${P()}/`, /loopback/],
    ['0x7f000001 (single hex)', () => `http://0x7f000001:${P()}/`, /loopback/],
    ['017700000001 (single octal)', () => `http://017700000001:${P()}/`, /loopback/],
    ['127.0.0.1. (trailing dot)', () => `http://127.0.0.1.:${P()}/`, /loopback/],
    ['full-width digits', () => `http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:${P()}/`, /loopback/],
    ['0 (zero)', () => `http://0:${P()}/`, /unspecified/],
    ['[::ffff:a9fe:a9fe] (mapped metadata)', () => 'http://[::ffff:a9fe:a9fe]/', /linkLocal.*embedded/],
    ['[::ffff:127.0.0.1]', () => `http://[::ffff:127.0.0.1]:${P()}/`, /loopback.*embedded/],
    ['0.0.0.0', () => `http://0.0.0.0:${P()}/`, /unspecified/],
    ['[::]', () => `http://[::]:${P()}/`, /unspecified/],
    ['169.254.169.254 (cloud metadata)', () => 'http://169.254.169.254/latest/meta-data/', /linkLocal/],
    ['10.0.0.1', () => 'http://10.0.0.1/', /private/],
    ['192.168.1.1', () => 'http://192.168.1.1/', /private/],
    ['172.16.0.1', () => 'https://172.16.0.1/', /private/],
    ['100.64.0.1', () => 'http://100.64.0.1/', /carrierGradeNat/],
    ['198.18.0.1 (benchmarking)', () => 'http://198.18.0.1/', /reserved/],
    ['224.0.0.1', () => 'http://224.0.0.1/', /multicast/],
    ['[fd00:ec2::254] (AWS IMDS v6)', () => 'http://[fd00:ec2::254]/', /uniqueLocal/],
    ['[fe80::1]', () => 'http://[fe80::1]/', /linkLocal/],
    ['[64:ff9b::a00:1] (NAT64 of 10.0.0.1)', () => 'http://[64:ff9b::a00:1]/', /private.*embedded/],
    ['[2002:c0a8:101::1] (6to4 of 192.168.1.1)', () => 'http://[2002:c0a8:101::1]/', /private.*embedded/],
  ];

  for (const [name, url, reason] of catalogue) {
    it(`blocks ${name}`, async () => {
      const { resolver, calls } = tableResolver({});
      const { dial, dials } = loopbackDialer(publicSite, canary);
      // Once with the seams (proves no DNS and no dial), once on the default connect path.
      await assert.rejects(fetchImageBytes(url(), { resolver, dial }), blocked(reason));
      assert.deepEqual(calls, [], 'IP literals and localhost never reach DNS');
      assert.deepEqual(dials, []);
      // Only URLs aimed at a loopback canary port take the default path: if a check were
      // broken, that traffic would still stay on this machine.
      if ([canary.port, canary6?.port].includes(Number(new URL(url()).port))) {
        await assert.rejects(fetchImageBytes(url(), { resolver }), blocked(reason));
      }
      assert.equal(canaryConnections(), 0);
    });
  }
});

describe('SSRF: names are judged by every address they resolve to', () => {
  it('blocks a name whose answers include a private address', async () => {
    const { resolver } = tableResolver({ 'mixed.test': [PUBLIC_ADDRESS, '127.0.0.1'], 'inside.test': ['10.1.2.3'] });
    const { dial, dials } = loopbackDialer(publicSite, canary);
    await assert.rejects(fetchImageBytes(`http://mixed.test:${canary.port}/`, { resolver, dial }), blocked(/127\.0\.0\.1 \(resolved from mixed\.test\)/));
    await assert.rejects(fetchImageBytes('http://inside.test/', { resolver, dial }), blocked(/private/));
    assert.deepEqual(dials, []);
    assert.equal(canaryConnections(), 0);
  });

  it('defeats DNS rebinding: one lookup per hop, the connection goes to the vetted address', async () => {
    let lookups = 0;
    const { resolver, calls } = tableResolver({ 'rebind.test': () => (lookups++ === 0 ? [PUBLIC_ADDRESS] : ['127.0.0.1']) });
    const { dial, dials } = loopbackDialer(publicSite, canary);
    const before = publicSite.requests.length;
    const bytes = await fetchImageBytes(`http://rebind.test:${canary.port}/photo.jpg`, { resolver, dial });
    assert.deepEqual(Buffer.from(bytes), IMAGE);
    assert.deepEqual(calls, ['rebind.test'], 'resolved exactly once');
    assert.deepEqual(dials, [`${PUBLIC_ADDRESS}:${canary.port}`]);
    assert.equal(publicSite.requests[before].host, `rebind.test:${canary.port}`, 'Host keeps the original name');
    assert.equal(canaryConnections(), 0);
  });
});

describe('SSRF: every redirect hop is re-validated', () => {
  const site = 'http://public.test/redirect?to=';
  const resolverTable = { 'public.test': [PUBLIC_ADDRESS], 'intranet.test': ['192.168.0.10'] };

  const hops: [string, () => string, RegExp][] = [
    ['loopback literal', () => `http://127.0.0.1:${canary.port}/`, /loopback/],
    ['decimal loopback', () => `http://2130706433:${canary.port}/`, /loopback/],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/iam/', /linkLocal/],
    ['a name resolving to a private address', () => 'http://intranet.test/', /private/],
    ['localhost', () => `http://localhost:${canary.port}/`, /blocked host name/],
    ['a file: URL', () => 'file:///etc/passwd', /scheme must be http or https/],
    ['a URL with credentials', () => 'http://user:pw@public.test/', /credentials/],
  ];
  for (const [name, target, reason] of hops) {
    it(`blocks a redirect from a public host to ${name}`, async () => {
      const { resolver } = tableResolver(resolverTable);
      const { dial, dials } = loopbackDialer(publicSite, canary);
      const url = site + encodeURIComponent(target());
      await assert.rejects(fetchImageBytes(url, { resolver, dial }), blocked(reason));
      assert.deepEqual(dials, [`${PUBLIC_ADDRESS}:80`], 'only the public first hop was dialled');
      assert.equal(canaryConnections(), 0);
    });
  }

  it('follows a redirect between public hosts, re-resolving the new host', async () => {
    const { resolver, calls } = tableResolver({ ...resolverTable, 'cdn.test': [PUBLIC_ADDRESS] });
    const { dial } = loopbackDialer(publicSite, canary);
    const bytes = await fetchImageBytes(site + encodeURIComponent('http://cdn.test/img.jpg'), { resolver, dial });
    assert.deepEqual(Buffer.from(bytes), IMAGE);
    assert.deepEqual(calls, ['public.test', 'cdn.test']);
  });

  it('the test-only loopback allowance never extends to private or metadata addresses', async () => {
    const { resolver } = tableResolver(resolverTable);
    const { dial } = loopbackDialer(publicSite, canary);
    const url = site + encodeURIComponent('http://169.254.169.254/');
    await assert.rejects(fetchImageBytes(url, { resolver, dial, allowLoopback: true }), blocked(/linkLocal/));
  });
});
