// Parity with detectron2 itself: seeded random-weight checkpoints made by detectron2 (R-50, R-101,
// X-101; zoo .pkl and training .pth; 80 and custom class counts; BGR and RGB input), converted by
// maskserve, and run on real photos by both. Every detectron2 instance must be found by maskserve
// with the same class, box within 1 px, score within 0.01 and mask IoU >= 0.95, and vice versa.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { convertDetectron2 } from '../src/convert/convert.js';
import { resolveOptions } from '../src/options.js';
import { loadModel, segment } from '../src/pipeline.js';
import { createInferencePool, type InferencePool } from '../src/runtime/worker-pool.js';
import type { RawImage } from '../src/types.js';
import { compare, makeReferenceModel, photo, referencePredict, type MakeOptions } from './helpers.js';

let root: string;
// Everything the graph keeps (detectron2's SCORE_THRESH_TEST is 0.05).
const ALL = resolveOptions({ threshold: 0 });
/** The config's defaults: TEST.DETECTIONS_PER_IMAGE and MODEL.ROI_HEADS.SCORE_THRESH_TEST. */
const CUTS = { detectionsPerImage: 100, scoreThreshold: 0.05 };
/** MASKSERVE_PARITY_CASES=R-50,X-101 runs a subset (the full suite runs in CI). */
const SELECTED = process.env.MASKSERVE_PARITY_CASES?.split(',').map((s) => s.trim());

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'maskserve-parity-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Case {
  readonly name: string;
  readonly make: MakeOptions;
  readonly classes?: string;
  /** Photo name and, when set, the short side it is resized to first (800 = no resize inside). */
  readonly photos: readonly [string, number | undefined][];
}

const CASES: readonly Case[] = [
  { name: 'R-50-FPN, 80 COCO classes', make: { arch: 'r50', seed: 11 }, photos: [['kite.jpg', 800], ['dog.jpg', undefined]] },
  {
    name: 'R-101-FPN, 7 custom classes, RGB input',
    make: { arch: 'r101', seed: 12, classes: 7, format: 'RGB', pickleProtocol: 2 },
    classes: 'apple,banana,cherry,date,elder,fig,grape',
    photos: [['horses.jpg', undefined]],
  },
  { name: 'X-101-32x8d-FPN, 80 COCO classes', make: { arch: 'x101', seed: 13 }, photos: [['person.jpg', undefined]] },
];

for (const testCase of CASES.filter((c) => !SELECTED || SELECTED.some((s) => c.name.startsWith(s)))) {
  describe(testCase.name, () => {
    let images: RawImage[];
    let converted: { pkl: string; pth: string };
    let model: Awaited<ReturnType<typeof makeReferenceModel>>;
    // A pool per case, so each case's sessions are freed when it ends.
    let pool: InferencePool;

    after(() => pool.close());

    before(async () => {
      pool = createInferencePool({ workers: 1, intraOpThreads: 2 });
      model = await makeReferenceModel(root, testCase.make);
      images = await Promise.all(testCase.photos.map(([name, side]) => photo(name, side)));
      // Zoo form with the _BASE_ yaml, training form with the dumped config.yaml.
      const pkl = await convertDetectron2({ checkpoint: model.pkl, config: model.baseConfig, classes: testCase.classes, out: join(model.dir, 'from-pkl.onnx') });
      const pth = await convertDetectron2({ checkpoint: model.pth, config: model.dumpedConfig, classes: testCase.classes, out: join(model.dir, 'from-pth.onnx') });
      converted = { pkl: pkl.onnxPath, pth: pth.onnxPath };
    });

    test('both checkpoint forms convert to the same network', async () => {
      const [a, b] = await Promise.all([readFile(converted.pkl), readFile(converted.pth)]);
      // Only the provenance metadata (file name and sha256) may differ.
      assert.equal(a.length - b.length, Buffer.byteLength('model_final.pkl') - Buffer.byteLength('model_final.pth'));
      const card = JSON.parse(await readFile(converted.pth.replace(/\.onnx$/, '.json'), 'utf8'));
      assert.equal(card.source.checkpointForm, 'pth');
      assert.equal(card.source.iteration, 1234);
      assert.equal(card.classes.length, (testCase.make.classes ?? 80) + 1);
    });

    test('same instances as detectron2 DefaultPredictor on real photos', async () => {
      const reference = await referencePredict({ config: model.dumpedConfig, weights: model.pth }, images);
      for (const [index, form] of (['pkl', 'pth'] as const).entries()) {
        const loaded = await loadModel(converted[form], { pool });
        {
          for (const [i, image] of images.entries()) {
            if (index === 1 && i > 0) continue; // the second form on one photo is enough
            const ours = await segment(image, loaded, ALL);
            const result = compare(reference[i].instances, ours.instances, CUTS);
            const label = `${testCase.photos[i][0]} (${image.width}x${image.height}, ${form})`;
            console.log(`${testCase.name} ${label}: ${result.matched}/${result.reference} matched, ${result.ours} ours, ${result.atCut.length} float ties at a cut, ${result.classes} classes, worst box ${result.worst.box.toFixed(4)} px, score ${result.worst.score.toFixed(5)}, mask IoU ${result.worst.maskIou.toFixed(4)}`);
            assert.ok(result.reference >= 10 && result.classes >= 3, `${label}: the reference is degenerate (${result.reference} instances, ${result.classes} classes)`);
            assert.deepEqual(result.missing, [], `${label}: detectron2 instances maskserve did not reproduce`);
            assert.deepEqual(result.extra, [], `${label}: maskserve instances detectron2 did not find`);
            assert.ok(result.atCut.length <= 4, `${label}: too many differences at the cuts: ${JSON.stringify(result.atCut)}`);
          }
        }
      }
    });
  });
}
