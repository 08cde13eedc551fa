// The pinned agent connects to the vetted address only, whatever name the URL carries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { createPinnedAgent } from '../../src/input/pinned-agent.js';
import { startServer, type TestServer } from './loopback-servers.js';

let server: TestServer;

before(async () => {
  server = await startServer((request, response) => response.end(`host=${request.headers.host}`));
});

after(() => server.close());

describe('createPinnedAgent', () => {
  it('opens the socket to the vetted IP while the request keeps its host name', async () => {
    // "pinned.invalid" cannot resolve anywhere: success proves no DNS lookup happened.
    const agent = createPinnedAgent({ hostname: 'pinned.invalid', port: server.port, address: '127.0.0.1', family: 4 });
    try {
      const response = await request(`http://pinned.invalid:${server.port}/`, { dispatcher: agent });
      assert.equal(await response.body.text(), `host=pinned.invalid:${server.port}`);
    } finally {
      await agent.destroy();
    }
  });

  it('refuses to connect for any other origin', async () => {
    const agent = createPinnedAgent({ hostname: 'pinned.invalid', port: server.port, address: '127.0.0.1', family: 4 });
    const before = server.connections();
    try {
      await assert.rejects(request(`http://other.invalid:${server.port}/`, { dispatcher: agent }), /pinned agent for pinned\.invalid/);
      assert.equal(server.connections(), before);
    } finally {
      await agent.destroy();
    }
  });

  it('applies the dial seam after vetting, to the vetted target', async () => {
    const seen: string[] = [];
    const dial = (target: { address: string; port: number }) => {
      seen.push(`${target.address}:${target.port}`);
      return { address: '127.0.0.1', port: server.port };
    };
    const agent = createPinnedAgent({ hostname: 'public.invalid', port: 80, address: '93.184.215.14', family: 4 }, dial);
    try {
      const response = await request('http://public.invalid/', { dispatcher: agent });
      assert.equal(await response.body.text(), 'host=public.invalid');
      assert.deepEqual(seen, ['93.184.215.14:80']);
    } finally {
      await agent.destroy();
    }
  });
});
