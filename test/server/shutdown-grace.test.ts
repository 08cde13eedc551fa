// Shutdown is bounded: a client trickling headers or a body that never completes cannot keep
// the process alive after SIGTERM (it used to, for > 100 s, until an orchestrator's SIGKILL).
// MASKSERVE_SHUTDOWN_GRACE_MS bounds the drain; a second signal exits at once with 1.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { oracleModelBytes } from './helpers.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

let dir: string;
let modelPath: string;
const started: ServerProcess[] = [];

before(async () => {
  // Not the shared TMP_PREFIX: other files check that none of theirs is left while this one runs.
  dir = await mkdtemp(join(tmpdir(), 'maskserve-grace-test-'));
  modelPath = join(dir, 'oracle.onnx');
  await writeFile(modelPath, oracleModelBytes());
});

after(async () => {
  for (const server of started) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

async function serve(graceMs: number): Promise<ServerProcess> {
  const server = await startServerProcess({ MASKSERVE_MODEL: modelPath, MASKSERVE_WORKERS: '1', MASKSERVE_INTRA_OP_THREADS: '1', MASKSERVE_SHUTDOWN_GRACE_MS: String(graceMs) });
  started.push(server);
  return server;
}

/** Opens a connection and sends `text`, then nothing more; resolves once the server has it. */
async function stall(server: ServerProcess, text: string, seen: (line: { msg?: string }) => boolean): Promise<Socket> {
  const socket = connect(server.port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(text);
  await server.log.next(seen);
  return socket;
}

const HALF_SENT_BODY = 'POST /api/v1/segment HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n\x89PNG';

describe('bounded shutdown', { timeout: 60_000 }, () => {
  it('a client trickling its headers does not hold the exit: the half-sent connection is closed', async () => {
    const server = await serve(30_000);
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /api/v1/segment HTTP/1.1\r\nHost: x\r\nX-Slow: a'); // and never the rest
    server.child.kill('SIGTERM');
    assert.deepEqual(await server.exited, { code: 0, signal: null }, server.stderr());
    await closed;
    assert.ok(server.log.lines.some((line) => line.msg === 'shutdown complete'));
    assert.ok(!server.log.lines.some((line) => String(line.msg).includes('grace period')), 'no need to wait for the grace period');
  });

  it('a request whose body never completes is cut when the grace period ends; exit 0', async () => {
    const server = await serve(500);
    const socket = await stall(server, HALF_SENT_BODY, (line) => line.msg === 'incoming request');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    server.child.kill('SIGTERM');
    assert.deepEqual(await server.exited, { code: 0, signal: null }, server.stderr());
    await closed;
    assert.ok(server.log.lines.some((line) => String(line.msg).startsWith('shutdown grace period of 500 ms is over')));
    assert.ok(server.log.lines.some((line) => line.msg === 'shutdown complete'));
  });

  it('a second signal exits at once with 1', async () => {
    const server = await serve(60_000);
    await stall(server, HALF_SENT_BODY, (line) => line.msg === 'incoming request');
    server.child.kill('SIGTERM');
    await server.log.next((line) => String(line.msg).startsWith('SIGTERM received: draining'));
    server.child.kill('SIGTERM');
    assert.deepEqual(await server.exited, { code: 1, signal: null }, server.stderr());
    assert.ok(server.log.lines.some((line) => String(line.msg).startsWith('SIGTERM received again: exiting now')));
  });
});
