// Benchmark (not a test): detectron2's DefaultPredictor vs maskserve fp32 and int8 on the same
// converted checkpoint and photo, measured side by side in one run (one after the other, never
// at once).
//   node --import tsx bench/detectron2.ts [--arch r50|r101|x101] [--photo kite.jpg] [--short 800] [--runs 5]
// Needs detectron2 (../shared/reference/setup-detectron2.sh, run on first use). The int8 model is
// calibrated on the other photos of ../shared/images (never the benchmarked one). Prints per-image
// times and ratios, maskserve's stage timings, whether fp32 agrees with detectron2, onnxruntime's
// profile of both graphs, and how close their convolutions come to a bare convolution's rate on
// this CPU (fp32 and int8: the machine's limits for this work).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { convertDetectron2 } from '../src/convert/convert.js';
import { resolveOptions } from '../src/options.js';
import { loadModel, segment, type LoadedModel } from '../src/pipeline.js';
import { quantizeModel } from '../src/quantize/quantize.js';
import { createInferencePool } from '../src/runtime/worker-pool.js';
import type { RawImage } from '../src/types.js';
import { compare, makeReferenceModel, photo, PHOTOS_DIR, referencePredict } from '../test-parity/helpers.js';
import { bareConvRates, profileModel, type Profile } from './ort-profile.js';
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
  const quantized = await quantizeModel({
    model: converted.onnxPath,
    calibrate: join(PHOTOS_DIR, `!(${values.photo})`),
    out: join(dir, 'model-int8.onnx'),
  });

  // detectron2: one warm-up call, then `runs` timed calls in the same process.
  const [d2] = await referencePredict({ config: reference.dumpedConfig, weights: reference.pth }, [image], runs + 1);
  const d2Times = d2.timesMs.slice(1);

  // maskserve: the same pixels through segment() (preprocess + inference worker + postprocess).
  const pool = createInferencePool();
  const options = resolveOptions({ threshold: Number(values.threshold) });
  const fp32 = await timeModel(await loadModel(converted.onnxPath, { pool }), image, runs, options);
  const int8 = await timeModel(await loadModel(quantized.onnxPath, { pool }), image, runs, options);
  await pool.close();
  const agreement = compare(d2.instances, fp32.last.instances, { detectionsPerImage: 100, scoreThreshold: 0.05 });

  const d2Median = median(d2Times);
  const row = (name: string, times: readonly number[]) => [name, median(times).toFixed(0), `${(d2Median / median(times)).toFixed(2)}x`, times.map((t) => t.toFixed(0)).join(' ')];
  printTable(`detectron2 ${values.arch} vs maskserve, ${values.photo} at ${image.width}x${image.height}, median of ${runs} (2 cores, one at a time)`, [
    ['', 'ms / image', 'vs detectron2', 'runs (ms)'],
    ['detectron2 DefaultPredictor (PyTorch fp32)', d2Median.toFixed(0), '1.00x', d2Times.map((t) => t.toFixed(0)).join(' ')],
    row('maskserve fp32 segment() (onnxruntime)', fp32.totals),
    row('maskserve int8 segment() (onnxruntime QDQ)', int8.totals),
  ]);
  printTable('maskserve stages (median ms)', [
    ['', 'preprocess', 'inference', 'postprocess'],
    ...[['fp32', fp32], ['int8', int8]].map(([name, timed]) => {
      const t = timed as Timed;
      return [name as string, median(t.preprocessMs).toFixed(1), median(t.inferenceMs).toFixed(1), median(t.postprocessMs).toFixed(1)];
    }),
  ]);
  printTable('same results? (detectron2 vs maskserve fp32)', [
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

  // onnxruntime's own profile of each graph (fastest of 3 runs), by operator type.
  const feeds = () => fp32.model.adapter.preprocess(image).feeds;
  const fp32Profile = await profileModel(converted.onnxPath, feeds());
  const int8Profile = await profileModel(quantized.onnxPath, feeds());
  const ops = (profile: Profile) => [...profile.byOp.entries()].sort((x, y) => y[1] - x[1]).slice(0, 10);
  const share = (profile: Profile, ms: number) => `${((100 * ms) / profile.totalMs).toFixed(1)}%`;
  printTable('onnxruntime profile, one run (top operators)', [
    ['fp32 operator', 'ms', 'share', 'int8 operator', 'ms', 'share'],
    ...ops(fp32Profile).map(([op, ms], i) => {
      const [op8, ms8] = ops(int8Profile)[i] ?? ['', 0];
      return [op, ms.toFixed(1), share(fp32Profile, ms), op8, ms8.toFixed(1), share(int8Profile, ms8)];
    }),
    ['total', fp32Profile.totalMs.toFixed(0), '', 'total', int8Profile.totalMs.toFixed(0), ''],
  ]);
  const bare = await bareConvRates();
  const int8Gflop = fp32Profile.convGflop - int8Profile.convGflop;
  const int8Rate = int8Gflop / (int8Profile.int8ConvMs / 1000);
  const fp32Rate = fp32Profile.convGflop / (fp32Profile.convMs / 1000);
  printTable('convolution rate vs this CPU\'s limit (a bare 3x3 conv 256->256 on 200x304, same session options)', [
    ['', 'model GFLOP', 'model GFLOP/s', 'bare conv GFLOP/s', 'model / bare'],
    ['fp32 Conv', fp32Profile.convGflop.toFixed(1), fp32Rate.toFixed(0), bare.fp32.toFixed(0), `${((100 * fp32Rate) / bare.fp32).toFixed(0)}%`],
    ['int8 QLinearConv', int8Gflop.toFixed(1), int8Rate.toFixed(0), bare.int8.toFixed(0), `${((100 * int8Rate) / bare.int8).toFixed(0)}%`],
    ['int8 model, all work', fp32Profile.convGflop.toFixed(1), (fp32Profile.convGflop / (int8Profile.totalMs / 1000)).toFixed(0), bare.int8.toFixed(0), `${((100 * fp32Profile.convGflop) / (int8Profile.totalMs / 1000) / bare.int8).toFixed(0)}%`],
  ]);
} finally {
  await rm(dir, { recursive: true, force: true });
}

interface Timed {
  readonly model: LoadedModel;
  readonly totals: number[];
  readonly preprocessMs: number[];
  readonly inferenceMs: number[];
  readonly postprocessMs: number[];
  readonly last: Awaited<ReturnType<typeof segment>>;
}

/** One warm-up call, then `runs` timed ones. */
async function timeModel(model: LoadedModel, image: RawImage, runs: number, options: ReturnType<typeof resolveOptions>): Promise<Timed> {
  let last = await segment(image, model, options);
  const timed = { model, totals: [] as number[], preprocessMs: [] as number[], inferenceMs: [] as number[], postprocessMs: [] as number[] };
  for (let i = 0; i < runs; i++) {
    last = await segment(image, model, options);
    timed.totals.push(last.timings.totalMs);
    timed.preprocessMs.push(last.timings.preprocessMs);
    timed.inferenceMs.push(last.timings.inferenceMs);
    timed.postprocessMs.push(last.timings.postprocessMs);
  }
  return { ...timed, last };
}
