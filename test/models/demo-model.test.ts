// The committed demo model, through the real pipeline, on real held-out images: at least 90% of
// ground-truth objects must be found with the right class and a mask IoU >= 0.8.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, segment, type LoadedModel } from '../../src/pipeline.js';
import { createInferencePool, type InferencePool } from '../../src/runtime/worker-pool.js';
import { resolveOptions } from '../../src/options.js';
import { maskToRleCounts } from '../../src/output/rle.js';
import { segmentationToRle } from '../../src/eval/segmentation.js';
import { rleIou } from '../../src/eval/iou.js';
import type { Rle } from '../../src/eval/rle-ops.js';

const HELDOUT = fileURLToPath(new URL('../../data/shapes-heldout/', import.meta.url));
const REAL_PHOTOS = fileURLToPath(new URL('../fixtures/photos/', import.meta.url));

interface Gt {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { image_id: number; category_id: number; iscrowd: number; segmentation: unknown }[];
  categories: { id: number; name: string }[];
}

let pool: InferencePool;
let model: LoadedModel;
let gt: Gt;

before(async () => {
  pool = createInferencePool({ workers: 1, intraOpThreads: 1 });
  model = await loadModel('demo', { pool });
  gt = JSON.parse(await readFile(join(HELDOUT, 'instances.json'), 'utf8')) as Gt;
});

after(() => pool.close());

describe('demo model on the held-out set', () => {
  // Issue "First run without false alarms": the demo model was fine-tuned with real photos as
  // hard negatives; on photos of the world (which contain no drawn shapes) it says nothing.
  it('finds nothing on real photos without drawn shapes, at the default threshold', async () => {
    for (const name of ['dog.jpg', 'street-demo-640.jpg']) {
      const { instances } = await segment(await readFile(join(REAL_PHOTOS, name)), model, resolveOptions({}));
      const found = [...instances.classIds].map((id, i) => `${instances.classNames[id]} ${instances.scores[i]!.toFixed(2)}`);
      assert.deepEqual(found, [], name);
    }
  });

  it('is detected as a maskrcnn model with the six shape classes', () => {
    assert.equal(model.ref.family, 'maskrcnn');
    assert.equal(model.ref.isDemo, true);
    assert.deepEqual(model.adapter.classNames.slice(1), ['circle', 'triangle', 'square', 'star', 'hexagon', 'ring']);
  });

  // Issue 3's acceptance bar, on the whole held-out set (200 images, 1,069 objects: six times the
  // every-6th-image sample this test used before, so one object moves the figure by 0.1 point,
  // not 0.6). The committed model finds 964/1069 = 90.2% (session 19: refitted classifier, re-scored).
  it('finds >= 90% of objects with the right class and mask IoU >= 0.8', async () => {
    const categoryName = new Map(gt.categories.map((c) => [c.id, c.name]));
    const images = gt.images;
    let objects = 0;
    let found = 0;
    for (const image of images) {
      const bytes = await readFile(join(HELDOUT, 'images', image.file_name));
      const { instances } = await segment(bytes, model, resolveOptions({}));
      const size = { width: image.width, height: image.height };
      const predicted = instances.masks!.map((mask): Rle => ({ h: image.height, w: image.width, counts: maskToRleCounts(mask, size) }));
      const predictedNames = [...instances.classIds].map((id) => instances.classNames[id]);
      const used = new Set<number>();
      for (const annotation of gt.annotations.filter((a) => a.image_id === image.id && !a.iscrowd)) {
        objects++;
        const truth = segmentationToRle(annotation.segmentation, image.height, image.width, 'ground truth');
        const ious = rleIou(predicted, [truth]);
        // Greedy: the best unused prediction of the right class.
        let best = -1;
        predictedNames.forEach((name, d) => {
          if (!used.has(d) && name === categoryName.get(annotation.category_id) && ious[d] >= 0.8 && (best < 0 || ious[d] > ious[best])) best = d;
        });
        if (best >= 0) {
          used.add(best);
          found++;
        }
      }
    }
    const recall = found / objects;
    console.log(`demo model: ${found}/${objects} held-out objects found (${(100 * recall).toFixed(1)}%) on ${images.length} images`);
    assert.ok(images.length === 200 && objects > 1000, `expected the whole held-out set, got ${images.length} images / ${objects} objects`);
    assert.ok(recall >= 0.9, `found ${(100 * recall).toFixed(1)}% of objects`);
  });
});
