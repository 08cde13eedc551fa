// The real entry point as a subprocess: it loads the model, warms up, reports ready, and on
// SIGTERM under load finishes every in-flight request before exiting 0.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TMP_PREFIX, leftoverTempDirs, photo, slowModelBytes } from './helpers.js';
import { logWatcher } from './server-process.js';

const REPO_ROOT = new URL('../../', import.meta.url).pathname;

describe('server process', () => {
  let dir: string;
  let child: ChildProcessWithoutNullStreams;
  let stderr = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), TMP_PREFIX));
    const modelPath = join(dir, 'slow.onnx');
    await writeFile(modelPath, slowModelBytes(120));
    child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        MASKSERVE_MODEL: modelPath,
        MASKSERVE_WORKERS: '1',
        MASKSERVE_INTRA_OP_THREADS: '1',
        MASKSERVE_MAX_QUEUE: '8',
        LOG_LEVEL: 'info',
      },
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  });

  after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('warms up, becomes ready, and drains in-flight requests on SIGTERM, exiting 0', async () => {
    const log = logWatcher(child);
    const ready = await Promise.race([
      log.next((line) => typeof line.msg === 'string' && line.msg.startsWith('maskserve ready at')),
      exited.then((exit) => assert.fail(`server exited early (${JSON.stringify(exit)}): ${stderr}`)),
    ]);
    const baseUrl = ready.url as string;
    assert.match(baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(log.lines.some((line) => line.msg?.includes('warm-up inference succeeded')));
    assert.ok(log.lines.some((line) => line.msg?.includes('model slow (maskrcnn) loaded')));
    assert.equal((await fetch(`${baseUrl}/readyz`)).status, 200);

    const png = await photo('png');
    const inFlight = Array.from({ length: 4 }, () =>
      fetch(`${baseUrl}/api/v1/segment`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png }).then(async (response) => ({
        status: response.status,
        connection: response.headers.get('connection'),
        body: (await response.json()) as { model: { id: string } },
      })),
    );
    // Wait until the server has accepted all four before signalling.
    let accepted = 0;
    await log.next((line) => line.msg === 'incoming request' && line.req?.url === '/api/v1/segment' && ++accepted === 4);
    child.kill('SIGTERM');

    const results = await Promise.all(inFlight);
    for (const result of results) {
      assert.equal(result.status, 200, JSON.stringify(result.body));
      assert.equal(result.body.model.id, 'slow');
    }
    // Answers sent while draining close their socket, so kept-alive sockets cannot stall the exit.
    assert.equal(results.at(-1)?.connection, 'close');
    const exit = await exited;
    assert.deepEqual(exit, { code: 0, signal: null }, stderr);
    assert.ok(log.lines.some((line) => line.msg === 'shutdown complete'));
    await assert.rejects(fetch(`${baseUrl}/healthz`), 'the port is closed after shutdown');
  });

  it('leaves no temporary files behind (beyond this test’s own, removed in after())', async () => {
    const ours = await leftoverTempDirs();
    assert.deepEqual(ours.filter((name) => !dir.endsWith(name)), []);
  });
});
