// Benchmark (not a test): pipeline overhead and memory for one model and one photo.
//   node --import tsx bench/segment.ts [--model demo|<id>|<path>] [--image photo.jpg] [--size 640x480] [--calls 200]
// Prints session.run alone vs the whole segment() call (decode + preprocess + run + postprocess)
// and checks the target: whole <= 1.10 x run + 15 ms. Then RSS after N calls.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { loadModel, segment } from '../src/pipeline.js';
import { decodeImage } from '../src/input/decode.js';
import { createInferencePool } from '../src/runtime/worker-pool.js';
import { DEFAULT_OPTIONS } from '../src/options.js';
import { median, percentile, printTable } from './table.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'demo' },
    image: { type: 'string', default: new URL('../../shared/images/person.jpg', import.meta.url).pathname },
    size: { type: 'string', default: '640x480' },
    calls: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '5' },
  },
});
const [width, height] = values.size.split('x').map(Number);
const calls = Number(values.calls);

// A real photo resized to the target size and re-encoded as JPEG: what a client would upload.
const photo = await sharp(await readFile(values.image)).resize(width, height, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();

const pool = createInferencePool();
const model = await loadModel(values.model, { pool });
const image = await decodeImage(photo);
const { feeds } = model.adapter.preprocess(image);

for (let i = 0; i < Number(values.warmup); i++) await segment(photo, model);

const runOnly: number[] = [];
const whole: number[] = [];
const stages = { decodeMs: [] as number[], preprocessMs: [] as number[], postprocessMs: [] as number[] };
let instances = 0;
for (let i = 0; i < calls; i++) {
  // Feeds are transferred to the worker, so each bare run needs its own copy (copy time excluded).
  const copy = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, { ...t, data: t.data.slice() }]));
  const t0 = performance.now();
  await model.session.run(copy);
  runOnly.push(performance.now() - t0);

  const t1 = performance.now();
  const result = await segment(photo, model, DEFAULT_OPTIONS);
  whole.push(performance.now() - t1);
  stages.decodeMs.push(result.timings.decodeMs);
  stages.preprocessMs.push(result.timings.preprocessMs);
  stages.postprocessMs.push(result.timings.postprocessMs);
  instances = result.instances.scores.length;
}
const rssMb = process.memoryUsage().rss / 2 ** 20;
await pool.close();

const run = median(runOnly);
const all = median(whole);
const budget = 1.1 * run + 15;
printTable(`segment() vs session.run — model ${model.ref.id} (${model.ref.family}), ${width}x${height} JPEG, ${calls} calls`, [
  ['measure', 'median ms', 'p90 ms'],
  ['session.run alone', run.toFixed(1), percentile(runOnly, 0.9).toFixed(1)],
  ['segment() whole', all.toFixed(1), percentile(whole, 0.9).toFixed(1)],
  ['  decode', median(stages.decodeMs).toFixed(1), percentile(stages.decodeMs, 0.9).toFixed(1)],
  ['  preprocess', median(stages.preprocessMs).toFixed(1), percentile(stages.preprocessMs, 0.9).toFixed(1)],
  ['  postprocess', median(stages.postprocessMs).toFixed(1), percentile(stages.postprocessMs, 0.9).toFixed(1)],
  ['target 1.10 x run + 15', budget.toFixed(1), all <= budget ? 'met' : 'MISSED'],
]);
console.log(`instances per call: ${instances}; RSS after ${calls * 2} inferences: ${rssMb.toFixed(0)} MB`);
