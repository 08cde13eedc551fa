// The per-pixel stages as plain functions of plain data: the pixel pool's workers and IN_THREAD
// call the same code, so a result cannot depend on which thread produced it.
import { performance } from 'node:perf_hooks';
import type { FamilyAdapter } from '../adapters/adapter.js';
import { encodeResult, type EncodeOptions } from '../output/encode.js';
import type { OutputFormat } from '../output/formats.js';
import type { SegmentOptions } from '../options.js';
import type { SegmentOutput } from '../pipeline.js';
import type { Instances, Outputs, RawImage } from '../types.js';
import type { Prepared, Timed } from './work.js';

export function preprocessTask(adapter: FamilyAdapter, image: RawImage): Timed<Prepared> {
  const started = performance.now();
  const { feeds, meta } = adapter.preprocess(image);
  return { value: { feeds, meta, image }, ms: performance.now() - started };
}

export function postprocessTask(adapter: FamilyAdapter, outputs: Outputs, meta: unknown, options: SegmentOptions): Timed<Instances> {
  const started = performance.now();
  const value = adapter.postprocess(outputs, meta, options);
  return { value, ms: performance.now() - started };
}

export async function encodeTask(format: OutputFormat, result: SegmentOutput, options: EncodeOptions): Promise<Timed<Buffer | string>> {
  const started = performance.now();
  const value = await encodeResult(format, result, options);
  return { value, ms: performance.now() - started };
}
