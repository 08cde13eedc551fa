// The parts of detectron2's pipeline maskserve re-implements, checked against the originals:
// Pillow's BILINEAR resize bit for bit, and the model zoo configs the catalog builds in code.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadDetectron2Config } from '../src/convert/detectron2/config.js';
import { zooConfig, type ZooBackbone } from '../src/convert/detectron2/zoo.js';
import { resizePilBilinear } from '../src/geometry/resize-pil.js';
import { detectron2PythonPath, reference } from './helpers.js';

describe('reference parts', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maskserve-parts-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("resizes exactly like Pillow's BILINEAR (up, down, one axis, odd factors)", async () => {
    const cases = [
      [64, 48, 107, 80],
      [640, 424, 1208, 800],
      [773, 512, 1207, 800],
      [1352, 900, 1202, 800],
      [500, 500, 800, 800],
      [300, 200, 300, 133],
      [97, 61, 13, 200],
      [2000, 30, 1333, 20],
    ];
    const jobs = await Promise.all(
      cases.map(async ([width, height, outWidth, outHeight], i) => {
        const path = join(dir, `in-${i}.rgb`);
        await writeFile(path, randomBytes(width * height * 3));
        return { path, width, height, outWidth, outHeight, out: join(dir, `pil-${i}.rgb`) };
      }),
    );
    await writeFile(join(dir, 'jobs.json'), JSON.stringify(jobs));
    await reference(['pil-resize', '--jobs', join(dir, 'jobs.json')]);
    for (const job of jobs) {
      const input = await readFile(job.path);
      const ours = resizePilBilinear({ data: input, width: job.width, height: job.height }, { width: job.outWidth, height: job.outHeight });
      const pil = await readFile(job.out);
      let differing = 0;
      for (let k = 0; k < pil.length; k++) if (pil[k] !== ours[k]) differing++;
      assert.equal(differing, 0, `${job.width}x${job.height} -> ${job.outWidth}x${job.outHeight}: ${differing} values differ from Pillow`);
    }
  });

  it("builds the catalog's zoo settings exactly as detectron2's own model zoo yaml files say", async () => {
    const pythonPath = await detectron2PythonPath();
    const detectron2Root = pythonPath.split(':')[0];
    const zoo: Record<ZooBackbone, string> = {
      'R-50': 'mask_rcnn_R_50_FPN_3x.yaml',
      'R-101': 'mask_rcnn_R_101_FPN_3x.yaml',
      'X-101-32x8d': 'mask_rcnn_X_101_32x8d_FPN_3x.yaml',
    };
    for (const [backbone, file] of Object.entries(zoo) as [ZooBackbone, string][]) {
      const fromYaml = await loadDetectron2Config(join(detectron2Root, 'configs/COCO-InstanceSegmentation', file));
      assert.deepEqual(zooConfig(backbone, file).settings, fromYaml.settings, file);
    }
  });
});
