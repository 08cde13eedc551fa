// The per-pixel stages as plain functions of plain data: the pixel pool's workers and IN_THREAD
// call the same code, so a result cannot depend on which thread produced it.
import { performance } from 'node:perf_hooks';
import type { FamilyAdapter } from '../adapters/adapter.js';
import { decodeChecked, type CheckedImage } from '../input/decode.js';
import { encodeResult, type EncodeOptions } from '../output/encode.js';
import type { OutputFormat } from '../output/formats.js';
import type { SegmentOptions } from '../options.js';
import type { SegmentOutput } from '../pipeline.js';
import type { Instances, Outputs, RawImage } from '../types.js';
import type { Prepared, Timed } from './work.js';

export function isCheckedImage(source: RawImage | CheckedImage): source is CheckedImage {
  return 'bytes' in source;
}

/** Decodes a checked image (or takes a decoded one) and runs the adapter's preprocessing. */
export async function preprocessTask(adapter: FamilyAdapter, source: RawImage | CheckedImage, keepPixels: boolean): Promise<Timed<Prepared>> {
  const decodeStarted = performance.now();
  const image = isCheckedImage(source) ? await decodeChecked(source) : source;
  const started = performance.now();
  const { feeds, meta } = adapter.preprocess(image);
  const ms = performance.now() - started;
  // Without its pixels the image is only its size and source: nothing big to hand back.
  const handedBack = keepPixels ? image : { ...image, data: new Uint8Array(0) };
  return { value: { feeds, meta, image: handedBack, decodeMs: started - decodeStarted }, ms };
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
