// Calibration: run the fp32 model on the user's images with every activation to be quantized
// exposed as an extra graph output, and collect each one's range. The images go through the
// model family's own preprocess (resize, normalisation from the card), so the ranges are those
// the served model will see. The instrumented copy lives in a temporary directory, removed after.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { FamilyAdapter } from '../adapters/adapter.js';
import { MaskserveError, isMaskserveError } from '../errors.js';
import { decodeImage } from '../input/decode.js';
import { readGraphInfo } from '../models/onnx-graph-info.js';
import { saveModelWithCard } from '../onnx/save.js';
import type { ModelSpec } from '../onnx/writer.js';
import { createInferencePool } from '../runtime/worker-pool.js';
import type { ActivationRange } from './qdq.js';
import type { CalibrationMethod } from './calibration-settings.js';
import { RangeCollector } from './ranges.js';

export interface CalibrationSettings {
  readonly method: CalibrationMethod;
  readonly percentile: number;
  /** Called after each image (for a progress bar). */
  readonly onImage?: (done: number, total: number, file: string) => void;
}

export async function calibrateActivations(
  spec: ModelSpec,
  adapter: FamilyAdapter,
  activations: readonly string[],
  images: readonly string[],
  settings: CalibrationSettings,
): Promise<{ ranges: Map<string, ActivationRange>; digest: string }> {
  const inputNames = new Set(spec.inputs.map((input) => input.name));
  const outputNames = new Set(spec.outputs.map((output) => output.name));
  const exposed = activations.filter((name) => !inputNames.has(name) && !outputNames.has(name));
  const instrumented: ModelSpec = { ...spec, outputs: [...spec.outputs, ...exposed.map((name) => ({ name, type: 'float32' as const }))] };
  const collectors = new Map(activations.map((name) => [name, new RangeCollector(settings.method)]));

  // Identifies the calibration set in the card: names and bytes, in the order used.
  const digest = createHash('sha256');
  const dir = await mkdtemp(join(tmpdir(), 'maskserve-calibrate-'));
  // One worker with every core: calibration is one image at a time, like a benchmark.
  const pool = createInferencePool({ workers: 1, maxQueue: 1 });
  try {
    const path = join(dir, 'instrumented.onnx');
    await saveModelWithCard(path, instrumented, {});
    const session = await pool.load(path, await readGraphInfo(path));
    for (const [index, file] of images.entries()) {
      const bytes = await readFile(file);
      digest.update(basename(file)).update('\0').update(bytes);
      const image = await decodeImage(bytes).catch((error: unknown) => {
        if (isMaskserveError(error)) throw new MaskserveError(error.code, `Calibration image ${basename(file)}: ${error.message}`, {}, { cause: error });
        throw error;
      });
      const { feeds } = adapter.preprocess(image);
      // Inputs first: run() transfers the feeds' buffers to the worker.
      const observe = (tensors: Record<string, { data: unknown } | undefined>) => {
        for (const [name, collector] of collectors) {
          const data = tensors[name]?.data;
          if (data instanceof Float32Array) collector.observe(data);
        }
      };
      observe(feeds);
      observe(await session.run(feeds));
      settings.onImage?.(index + 1, images.length, file);
    }
  } finally {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  }
  const ranges = new Map<string, ActivationRange>();
  for (const [name, collector] of collectors) {
    const range = collector.range(settings.percentile);
    if (range) ranges.set(name, range);
  }
  return { ranges, digest: digest.digest('hex') };
}
