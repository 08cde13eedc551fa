// `maskserve models quantize` as users run it (subprocess): the demo model quantized on held-out
// shapes keeps its accuracy (the project's own evaluator, on images not used for calibration),
// and every kind of bad input fails with its exit code, one line, and nothing written.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { instanceAgreement } from '../../src/eval/agreement.js';
import { resolveOptions } from '../../src/options.js';
import { loadModel, segment } from '../../src/pipeline.js';
import { createInferencePool } from '../../src/runtime/worker-pool.js';
import { buildMaskRcnnOracle, rectMask28 } from '../helpers/oracle-models.js';
import { fusedInt8Layers, optimizedOperatorCounts } from '../helpers/onnxruntime-graph.js';
import { maskserve, REPO_ROOT } from '../cli/helpers.js';

const HELDOUT = join(REPO_ROOT, 'data', 'shapes-heldout');
/** shapes_0000 ... shapes_0029 calibrate; the other 170 held-out images measure. */
const CALIBRATION_GLOB = join(HELDOUT, 'images', 'shapes_00[0-2]*.jpg');
const MAX_SEGM_AP_DROP = 0.01;

interface CocoGt {
  images: { id: number; file_name: string }[];
  annotations: { image_id: number }[];
}

let dir: string;
let privateTmp: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskserve-quantize-'));
  privateTmp = join(dir, 'tmp');
  await mkdir(privateTmp);
  const gt = JSON.parse(await readFile(join(HELDOUT, 'instances.json'), 'utf8')) as CocoGt;
  const measured = gt.images.filter((image) => !/^shapes_00[0-2]\d\.jpg$/.test(image.file_name));
  const ids = new Set(measured.map((image) => image.id));
  await writeFile(join(dir, 'measure.json'), JSON.stringify({ ...gt, images: measured, annotations: gt.annotations.filter((a) => ids.has(a.image_id)) }));
});

after(() => rm(dir, { recursive: true, force: true }));

/** The error line: stage lines ("reading the model...") may come before it, never a stack trace. */
function lastLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  assert.ok(!lines.some((line) => /^\s+at /.test(line)), `stack trace on stderr:\n${stderr}`);
  return lines[lines.length - 1];
}

