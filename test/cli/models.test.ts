import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, open, readdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { ModelListing } from '../../src/cli/models-list.js';
import type { ModelInfo } from '../../src/cli/models-info.js';
import { CATALOG, type OnnxCatalogEntry } from '../../src/models/catalog.js';
import { REPO_ROOT, childEnv, createWorkspace, maskserve, oneLine, type Workspace } from './helpers.js';

/** The catalog size as a sparse file plus the verification marker: "downloaded" in no time. */
async function fakeDownload(cacheDir: string, id: string): Promise<string> {
  const entry = CATALOG[id] as OnnxCatalogEntry;
  const path = join(cacheDir, entry.file);
  const handle = await open(path, 'w');
  await handle.truncate(entry.bytes);
  await handle.close();
  await writeFile(`${path}.verified`, entry.sha256);
  return path;
}

describe('maskserve models', { concurrency: 3 }, () => {
  let ws: Workspace;
  let mirror: Server;
  let mirrorUrl: string;
  let cachedPath: string;

  before(async () => {
    ws = await createWorkspace();
    await mkdir(ws.cacheDir, { recursive: true });
    cachedPath = await fakeDownload(ws.cacheDir, 'mask-rcnn-r50-fpn-int8');
    await writeFile(join(ws.cacheDir, 'MaskRCNN-10.onnx.part'), 'partial');
    await writeFile(join(ws.dir, 'oracle-maskrcnn.json'), JSON.stringify({ description: 'oracle for CLI tests', license: 'test' }));
    // A mirror that answers with an HTML page instead of the model.
    mirror = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>'));
    await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
    mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/onnx/`;
  });
  after(async () => {
    await new Promise((resolve) => mirror.close(resolve));
    await ws.cleanup();
  });

  it('list --json shows each catalog model with its cache state, and the demo model', async () => {
    const { code, text } = await maskserve(['models', 'list', '--json'], { cacheDir: ws.cacheDir });
    assert.equal(code, 0);
    const rows = JSON.parse(text) as ModelListing[];
    assert.deepEqual(
      rows.map((row) => [row.id, row.state === 'bundled' ? 'missing' : row.state]),
      [
        ['detectron2-mask-rcnn-r50-fpn-3x', 'missing'],
        ['detectron2-mask-rcnn-r50-fpn-1x', 'missing'],
        ['detectron2-mask-rcnn-r101-fpn-3x', 'missing'],
        ['detectron2-mask-rcnn-x101-fpn-3x', 'missing'],
        ['mask-rcnn-r50-fpn', 'missing'],
        ['mask-rcnn-r50-fpn-int8', 'ready'],
        ['mask-rcnn-r50-fpn-opset10', 'partial'],
        ['demo', 'missing'],
      ],
    );
    const row = (id: string) => rows.find((r) => r.id === id);
    assert.equal(row('mask-rcnn-r50-fpn-int8')?.path, cachedPath);
    assert.equal(row('mask-rcnn-r50-fpn')?.boxMap, 0.361);
    assert.equal(row('mask-rcnn-r50-fpn')?.license, 'Apache-2.0 (ONNX Model Zoo)');
    // A detectron2 entry's size and sha256 are known only once it is pulled (trust on first use).
    assert.deepEqual([row('detectron2-mask-rcnn-r50-fpn-3x')?.bytes, row('detectron2-mask-rcnn-r50-fpn-3x')?.sha256], [null, null]);
    assert.equal(row('detectron2-mask-rcnn-r50-fpn-3x')?.maskMap, 0.372);
  });

  it('list prints a table with sizes, states and the cache directory', async () => {
    const { code, text } = await maskserve(['models', 'list'], { cacheDir: ws.cacheDir });
    assert.equal(code, 0);
    assert.match(text, /^ID\s+SIZE\s+STATE\s+BOX AP\s+MASK AP\s+DESCRIPTION\n/);
    assert.match(text, /\nmask-rcnn-r50-fpn-int8\s+45\.8 MB\s+ready\s+0\.331\s+-\s+/);
    assert.ok(text.includes(`Cache: ${ws.cacheDir}`));
  });

  it('info --json reads the graph, the detected family, the classes and the card', async () => {
    const { code, text, stderr } = await maskserve(['models', 'info', ws.modelPath, '--json'], { cacheDir: ws.cacheDir });
    assert.equal(code, 0, stderr);
    const info = JSON.parse(text) as ModelInfo;
    assert.equal(info.family, 'maskrcnn');
    assert.equal(info.id, 'oracle-maskrcnn');
    assert.deepEqual(info.inputs.map((input) => [input.name, input.type, input.dims]), [['image', 'float32', [3, 'height', 'width']]]);
    assert.equal(info.outputs.length, 4);
    assert.equal(info.classes.length, 81);
    assert.equal(info.card.description, 'oracle for CLI tests');
  });

  it('info of a file that is not ONNX says so, naming it, with exit 3', async () => {
    const photo = await ws.image('not-a-model.jpg');
    const result = await maskserve(['models', 'info', photo], { cacheDir: ws.cacheDir });
    assert.equal(result.code, 3);
    assert.match(oneLine(result.stderr), /^maskserve: not-a-model\.jpg is not an ONNX model \(/);
  });

  it('info of a catalog model that is not downloaded exits 3', async () => {
    const result = await maskserve(['models', 'info', 'mask-rcnn-r50-fpn'], { cacheDir: ws.cacheDir });
    assert.equal(result.code, 3);
    assert.match(oneLine(result.stderr), /run `maskserve models pull mask-rcnn-r50-fpn`/);
  });

  it('pull of a verified model prints its path without touching the network', async () => {
    const { code, text } = await maskserve(['models', 'pull', 'mask-rcnn-r50-fpn-int8', '--mirror', 'http://127.0.0.1:9/'], { cacheDir: ws.cacheDir });
    assert.equal(code, 0);
    assert.equal(text, `${cachedPath}\n`);
  });

  it('pull from a mirror serving the wrong file exits 3 and installs nothing', async () => {
    const result = await maskserve(['models', 'pull', 'mask-rcnn-r50-fpn'], { cacheDir: ws.cacheDir, env: { MASKSERVE_MODEL_MIRROR: mirrorUrl } });
    assert.equal(result.code, 3);
    assert.match(result.stderr, /ended after 24 of 177970010 bytes: the server sent a different file/);
    assert.equal(result.text, '');
    assert.deepEqual((await readdir(ws.cacheDir)).filter((name) => name.startsWith('MaskRCNN-12.onnx')), []);
  });

  it('pull resumes a partial download with a Range request, and Ctrl-C keeps the .part', async () => {
    const total = (CATALOG['mask-rcnn-r50-fpn-opset10'] as OnnxCatalogEntry).bytes;
    const ranges: (string | undefined)[] = [];
    const host = createServer((req, res) => {
      ranges.push(req.headers.range);
      res.writeHead(206, { 'content-length': total - 7, 'content-range': `bytes 7-${total - 1}/${total}` });
      res.write(Buffer.alloc(64 * 1024)); // then stall, like a slow link
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const port = (host.address() as AddressInfo).port;
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/maskserve.js'), 'models', 'pull', 'mask-rcnn-r50-fpn-opset10', '--mirror', `http://127.0.0.1:${port}/`], {
      env: childEnv({ MASKSERVE_CACHE_DIR: ws.cacheDir }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stderr = '';
      const exited = once(child, 'exit');
      for await (const line of createInterface({ input: child.stderr })) {
        stderr += `${line}\n`;
        if (line.startsWith('pull mask-rcnn-r50-fpn-opset10')) {
          child.kill('SIGINT');
          break;
        }
      }
      for await (const chunk of child.stderr) stderr += String(chunk);
      const [code] = await exited;
      assert.equal(code, 3, stderr);
      assert.deepEqual(ranges, ['bytes=7-']);
      assert.match(stderr, /interrupted; the partial file is kept: run the same command again to resume/);
      assert.ok((await readdir(ws.cacheDir)).includes('MaskRCNN-10.onnx.part'));
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      host.closeAllConnections();
      await new Promise((resolve) => host.close(resolve));
    }
  });
});
