import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MaskserveError } from '../../src/errors.js';
import { isCached } from '../../src/models/cache.js';
import { downloadModel, modelUrl } from '../../src/models/download.js';
import { makeFixture, serveCut, serveFull, serveRanges, serveStatus, startModelHost, type Fixture, type ModelHost } from './download-server.js';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function hasCode(code: string) {
  return (error: unknown) => error instanceof MaskserveError && error.code === code;
}

describe('downloadModel against a loopback host', () => {
  let fixture: Fixture;
  let host: ModelHost;
  let finalPath: string;

  beforeEach(async () => {
    fixture = await makeFixture();
    host = await startModelHost(serveRanges(fixture.payload));
    finalPath = join(fixture.cacheDir, fixture.entry.file);
  });
  afterEach(async () => {
    await host.close();
    await fixture.cleanup();
  });

  const download = (extra: Parameters<typeof downloadModel>[1] = {}) =>
    downloadModel(fixture.entry, { cacheDir: fixture.cacheDir, baseUrl: host.baseUrl, ...extra });

  it('downloads, verifies and installs the file with a marker so it counts as cached', async () => {
    const progress: [number, number][] = [];
    const path = await download({ onProgress: (received, total) => progress.push([received, total]) });
    assert.equal(path, finalPath);
    assert.deepEqual(await readFile(path), fixture.payload);
    assert.equal(await exists(`${path}.part`), false);
    assert.equal(await isCached(fixture.entry, { MASKSERVE_CACHE_DIR: fixture.cacheDir }), true);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i][0] >= progress[i - 1][0], 'progress never goes back');
    assert.deepEqual(progress.at(-1), [fixture.entry.bytes, fixture.entry.bytes]);
    assert.ok(progress.every(([, total]) => total === fixture.entry.bytes));
  });

  it('does not fetch again when the verified file is already cached', async () => {
    await download();
    await download();
    assert.equal(host.ranges.length, 1);
  });

  it('deletes the file and reports CHECKSUM_MISMATCH when the bytes do not hash as expected', async () => {
    const wrong = { ...fixture.entry, sha256: '0'.repeat(64) };
    await assert.rejects(downloadModel(wrong, { cacheDir: fixture.cacheDir, baseUrl: host.baseUrl }), (error: unknown) => {
      assert.ok(hasCode('CHECKSUM_MISMATCH')(error));
      assert.match((error as Error).message, /deleted/);
      return true;
    });
    assert.equal(await exists(finalPath), false);
    assert.equal(await exists(`${finalPath}.part`), false);
  });

  it('keeps the .part of a truncated transfer and never writes the final path', async () => {
    host.handler = serveCut(fixture.payload, 1_000_000);
    await assert.rejects(download(), (error: unknown) => {
      assert.ok(hasCode('DOWNLOAD_FAILED')(error));
      assert.match((error as Error).message, /interrupted .*resume/);
      return true;
    });
    assert.equal(await exists(finalPath), false);
    const partSize = (await stat(`${finalPath}.part`)).size;
    assert.ok(partSize > 0 && partSize <= 1_000_000, `part has ${partSize} bytes`);
  });

  it('resumes an interrupted download with a Range request answered by 206', async () => {
    host.handler = serveCut(fixture.payload, 1_500_000);
    await assert.rejects(download(), hasCode('DOWNLOAD_FAILED'));
    const partSize = (await stat(`${finalPath}.part`)).size;
    host.handler = serveRanges(fixture.payload);
    const progress: number[] = [];
    await download({ onProgress: (received) => progress.push(received) });
    assert.deepEqual(host.ranges, [undefined, `bytes=${partSize}-`]);
    assert.equal(progress[0], partSize, 'progress starts at the resumed offset');
    assert.deepEqual(await readFile(finalPath), fixture.payload);
  });

  it('restarts cleanly when the server ignores Range and answers 200', async () => {
    await writeFile(`${finalPath}.part`, fixture.payload.subarray(0, 777));
    host.handler = serveFull(fixture.payload);
    await download();
    assert.equal(host.ranges[0], 'bytes=777-');
    assert.deepEqual(await readFile(finalPath), fixture.payload);
  });

  it('restarts from zero when the server answers 416 to the range', async () => {
    // A stale .part from a different upload: the range makes no sense to this server.
    await writeFile(`${finalPath}.part`, Buffer.alloc(500));
    let calls = 0;
    host.handler = (req, res) => (calls++ === 0 ? serveStatus(416)(req, res) : serveFull(fixture.payload)(req, res));
    await download();
    assert.deepEqual(host.ranges, ['bytes=500-', undefined]);
    assert.deepEqual(await readFile(finalPath), fixture.payload);
  });

  it('reports DOWNLOAD_FAILED with the status when the server answers 500', async () => {
    host.handler = serveStatus(500);
    await assert.rejects(download(), (error: unknown) => {
      assert.ok(hasCode('DOWNLOAD_FAILED')(error));
      assert.match((error as Error).message, /HTTP 500/);
      return true;
    });
    assert.equal(await exists(finalPath), false);
  });

  it('rejects a 200 whose Content-Length is not the catalog size (an error page, a wrong file)', async () => {
    host.handler = serveFull(Buffer.from('<html>not a model</html>'));
    await assert.rejects(download(), /announces 24 bytes/);
  });

  it('keeps nothing when a body without Content-Length ends cleanly but short (an error page)', async () => {
    host.handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
    await assert.rejects(download(), /ended after 24 of \d+ bytes/);
    assert.equal(await exists(`${finalPath}.part`), false);
    assert.equal(await exists(finalPath), false);
  });

  it('stops and keeps nothing when a body without Content-Length runs past the catalog size', async () => {
    host.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.concat([fixture.payload, Buffer.alloc(10)]));
    };
    await assert.rejects(download(), /sent more than the expected \d+ bytes/);
    assert.equal(await exists(`${finalPath}.part`), false);
    assert.equal(await exists(finalPath), false);
  });

  it('takes the mirror from MASKSERVE_MODEL_MIRROR when no baseUrl is given', async () => {
    await downloadModel(fixture.entry, { cacheDir: fixture.cacheDir, env: { MASKSERVE_MODEL_MIRROR: host.baseUrl } });
    assert.equal(host.ranges.length, 1);
  });
});

