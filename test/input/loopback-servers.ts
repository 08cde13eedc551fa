// Loopback-only HTTP servers for the fetch tests. Nothing here ever listens on, or talks to,
// anything but 127.0.0.1 / ::1. A canary counts every TCP connection it receives: SSRF tests
// assert it stays at zero, proving blocked addresses were refused BEFORE any connect.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedAddress } from '../../src/input/fetch-url.js';

export interface TestServer {
  readonly port: number;
  readonly host: string;
  /** TCP connections accepted so far. */
  readonly connections: () => number;
  /** Requests seen so far (method, url, host header). */
  readonly requests: { url: string; host: string | undefined }[];
  url(path?: string): string;
  close(): Promise<void>;
}

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export async function startServer(handler: Handler, host = '127.0.0.1'): Promise<TestServer> {
  const requests: { url: string; host: string | undefined }[] = [];
  let connections = 0;
  const server: Server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', host: request.headers.host });
    handler(request, response);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return {
    port,
    host,
    connections: () => connections,
    requests,
    url: (path = '/') => `http://${authority}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A canary answering with an image-looking 200, so a leak would also show up as a success. */
export function startCanary(host = '127.0.0.1'): Promise<TestServer> {
  return startServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'image/png' });
    response.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  }, host);
}

/** A canary on ::1 when this machine has IPv6 loopback, else undefined. */
export async function startIpv6Canary(): Promise<TestServer | undefined> {
  try {
    return await startCanary('::1');
  } catch {
    return undefined;
  }
}

/** A documentation-free, globally routable address that tests pretend a public host has. */
export const PUBLIC_ADDRESS = '93.184.215.14';

/** Resolver seam that records each lookup and answers from a table (unknown names fail). */
export function tableResolver(table: Record<string, string[] | (() => string[])>) {
  const calls: string[] = [];
  const resolver = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname);
    const entry = table[hostname];
    if (entry === undefined) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    const addresses = typeof entry === 'function' ? entry() : entry;
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolver, calls };
}

/**
 * Dial seam: the vetted public address goes to `server` on loopback; any other address goes to
 * the canary (which must then stay silent). Records every dial.
 */
export function loopbackDialer(server: TestServer, canary: TestServer) {
  const dials: string[] = [];
  const dial = (target: { address: string; port: number }) => {
    dials.push(`${target.address}:${target.port}`);
    return target.address === PUBLIC_ADDRESS ? { address: '127.0.0.1', port: server.port } : { address: '127.0.0.1', port: canary.port };
  };
  return { dial, dials };
}