async function segmAp(model: string): Promise<number> {
  const out = join(dir, `${model.replace(/\W/g, '_')}-metrics.json`);
  const result = await maskserve(['eval', '--model', model, '--annotations', join(dir, 'measure.json'), '--images', join(HELDOUT, 'images'), '--iou-type', 'segm', '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(await readFile(out, 'utf8')) as { segm: { stats: number[] } }).segm.stats[0];
}

describe('models quantize: the demo model', () => {
  const int8 = () => join(dir, 'demo-int8.onnx');

  it('writes an int8 model and a card with the calibration provenance', async () => {
    const result = await maskserve(['models', 'quantize', 'demo', '--calibrate', CALIBRATION_GLOB, '--out', int8()]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.text.trim(), int8());
    assert.match(result.stderr, /calibrate 30\/30/);
    assert.match(result.stderr, /quantized in [\d.]+ s: \d+ layers int8, \d+ kept fp32, 30 calibration images \(percentile\)/);
    const card = JSON.parse(await readFile(join(dir, 'demo-int8.json'), 'utf8'));
    assert.equal(card.id, 'demo-int8');
    assert.equal(card.family, 'maskrcnn');
    assert.deepEqual(card.classes.slice(1), ['circle', 'triangle', 'square', 'star', 'hexagon', 'ring']);
    assert.equal(card.quantization.format, 'QDQ');
    assert.equal(card.quantization.method, 'percentile');
    assert.equal(card.quantization.calibrationImages, 30);
    assert.match(card.quantization.calibrationSha256, /^[0-9a-f]{64}$/);
    assert.equal(card.quantization.source, 'shapes-maskrcnn.onnx');
    assert.ok(card.quantization.floatLayers.some((layer: string) => /final predictor/.test(layer)));
  });

  it('runs every quantized layer as a fused int8 kernel in onnxruntime', async () => {
    const card = JSON.parse(await readFile(join(dir, 'demo-int8.json'), 'utf8'));
    const counts = await optimizedOperatorCounts(int8());
    assert.equal(fusedInt8Layers(counts), card.quantization.quantizedLayers, JSON.stringify([...counts]));
  });

  it(`keeps segm AP within ${MAX_SEGM_AP_DROP} of fp32 on the 170 held-out images not used to calibrate`, async (t) => {
    const [fp32, quantized] = [await segmAp('demo'), await segmAp(int8())];
    t.diagnostic(`segm AP fp32 ${fp32.toFixed(4)}, int8 ${quantized.toFixed(4)}`);
    assert.ok(fp32 - quantized <= MAX_SEGM_AP_DROP, `segm AP fp32 ${fp32} int8 ${quantized}`);
  });

  it('finds >= 95 % of fp32\'s instances (score >= 0.5) again: same class, mask IoU >= 0.85', async (t) => {
    const pool = createInferencePool({ workers: 1, intraOpThreads: 1 });
    try {
      const [fp32, quantized] = [await loadModel('demo', { pool }), await loadModel(int8(), { pool })];
      const files = (await readdir(join(HELDOUT, 'images'))).filter((name) => !/^shapes_00[0-2]/.test(name)).slice(0, 40);
      let wanted = 0;
      let found = 0;
      for (const file of files) {
        const bytes = await readFile(join(HELDOUT, 'images', file));
        const options = resolveOptions({ threshold: 0.05 });
        const agreement = instanceAgreement((await segment(bytes, fp32, options)).instances, (await segment(bytes, quantized, options)).instances, { minScore: 0.5, minMaskIou: 0.85 });
        wanted += agreement.reference;
        found += agreement.found;
      }
      t.diagnostic(`found again: ${found} of ${wanted}`);
      assert.ok(wanted > 50 && found >= 0.95 * wanted, `${found} of ${wanted}`);
    } finally {
      await pool.close();
    }
  });

  it('--fp32-roi-features keeps the layers RoIAlign reads in fp32, --images caps the set', async () => {
    const out = join(dir, 'demo-roi.onnx');
    const result = await maskserve(['models', 'quantize', 'demo', '--calibrate', CALIBRATION_GLOB, '--images', '4', '--fp32-roi-features', '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    const card = JSON.parse(await readFile(join(dir, 'demo-roi.json'), 'utf8'));
    assert.equal(card.quantization.calibrationImages, 4);
    assert.equal(card.quantization.floatLayers.filter((layer: string) => /feeds RoIAlign/.test(layer)).length, 4);
  });

  it('refuses to quantize an int8 model again', async () => {
    const result = await maskserve(['models', 'quantize', int8(), '--calibrate', CALIBRATION_GLOB, '--out', join(dir, 'twice.onnx')]);
    assert.equal(result.code, 3);
    assert.match(lastLine(result.stderr), /already quantized \(it has QuantizeLinear nodes\)/);
  });
});

describe('models quantize: bad input', () => {
  let images: string;

  before(async () => {
    images = join(dir, 'four');
    await mkdir(images);
    for (const name of ['b.jpg', 'c.jpg', 'd.png', 'e.jpg']) {
      await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 200, g: 90, b: 30 } } })
        .toFormat(name.endsWith('.png') ? 'png' : 'jpeg')
        .toFile(join(images, name));
    }
    await writeFile(join(images, 'notes.txt'), 'not an image, ignored');
  });

  /** Runs the command with a private TMPDIR, and checks it left nothing there or in the output directory. */
  async function failing(args: readonly string[], out: string): Promise<{ code: number; line: string }> {
    const result = await maskserve(['models', 'quantize', ...args, '--out', out], { env: { TMPDIR: privateTmp } });
    // tsx (which runs bin/maskserve.js from source) keeps its compile cache there: not ours.
    assert.deepEqual((await readdir(privateTmp)).filter((name) => !name.startsWith('tsx-')), [], 'temporary files left behind');
    const written = (await readdir(dir)).filter((name) => name.startsWith('bad'));
    assert.deepEqual(written, [], 'a model or card was written');
    return { code: result.code, line: lastLine(result.stderr) };
  }

  it('a file that is not ONNX: exit 3', async () => {
    const garbage = join(dir, 'garbage.onnx');
    await writeFile(garbage, 'this is not a model');
    const { code, line } = await failing([garbage, '--calibrate', images], join(dir, 'bad1.onnx'));
    assert.equal(code, 3);
    assert.match(line, /garbage\.onnx is not an ONNX model \(/);
  });

  it('a model with nothing to quantize: exit 3', async () => {
    const oracle = join(dir, 'oracle.onnx');
    await writeFile(oracle, buildMaskRcnnOracle({ boxes: [[1, 1, 9, 9]], labels: [1], scores: [0.9], masks: [rectMask28({ x0: 0, y0: 0, x1: 28, y1: 28 })] }));
    const { code, line } = await failing([oracle, '--calibrate', images], join(dir, 'bad2.onnx'));
    assert.equal(code, 3);
    assert.match(line, /nothing to quantize/);
  });

  it('too few calibration images: exit 2, naming the count', async () => {
    const { code, line } = await failing(['demo', '--calibrate', join(images, 'b.jpg')], join(dir, 'bad3.onnx'));
    assert.equal(code, 2);
    assert.match(line, /holds 1 image; at least 4 are needed/);
  });

  it('an unreadable calibration image: exit 1, naming the file', async () => {
    await writeFile(join(images, 'a-broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    try {
      const { code, line } = await failing(['demo', '--calibrate', images], join(dir, 'bad4.onnx'));
      assert.equal(code, 1);
      assert.match(line, /Calibration image a-broken\.jpg/);
    } finally {
      await rm(join(images, 'a-broken.jpg'));
    }
  });

  it('bad option values: exit 2', async () => {
    for (const flags of [['--images', '2'], ['--method', 'entropy'], ['--percentile', '50']]) {
      const { code, line } = await failing(['demo', '--calibrate', images, ...flags], join(dir, 'bad5.onnx'));
      assert.equal(code, 2, flags.join(' '));
      assert.match(line, new RegExp(`for ${flags[0]} but received`));
    }
  });

  it('pull --int8 without --calibrate: exit 2 before any download', async () => {
    const result = await maskserve(['models', 'pull', 'detectron2-mask-rcnn-r50-fpn-3x', '--int8'], { env: { MASKSERVE_MODEL_MIRROR: 'http://127.0.0.1:9/' } });
    assert.equal(result.code, 2);
    assert.match(lastLine(result.stderr), /--int8 needs --calibrate DIR\|GLOB/);
  });

  it('an int8 catalog model not made yet says how to make it', async () => {
    const result = await maskserve(['predict', join(images, 'b.jpg'), '--model', 'detectron2-mask-rcnn-r50-fpn-3x-int8']);
    assert.equal(result.code, 3);
    assert.match(lastLine(result.stderr), /run `maskserve models pull detectron2-mask-rcnn-r50-fpn-3x --int8 --calibrate DIR`/);
  });

  it('--out naming the model itself: exit 2', async () => {
    const model = join(REPO_ROOT, 'models', 'demo', 'shapes-maskrcnn.onnx');
    const result = await maskserve(['models', 'quantize', 'demo', '--calibrate', images, '--out', model]);
    assert.equal(result.code, 2);
    assert.match(lastLine(result.stderr), /other than the model being quantized/);
  });
});