describe('downloadModel when the host cannot be reached', () => {
  it('explains exactly how to fetch the file by hand', async () => {
    const fixture = await makeFixture(1024);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    try {
      await assert.rejects(downloadModel(fixture.entry, { cacheDir: fixture.cacheDir, baseUrl: `http://127.0.0.1:${port}/` }), (error: unknown) => {
        const message = (error as Error).message;
        const target = join(fixture.cacheDir, fixture.entry.file);
        assert.ok(hasCode('DOWNLOAD_FAILED')(error));
        assert.equal((error as MaskserveError).details.offline, true);
        assert.match(message, /ECONNREFUSED/);
        assert.ok(message.includes(`curl -L -o ${target} http://127.0.0.1:${port}/test-model.onnx`), message);
        assert.ok(message.includes(`sha256sum ${target}`), message);
        assert.ok(message.includes(fixture.entry.sha256) && message.includes(String(fixture.entry.bytes)));
        assert.match(message, /MASKSERVE_MODEL_MIRROR/);
        return true;
      });
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('modelUrl', () => {
  it('uses the publisher URL unless a mirror is given, and rejects non-http mirrors', async () => {
    const { entry, cleanup } = await makeFixture(16);
    await cleanup();
    assert.equal(modelUrl(entry), entry.url);
    assert.equal(modelUrl(entry, 'https://mirror.example/onnx'), 'https://mirror.example/onnx/test-model.onnx');
    assert.throws(() => modelUrl(entry, 'ftp://mirror.example/'), /Expected an http\(s\) URL for MASKSERVE_MODEL_MIRROR/);
  });
});
