// Big images must not block the event loop: decoding, resizing, mask pasting, RLE and polygons
// run in the pixel pool, so the loop stays free for health checks, refusals and other requests'
// I/O (issue "Availability under hostile load", finding 4: a 39 MP image held it 5 s). The check
// is relative, so it holds on any machine: the longest stall of the loop while one big image is
// segmented must be under a quarter of the per-pixel work that request took. When preprocessing,
// postprocessing and encoding ran on the loop, the stall was at least the largest of them: on the
// development machine 0.41-0.53 of the work for json, 0.33-0.41 for coco. Off the loop it is
// 0.05-0.07 on an idle machine and at most 0.15 with a training job taking both cores.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { loadModel } from '../../src/pipeline.js';
import { createInferencePool, type InferencePool } from '../../src/runtime/worker-pool.js';
import { buildApp } from '../../src/server/app.js';
import type { FastifyInstance } from 'fastify';
import { testConfig } from './helpers.js';

const PHOTO = new URL('../../data/shapes-heldout/images/shapes_0000.jpg', import.meta.url);

let pool: InferencePool;
let app: FastifyInstance;
let bigJpeg: Buffer;

before(async () => {
  pool = createInferencePool({ workers: 1, intraOpThreads: 1, maxQueue: 4 });
  const model = await loadModel(undefined, { pool });
  app = await buildApp({ models: [model], pool, config: testConfig() });
  await app.listen({ port: 0, host: '127.0.0.1' });
  // The held-out shapes photo (456x480) scaled to about 20 MP: the demo model finds its shapes,
  // now thousands of pixels wide, so every mask is big.
  bigJpeg = await sharp(await readFile(PHOTO)).resize(4370, 4600).jpeg({ quality: 90 }).toBuffer();
});

after(async () => {
  await app.close();
  await pool.close();
});

function stageMs(serverTiming: string, stage: string): number {
  return Number(new RegExp(`${stage};dur=([\\d.]+)`).exec(serverTiming)?.[1] ?? Number.NaN);
}

describe('the event loop while a big image is segmented', () => {
  for (const format of ['json', 'coco']) {
    it(`stalls for a small part of the per-pixel work (format=${format})`, async () => {
      const port = (app.server.address() as { port: number }).port;
      // Once, so the pixel threads have started and loaded their code.
      await (await fetch(`http://127.0.0.1:${port}/api/v1/segment?format=${format}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bigJpeg })).arrayBuffer();
      const histogram = monitorEventLoopDelay({ resolution: 5 });
      histogram.enable();
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/segment?format=${format}&maskFormat=both`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: bigJpeg,
      });
      const body = await response.arrayBuffer();
      histogram.disable();
      assert.equal(response.status, 200, Buffer.from(body).toString());
      const timing = response.headers.get('server-timing') ?? '';
      const pixelWorkMs = ['decode', 'preprocess', 'postprocess', 'encode'].reduce((sum, stage) => sum + stageMs(timing, stage), 0);
      const longestStallMs = histogram.max / 1e6;
      assert.ok(pixelWorkMs > 0, timing);
      assert.ok(longestStallMs < pixelWorkMs / 4, `the loop stalled ${longestStallMs.toFixed(0)} ms; per-pixel work took ${pixelWorkMs.toFixed(0)} ms (${timing})`);
    });
  }
});
