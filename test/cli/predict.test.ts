// End to end: the real executable, the real pipeline and worker pool, an oracle Mask R-CNN graph
// whose detections are known (a person and a dog, see helpers.ts).
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { rleArea } from '../../src/output/rle.js';
import type { CocoResult, ResultJson } from '../../src/types.js';
import { createWorkspace, maskserve, oneLine, type Workspace } from './helpers.js';

describe('maskserve predict', { concurrency: 2 }, () => {
  let ws: Workspace;
  let server: Server;
  let imageUrl: string;

  before(async () => {
    ws = await createWorkspace();
    await ws.image('dog.jpg');
    await mkdir(join(ws.dir, 'sub'));
    await ws.image('sub/dog.png');
    await writeFile(join(ws.dir, 'broken.jpg'), 'not an image');
    const png = await readFile(join(ws.dir, 'sub/dog.png'));
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    imageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/street/photo.png`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await ws.cleanup();
  });

  const predict = (args: string[], env: Record<string, string> = {}) => maskserve(['predict', ...args, '--model', ws.modelPath], { cwd: ws.dir, env });

  it('prints the result JSON of one image on stdout and nothing else', async () => {
    const { code, text, stderr } = await predict(['dog.jpg', '--classes', 'dog', '--mask-format', 'both']);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    const result = JSON.parse(text) as ResultJson;
    assert.deepEqual(result.model, { id: 'oracle-maskrcnn', family: 'maskrcnn', isDemo: false });
    assert.deepEqual(result.image, { width: 640, height: 480 });
    assert.deepEqual(result.instances.map((i) => i.label), ['dog']);
    assert.deepEqual(result.counts, { dog: 1 });
    const [dog] = result.instances;
    assert.ok(dog.mask && dog.polygons && dog.polygons.length > 0);
    assert.equal(rleArea(dog.mask), dog.area);
    assert.ok(Math.abs(dog.bbox[0] - 360) < 3 && Math.abs(dog.bbox[1] - 120) < 3, `bbox ${dog.bbox}`);
  });

  it('writes the annotated PNG to a piped stdout with --format png', async () => {
    const { code, stdout, stderr } = await predict(['sub/dog.png', '--format', 'png']);
    assert.equal(code, 0, stderr);
    const meta = await sharp(stdout).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 640, 480]);
  });

  it('refuses a class the model does not know before any image runs, naming the flag (exit 2)', async () => {
    const { code, stderr, stdout } = await predict(['dog.jpg', 'sub/dog.png', '--classes', 'unicorn']);
    assert.equal(code, 2);
    assert.match(oneLine(stderr), /^maskserve: Expected class names from this model \(.*\) for --classes but received "unicorn"$/);
    assert.equal(stdout.length, 0);
  });

  it('writes every image format of the table, drawn as the option flags say', async () => {
    const plain = await predict(['sub/dog.png', '--format', 'png', '--no-boxes', '--no-labels', '--no-masks']);
    assert.equal(plain.code, 0, plain.stderr);
    const input = await sharp(join(ws.dir, 'sub/dog.png')).removeAlpha().raw().toBuffer();
    const drawn = await sharp(plain.stdout).removeAlpha().raw().toBuffer();
    assert.ok(drawn.equals(input), 'with --no-boxes --no-labels --no-masks nothing is drawn');
    const webp = await predict(['sub/dog.png', '--format', 'webp', '--opacity', '0.2']);
    assert.equal(webp.code, 0, webp.stderr);
    assert.equal((await sharp(webp.stdout).metadata()).format, 'webp');
    const jpeg = await predict(['sub/dog.png', '--format', 'jpg', '--mask-threshold', '0.9', '--agnostic-nms']);
    assert.equal(jpeg.code, 0, jpeg.stderr);
    assert.equal((await sharp(jpeg.stdout).metadata()).format, 'jpeg');
  });

  it('fetches URL inputs through the safe fetcher (loopback allowed only in tests) and prints COCO results', async () => {
    const { code, text, stderr } = await predict([imageUrl, '--format', 'coco'], { MASKSERVE_ALLOW_LOOPBACK_FETCH: '1' });
    assert.equal(code, 0, stderr);
    const rows = JSON.parse(text) as CocoResult[];
    assert.deepEqual(rows.map((r) => [r.image_id, r.category_id]), [[1, 1], [1, 18]]);
  });

  it('writes per-image files and run files with --out, continues past bad inputs, exits 1 listing them', async () => {
    const { code, text, stderr } = await predict(['dog.jpg', 'sub', 'broken.jpg', 'missing.jpg', imageUrl, '--out', 'results', '--concurrency', '2']);
    assert.equal(code, 1);
    assert.equal(text, '', 'nothing on stdout');
    const out = join(ws.dir, 'results');
    assert.deepEqual((await readdir(out)).sort(), ['coco-results.json', 'dog-2.json', 'dog-2.png', 'dog.json', 'dog.png', 'images.json']);
    const coco = JSON.parse(await readFile(join(out, 'coco-results.json'), 'utf8')) as CocoResult[];
    assert.deepEqual([...new Set(coco.map((r) => r.image_id))], [1, 2]);
    const images = JSON.parse(await readFile(join(out, 'images.json'), 'utf8')) as { image_id: number; input: string; stem?: string; error?: string }[];
    assert.deepEqual(images.map((i) => [i.image_id, i.input, i.stem ?? 'failed']), [
      [1, 'dog.jpg', 'dog'],
      [2, 'sub/dog.png', 'dog-2'],
      [3, 'broken.jpg', 'failed'],
      [4, imageUrl, 'failed'],
    ]);
    const second = JSON.parse(await readFile(join(out, 'dog-2.json'), 'utf8')) as ResultJson;
    assert.equal(second.instances.length, 2);
    assert.equal((await sharp(join(out, 'dog.png')).metadata()).width, 640);
    assert.match(stderr, /3 of 5 inputs failed/);
    assert.match(stderr, /\n  missing\.jpg: no such file or directory\n/);
    assert.match(stderr, /\n  broken\.jpg: Unsupported image format/);
    assert.match(stderr, new RegExp(`\\n  ${imageUrl.replaceAll('.', '\\.')}: `), 'loopback URLs are refused without the test switch');
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack traces');
    assert.match(stderr, /maskserve: 2 images, 4 instances \(dog 2, person 2\) in [\d.]+ s -> results \(<stem>\.png, <stem>\.json, coco-results\.json, images\.json\)\n/);
  });

  it('takes --conf as Ultralytics\' name for --threshold', async () => {
    const { code, text, stderr } = await predict(['dog.jpg', '--conf', '0.9']);
    assert.equal(code, 0, stderr);
    assert.deepEqual((JSON.parse(text) as ResultJson).instances.map((i) => i.label), ['person'], 'the 0.8 dog is below --conf 0.9');
    const bad = await predict(['dog.jpg', '--conf', '2']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Expected a number between 0 and 1 for --conf but received "2"/);
    const both = await predict(['dog.jpg', '--conf', '0.9', '--threshold', '0.5']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--threshold or --conf \(the same setting\)/);
  });

  it('prints JSON Lines for several inputs without --out', async () => {
    const { code, text, stderr } = await predict(['dog.jpg', 'sub/dog.png', '--mask-format', 'none']);
    assert.equal(code, 0, stderr);
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as ResultJson & { input: string });
    assert.deepEqual(lines.map((line) => line.input).sort(), ['dog.jpg', 'sub/dog.png']);
    assert.ok(lines.every((line) => line.instances.length === 2 && line.instances.every((i) => i.mask === undefined)));
  });

  it('fails a single bad input with one line on stderr and exit 1', async () => {
    const result = await predict(['broken.jpg']);
    assert.equal(result.code, 1);
    assert.match(oneLine(result.stderr), /^maskserve: broken\.jpg: Unsupported image format/);
    assert.equal(result.text, '');
  });

  it('refuses an --out that would overwrite an input, before loading anything', async () => {
    const result = await predict(['sub/dog.png', '--out', 'sub']);
    assert.equal(result.code, 2);
    assert.match(oneLine(result.stderr), /--out sub would overwrite the input sub\/dog\.png/);
  });
});
