// A loopback HTTP server standing in for the model host, with helpers for the answers a real
// host or mirror can give: full file, ranged (206) part, an error status, a connection cut short.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OnnxCatalogEntry } from '../../src/models/catalog.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ModelHost {
  readonly baseUrl: string;
  /** Range header of every request received, in order (undefined when absent). */
  readonly ranges: (string | undefined)[];
  handler: Handler;
  close(): Promise<void>;
}

export async function startModelHost(handler: Handler): Promise<ModelHost> {
  const sockets = new Set<import('node:net').Socket>();
  const host: ModelHost = {
    baseUrl: '',
    ranges: [],
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    host.ranges.push(req.headers.range);
    host.handler(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(host, { baseUrl: `http://127.0.0.1:${port}/models/` });
}

export function serveFull(payload: Uint8Array): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-length': payload.byteLength, 'content-type': 'application/octet-stream' });
    res.end(payload);
  };
}

/** Honours `Range: bytes=N-` with a 206, like GitHub's LFS storage. */
export function serveRanges(payload: Uint8Array): Handler {
  return (req, res) => {
    const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (!match) return serveFull(payload)(req, res);
    const start = Number(match[1]);
    if (start >= payload.byteLength) {
      res.writeHead(416, { 'content-range': `bytes */${payload.byteLength}` });
      return res.end();
    }
    res.writeHead(206, {
      'content-length': payload.byteLength - start,
      'content-range': `bytes ${start}-${payload.byteLength - 1}/${payload.byteLength}`,
    });
    res.end(payload.subarray(start));
  };
}

/** Announces the whole file, sends `cutAfter` bytes, then drops the connection. */
export function serveCut(payload: Uint8Array, cutAfter: number): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-length': payload.byteLength });
    res.write(payload.subarray(0, cutAfter), () => res.socket?.end(() => res.socket?.destroy()));
  };
}

export function serveStatus(status: number): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(`status ${status}`);
  };
}

export interface Fixture {
  readonly payload: Buffer;
  readonly entry: OnnxCatalogEntry;
  readonly cacheDir: string;
  cleanup(): Promise<void>;
}

/** A few MB of random bytes and a catalog entry describing them (size and real sha256). */
export async function makeFixture(size = 3 * 1024 * 1024 + 123): Promise<Fixture> {
  const payload = randomBytes(size);
  const cacheDir = await mkdtemp(join(tmpdir(), 'maskserve-dl-'));
  const entry: OnnxCatalogEntry = Object.freeze({
    kind: 'onnx',
    id: 'test-model',
    url: 'https://example.invalid/test-model.onnx',
    file: 'test-model.onnx',
    bytes: size,
    sha256: createHash('sha256').update(payload).digest('hex'),
    license: 'test',
    family: 'maskrcnn',
    classes: ['__background', 'thing'],
    accuracy: { boxMap: 0 },
    description: 'random bytes',
  });
  return { payload, entry, cacheDir, cleanup: () => rm(cacheDir, { recursive: true, force: true }) };
}
