// `predict --out` writes a COCO results file; feeding it to `eval --results` must reproduce the
// numbers of `eval --model` on the same images (same model, same threshold), on real held-out images.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskserve, REPO_ROOT } from './helpers.js';

const HELDOUT = join(REPO_ROOT, 'data', 'shapes-heldout');
const IMAGES = 6;

interface CocoGt {
  images: { id: number; file_name: string }[];
  annotations: { image_id: number }[];
  categories: unknown[];
}

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskserve-roundtrip-'));
  const gt = JSON.parse(await readFile(join(HELDOUT, 'instances.json'), 'utf8')) as CocoGt;
  // The first images in file-name order; predict numbers its inputs 1..N in the same order, so
  // renumber the ground truth to match.
  const images = [...gt.images].sort((a, b) => a.file_name.localeCompare(b.file_name)).slice(0, IMAGES);
  const newId = new Map(images.map((image, i) => [image.id, i + 1]));
  await mkdir(join(dir, 'images'));
  for (const image of images) await copyFile(join(HELDOUT, 'images', image.file_name), join(dir, 'images', image.file_name));
  const subset = {
    ...gt,
    images: images.map((image) => ({ ...image, id: newId.get(image.id) })),
    annotations: gt.annotations.filter((a) => newId.has(a.image_id)).map((a) => ({ ...a, image_id: newId.get(a.image_id) })),
  };
  await writeFile(join(dir, 'instances.json'), JSON.stringify(subset));
});

after(() => rm(dir, { recursive: true, force: true }));

describe('predict -> eval --results round trip', () => {
  it('reproduces the numbers of eval --model', async () => {
    const viaModel = await maskserve(['eval', '--model', 'demo', '--annotations', 'instances.json', '--images', 'images', '--threshold', '0.05', '--out', 'model-metrics.json'], { cwd: dir });
    assert.equal(viaModel.code, 0, viaModel.stderr);

    const predicted = await maskserve(['predict', 'images', '--model', 'demo', '--threshold', '0.05', '--out', 'out'], { cwd: dir });
    assert.equal(predicted.code, 0, predicted.stderr);
    const viaResults = await maskserve(['eval', '--results', 'out/coco-results.json', '--annotations', 'instances.json', '--out', 'results-metrics.json'], { cwd: dir });
    assert.equal(viaResults.code, 0, viaResults.stderr);

    const a = JSON.parse(await readFile(join(dir, 'model-metrics.json'), 'utf8'));
    const b = JSON.parse(await readFile(join(dir, 'results-metrics.json'), 'utf8'));
    for (const type of ['bbox', 'segm']) {
      assert.ok(Array.isArray(a[type].stats) && a[type].stats.length === 12);
      // COCO results round scores and boxes for the file; the evaluation must not notice.
      a[type].stats.forEach((value: number, i: number) => assert.ok(Math.abs(value - b[type].stats[i]) < 1e-3, `${type} stat ${i}: ${value} vs ${b[type].stats[i]}`));
    }
    // The summary lines printed on stdout are the same too.
    assert.equal(viaModel.text.split('\n').filter((l) => l.includes('Average')).join('\n'), viaResults.text.split('\n').filter((l) => l.includes('Average')).join('\n'));
  });
});
