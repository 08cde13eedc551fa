// The pixel pool runs preprocessing, postprocessing and encoding in worker threads. It must give
// byte-for-byte what the calling thread gives, keep error codes across the thread boundary, hand
// the image back after preprocessing, and refuse work once closed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { checkImageHeader, decodeImage } from '../../src/input/decode.js';
import { DEFAULT_OPTIONS } from '../../src/options.js';
import { createPixelPool, type PixelPool } from '../../src/pixels/pool.js';
import { IN_THREAD } from '../../src/pixels/work.js';
import { loadModel, segment, type LoadedModel } from '../../src/pipeline.js';
import { createInferencePool, type InferencePool } from '../../src/runtime/worker-pool.js';
import type { RawImage } from '../../src/types.js';

const PHOTO = new URL('../../data/shapes-heldout/images/shapes_0000.jpg', import.meta.url);
const ENCODE_OPTIONS = { maskFormat: 'rle', imageId: 7, draw: {} } as const;

let inference: InferencePool;
let pixels: PixelPool;
let model: LoadedModel;
let photo: Uint8Array;

before(async () => {
  inference = createInferencePool({ workers: 1, intraOpThreads: 1, maxQueue: 4 });
  pixels = createPixelPool(1);
  model = await loadModel(undefined, { pool: inference });
  photo = await readFile(PHOTO);
});

after(async () => {
  await pixels.close();
  await inference.close();
});

const decoded = (): Promise<RawImage> => decodeImage(photo);

describe('pixel pool', () => {
  test('segments exactly as the calling thread does, and hands the image back whole', async () => {
    const [here, there] = await Promise.all([segment(photo, model), segment(photo, model, DEFAULT_OPTIONS, { pixels })]);
    assert.ok(there.instances.scores.length > 0, 'the demo model finds shapes in a held-out image');
    assert.deepEqual(there.instances, here.instances);
    assert.deepEqual(there.image, here.image);
    assert.ok(there.timings.preprocessMs > 0 && there.timings.postprocessMs >= 0);
  });

  test('decodes a checked image in the worker, handing its pixels back only when asked', async () => {
    const checked = await checkImageHeader(photo);
    const [here, kept, sizeOnly] = await Promise.all([
      IN_THREAD.preprocess(model, checked, true),
      pixels.preprocess(model, checked, true),
      pixels.preprocess(model, checked, false),
    ]);
    assert.deepEqual(kept.value.image, here.value.image);
    assert.deepEqual(kept.value.feeds, here.value.feeds);
    assert.deepEqual(sizeOnly.value.feeds, here.value.feeds);
    assert.equal(sizeOnly.value.image.data.length, 0);
    assert.deepEqual({ ...sizeOnly.value.image, data: undefined }, { ...here.value.image, data: undefined });
    assert.ok(kept.value.decodeMs > 0);
    assert.equal(photo.length > 0, true, 'the caller keeps its bytes');
  });

  test('preprocess gives the same tensors as the calling thread', async () => {
    const [here, there] = await Promise.all([IN_THREAD.preprocess(model, await decoded(), true), pixels.preprocess(model, await decoded(), true)]);
    assert.deepEqual(Object.keys(there.value.feeds), Object.keys(here.value.feeds));
    for (const [name, tensor] of Object.entries(here.value.feeds)) assert.deepEqual(there.value.feeds[name], tensor, name);
    assert.deepEqual(there.value.meta, here.value.meta);
  });

  for (const format of ['json', 'coco', 'png', 'jpeg'] as const) {
    test(`encodes ${format} byte for byte as the calling thread does`, async () => {
      const result = await segment(photo, model);
      const copy = { ...result, image: { ...result.image, data: result.image.data.slice() } };
      const here = await IN_THREAD.encode(format, result, ENCODE_OPTIONS);
      const there = await pixels.encode(format, copy, ENCODE_OPTIONS);
      assert.ok(Buffer.isBuffer(there.value));
      assert.deepEqual(there.value, Buffer.from(here.value));
    });
  }

  test('a coded error in a worker arrives with its code', async () => {
    const here = IN_THREAD.postprocess(model, {}, undefined, DEFAULT_OPTIONS).catch((error: unknown) => error);
    const there = pixels.postprocess(model, {}, undefined, DEFAULT_OPTIONS).catch((error: unknown) => error);
    const [expected, actual] = (await Promise.all([here, there])) as { code: string; message: string }[];
    assert.equal(expected?.code, 'MODEL_FORMAT');
    assert.equal(actual?.code, expected.code);
    assert.equal(actual.message, expected.message);
  });

  test('refuses work once closed', async () => {
    const closing = createPixelPool(1);
    await closing.preprocess(model, await decoded(), false);
    await closing.close();
    await assert.rejects(closing.preprocess(model, await decoded(), false), { code: 'SHUTTING_DOWN' });
  });
});
