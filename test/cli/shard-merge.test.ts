// Batch at scale: `predict --shard K/N` over the same inputs, then `merge`, gives exactly the
// single run's coco-results.json and images.json (the demo model on held-out images, so every
// image has its own detections; a broken file shows failures are carried too).
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createWorkspace, maskserve, REPO_ROOT, type Workspace } from './helpers.js';

const HELDOUT = join(REPO_ROOT, 'data', 'shapes-heldout', 'images');

const readRun = async (dir: string) => ({
  coco: JSON.parse(await readFile(join(dir, 'coco-results.json'), 'utf8')) as { image_id: number }[],
  images: JSON.parse(await readFile(join(dir, 'images.json'), 'utf8')) as { image_id: number; input: string; stem?: string; error?: string }[],
});

describe('predict --shard and merge', () => {
  let ws: Workspace;
  let inputs: string;

  before(async () => {
    ws = await createWorkspace();
    inputs = join(ws.dir, 'inputs');
    await mkdir(inputs);
    for (const name of (await readdir(HELDOUT)).sort().slice(0, 7)) await copyFile(join(HELDOUT, name), join(inputs, name));
    await writeFile(join(inputs, 'broken.jpg'), 'not an image');
  });
  after(() => ws.cleanup());

  it('3 shards merged give exactly the single run’s results', async () => {
    const single = await maskserve(['predict', inputs, '--model', 'demo', '--out', join(ws.dir, 'single')], { cacheDir: ws.cacheDir });
    assert.equal(single.code, 1, single.stderr); // the broken file
    const shards = await Promise.all(
      [0, 1, 2].map((k) => maskserve(['predict', inputs, '--model', 'demo', '--shard', `${k}/3`, '--out', join(ws.dir, `part-${k}`)], { cacheDir: ws.cacheDir })),
    );
    const parts = await Promise.all([0, 1, 2].map((k) => readRun(join(ws.dir, `part-${k}`))));
    // Every input exactly once across the shards, 8 inputs -> 3 + 3 + 2.
    assert.deepEqual(parts.map((part) => part.images.length), [3, 3, 2]);
    assert.deepEqual(shards.map((shard) => shard.code), [1, 0, 0], 'only the shard holding broken.jpg reports a failure');

    const merged = await maskserve(['merge', ...[0, 1, 2].map((k) => join(ws.dir, `part-${k}`)), '--out', join(ws.dir, 'merged')]);
    assert.equal(merged.code, 0, merged.stderr);
    assert.match(merged.stderr, /merged 3 runs: 8 images, \d+ results -> /);
    const [expected, actual] = await Promise.all([readRun(join(ws.dir, 'single')), readRun(join(ws.dir, 'merged'))]);
    assert.ok(expected.coco.length > 7, 'the demo model finds shapes in the held-out images');
    assert.deepEqual(actual, expected);
    // Per-image files do not collide across shards: each shard wrote its own stems.
    const stems = (await Promise.all([0, 1, 2].map((k) => readdir(join(ws.dir, `part-${k}`))))).flat().filter((name) => name.endsWith('.png'));
    assert.equal(new Set(stems).size, 7);
  });

  it('renumbers runs whose image ids collide, and refuses a directory that is not a predict output', async () => {
    const a = join(ws.dir, 'part-0');
    const renumbered = await maskserve(['merge', a, a, '--out', join(ws.dir, 'twice')]);
    assert.equal(renumbered.code, 0, renumbered.stderr);
    assert.match(renumbered.stderr, /renumbered in the order given/);
    const twice = await readRun(join(ws.dir, 'twice'));
    assert.deepEqual(twice.images.map((image) => image.image_id), [1, 2, 3, 4, 5, 6]);

    const missing = await maskserve(['merge', a, inputs, '--out', join(ws.dir, 'never')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /images\.json is missing: give directories written by `maskserve predict --out`/);
    await assert.rejects(readdir(join(ws.dir, 'never')), 'nothing is written when an input run is bad');
  });

  it('--shard takes K/N with 0 <= K < N', async () => {
    const bad = await maskserve(['predict', inputs, '--shard', '3/3']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Expected K\/N with 0 <= K < N <= 100000 \(e\.g\. 0\/3\) for --shard but received "3\/3"/);
  });
});
