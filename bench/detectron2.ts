// Benchmark (not a test): detectron2's DefaultPredictor vs maskserve on the same converted
// checkpoint and photo, measured side by side in one run (one after the other, never at once).
//   node --import tsx bench/detectron2.ts [--arch r50|r101|x101] [--photo kite.jpg] [--short 800] [--runs 5]
// Needs detectron2 (../shared/reference/setup-detectron2.sh, run on first use). Prints per-image
// times and their ratio, maskserve's stage timings, whether the results agree, and the top
// operators of an onnxruntime profile of the converted graph.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { convertDetectron2 } from '../src/convert/convert.js';
import { resolveOptions } from '../src/options.js';
import { loadModel, segment } from '../src/pipeline.js';
import { createInferencePool } from '../src/runtime/worker-pool.js';
import { compare, makeReferenceModel, photo, referencePredict } from '../test-parity/helpers.js';
import { median, printTable } from './table.js';

const { values } = parseArgs({
  options: {
    arch: { type: 'string', default: 'r50' },
    photo: { type: 'string', default: 'kite.jpg' },
    short: { type: 'string', default: '800' },
    runs: { type: 'string', default: '5' },
    threshold: { type: 'string', default: '0.05' },
  },
});
const runs = Number(values.runs);
const dir = await mkdtemp(join(tmpdir(), 'maskserve-bench-d2-'));
try {
  const reference = await makeReferenceModel(dir, { arch: values.arch as 'r50' | 'r101' | 'x101', seed: 21 });
  const image = await photo(values.photo, Number(values.short));
  const converted = await convertDetectron2({ checkpoint: reference.pth, config: reference.dumpedConfig, out: join(dir, 'model.onnx') });

  // detectron2: one warm-up call, then `runs` timed calls in the same process.
  const [d2] = await referencePredict({ config: reference.dumpedConfig, weights: reference.pth }, [image], runs + 1);
  const d2Times = d2.timesMs.slice(1);

  // maskserve: the same pixels through segment() (preprocess + inference worker + postprocess).
  const pool = createInferencePool();
  const model = await loadModel(converted.onnxPath, { pool });
  const options = resolveOptions({ scoreThreshold: Number(values.threshold) });
  await segment(image, model, options);
  const ours: number[] = [];
  const stages = { preprocessMs: [] as number[], inferenceMs: [] as number[], postprocessMs: [] as number[] };
  let last = await segment(image, model, options);
  for (let i = 0; i < runs; i++) {
    last = await segment(image, model, options);
    ours.push(last.timings.totalMs);
    for (const key of Object.keys(stages) as (keyof typeof stages)[]) stages[key].push(last.timings[key]);
  }
  await pool.close();
  const agreement = compare(d2.instances, last.instances, { detectionsPerImage: 100, scoreThreshold: 0.05 });

  const d2Median = median(d2Times);
  const oursMedian = median(ours);
  printTable(`detectron2 ${values.arch} vs maskserve, ${values.photo} at ${image.width}x${image.height}, median of ${runs} (2 cores, one at a time)`, [
    ['', 'ms / image', 'runs (ms)'],
    ['detectron2 DefaultPredictor (PyTorch)', d2Median.toFixed(0), d2Times.map((t) => t.toFixed(0)).join(' ')],
    ['maskserve segment() (onnxruntime)', oursMedian.toFixed(0), ours.map((t) => t.toFixed(0)).join(' ')],
    ['speed-up (detectron2 / maskserve)', `${(d2Median / oursMedian).toFixed(2)}x`, 'target >= 1.5x'],
  ]);
  printTable('maskserve stages (median ms)', [
    ['preprocess', 'inference', 'postprocess'],
    [median(stages.preprocessMs).toFixed(1), median(stages.inferenceMs).toFixed(1), median(stages.postprocessMs).toFixed(1)],
  ]);
  printTable('same results?', [
    ['detectron2', 'maskserve', 'matched', 'float ties at a cut', 'worst box px', 'worst score', 'worst mask IoU'],
    [
      String(agreement.reference),
      String(agreement.ours),
      String(agreement.matched),
      String(agreement.atCut.length),
      agreement.worst.box.toFixed(4),
      agreement.worst.score.toFixed(5),
      agreement.worst.maskIou.toFixed(4),
    ],
  ]);

  // onnxruntime's own profile of one run of the graph, by operator type.
  const session = await ort.InferenceSession.create(converted.onnxPath, {
    enableProfiling: true,
    profileFilePrefix: join(dir, 'ort-profile'),
    executionMode: 'sequential',
    intraOpNumThreads: 2,
  });
  const { feeds } = model.adapter.preprocess(image);
  const input = feeds.image;
  await session.run({ image: new ort.Tensor('float32', input.data as Float32Array, input.dims) });
  session.endProfiling();
  await session.release();
  // onnxruntime-node names the file <prefix>_<timestamp>.json and does not return the name.
  const profileName = (await readdir(dir)).find((name) => name.startsWith('ort-profile') && name.endsWith('.json'));
  if (profileName === undefined) throw new Error('onnxruntime wrote no profile');
  const events = JSON.parse(await readFile(join(dir, profileName), 'utf8')) as { cat: string; dur: number; args?: { op_name?: string } }[];
  const byOp = new Map<string, number>();
  for (const event of events) {
    if (event.cat !== 'Node' || !event.args?.op_name) continue;
    byOp.set(event.args.op_name, (byOp.get(event.args.op_name) ?? 0) + event.dur / 1000);
  }
  const total = [...byOp.values()].reduce((a, b) => a + b, 0);
  printTable('onnxruntime profile, one run (top operators)', [
    ['operator', 'ms', 'share'],
    ...[...byOp.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([op, ms]) => [op, ms.toFixed(1), `${((100 * ms) / total).toFixed(1)}%`]),
  ]);
} finally {
  await rm(dir, { recursive: true, force: true });
}
