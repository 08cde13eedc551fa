// `quantizeModel` on a yolo-seg export: a small conv network with Ultralytics' contract (SiLU as
// Sigmoid x Mul, a 1x1 detection head, a prototype branch), calibrated through the yolo-seg
// family's own letterbox preprocessing. The int8 copy keeps the contract (the pipeline loads it as
// yolo-seg) and its raw outputs stay close to fp32's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { GraphBuilder } from '../../src/onnx/graph-builder.js';
import { writeModel } from '../../src/onnx/writer.js';
import { resolveOptions } from '../../src/options.js';
import { loadModel, segment } from '../../src/pipeline.js';
import { quantizeModel, type QuantizeResult } from '../../src/quantize/quantize.js';
import { createInferencePool } from '../../src/runtime/worker-pool.js';
import { ultralyticsMetadata } from '../helpers/oracle-models.js';

const SIZE = 64;
const NAMES = ['disc', 'box'];
const MASK_COEFFS = 8;

/** Deterministic weights in [-scale, scale). */
function weights(count: number, seed: number, scale: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 16807) % 2147483647;
    return ((state / 2147483647) * 2 - 1) * scale;
  });
}

/** images [1,3,64,64] -> 3 strided conv+SiLU stages -> head [1, 4+nc+nm, 64] and protos [1, nm, 16, 16]. */
function yoloLikeModel(): Uint8Array {
  const g = new GraphBuilder();
  const images = g.input('images', 'float32', [1, 3, SIZE, SIZE]);
  let seed = 1;
  const conv = (x: string, cin: number, cout: number, kernel: number, stride: number, silu: boolean) => {
    const w = g.weight('w', [cout, cin, kernel, kernel], weights(cout * cin * kernel * kernel, seed++, Math.sqrt(3 / (cin * kernel * kernel))));
    const b = g.weight('b', [cout], weights(cout, seed++, 0.1));
    const pad = (kernel - 1) / 2;
    const y = g.op('Conv', [x, w, b], { strides: { ints: [stride, stride] }, pads: { ints: [pad, pad, pad, pad] }, kernel_shape: { ints: [kernel, kernel] } });
    return silu ? g.op('Mul', [y, g.op('Sigmoid', [y])]) : y;
  };
  const p1 = conv(images, 3, 16, 3, 2, true); // 32 x 32
  const p2 = conv(p1, 16, 16, 3, 2, true); // 16 x 16
  const p3 = conv(p2, 16, 32, 3, 2, true); // 8 x 8
  const rows = 4 + NAMES.length + MASK_COEFFS;
  const head = conv(p3, 32, rows, 1, 1, false);
  g.output(g.op('Reshape', [head, g.ints([1, rows, 64])]), 'output0', 'float32', [1, rows, 64]);
  g.output(conv(p2, 16, MASK_COEFFS, 1, 1, false), 'output1', 'float32', [1, MASK_COEFFS, SIZE / 4, SIZE / 4]);
  return writeModel(g.build({ metadata: ultralyticsMetadata(SIZE, NAMES), opset: 17, producerName: 'pytorch', graphName: 'main_graph' }));
}

let dir: string;
let result: QuantizeResult;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskserve-yolo-int8-'));
  await writeFile(join(dir, 'yolo.onnx'), yoloLikeModel());
  await mkdir(join(dir, 'calibration'));
  for (let i = 0; i < 6; i += 1) {
    const pixels = Buffer.from(weights(80 * 60 * 3, 100 + i, 1).map((v, k) => 128 + 100 * Math.sin(k / 500 + i) * 0.5 + 40 * v));
    await sharp(pixels, { raw: { width: 80, height: 60, channels: 3 } }).png().toFile(join(dir, 'calibration', `${i}.png`));
  }
  result = await quantizeModel({ model: join(dir, 'yolo.onnx'), calibrate: join(dir, 'calibration'), method: 'minmax' });
});

after(() => rm(dir, { recursive: true, force: true }));

describe('int8 yolo-seg', () => {
  it('quantizes the backbone and keeps the head and prototype convs fp32', () => {
    assert.equal(result.card.family, 'yolo-seg');
    assert.equal(result.card.quantization && (result.card.quantization as { quantizedLayers: number }).quantizedLayers, 3);
    assert.equal(result.plan.keptFloat.length, 2);
  });

  it('loads as yolo-seg and keeps raw outputs within 5 % of fp32', async () => {
    const pool = createInferencePool({ workers: 1, intraOpThreads: 1 });
    try {
      const int8 = await loadModel(result.onnxPath, { pool });
      assert.equal(int8.ref.family, 'yolo-seg');
      const photo = await sharp(join(dir, 'calibration', '3.png')).toBuffer();
      // The whole pipeline runs on it; then the raw outputs of both graphs on the same feeds.
      const { image } = await segment(photo, int8, resolveOptions({}));
      const { feeds } = int8.adapter.preprocess(image);
      const input = new ort.Tensor('float32', feeds.images.data as Float32Array, [...feeds.images.dims]);
      const run = async (path: string) => {
        const session = await ort.InferenceSession.create(path);
        const outputs = await session.run({ images: input });
        await session.release();
        return outputs;
      };
      const [a, b] = [await run(join(dir, 'yolo.onnx')), await run(result.onnxPath)];
      for (const name of ['output0', 'output1']) {
        const want = a[name].data as Float32Array;
        const got = b[name].data as Float32Array;
        let error = 0;
        let norm = 0;
        for (let i = 0; i < want.length; i += 1) {
          error += (got[i] - want[i]) ** 2;
          norm += want[i] ** 2;
        }
        assert.ok(Math.sqrt(error / norm) < 0.05, `${name}: relative error ${Math.sqrt(error / norm)}`);
      }
    } finally {
      await pool.close();
    }
  });
});
