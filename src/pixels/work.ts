// The per-pixel stages of a segmentation: decoding the pixels (once the header has passed its
// checks), preprocessing (resize, normalise), postprocessing (mask pasting, thresholds) and
// encoding the answer (RLE, polygons, PNG/JPEG/WebP). They are CPU-bound loops over every pixel
// (or, for decoding, a copy of every pixel out of libvips' memory), so the server runs them in
// worker threads (pool.ts), never on its event loop; the CLI runs them in its own thread (IN_THREAD).
import { decodePixels, type PixelDecoder } from '../input/decode.js';
import type { EncodeOptions } from '../output/encode.js';
import type { OutputFormat } from '../output/formats.js';
import type { SegmentOptions } from '../options.js';
import type { LoadedModel, SegmentOutput } from '../pipeline.js';
import type { Feeds, Instances, Outputs, RawImage } from '../types.js';
import { encodeTask, postprocessTask, preprocessTask } from './tasks.js';

/** A stage's value and the milliseconds of work it took (not counting waits for a thread). */
export interface Timed<T> {
  readonly value: T;
  readonly ms: number;
}

export interface Prepared {
  readonly feeds: Feeds;
  /** The adapter's geometry, handed back to postprocess as is. */
  readonly meta: unknown;
  /** The decoded image, handed back: it may have been moved to another thread and back. */
  readonly image: RawImage;
}

export interface PixelWork {
  readonly decodePixels: PixelDecoder;
  /** Takes ownership of `image` (its pixels may be moved to another thread); use Prepared.image afterwards. */
  preprocess(model: LoadedModel, image: RawImage): Promise<Timed<Prepared>>;
  /** Takes ownership of `outputs`. */
  postprocess(model: LoadedModel, outputs: Outputs, meta: unknown, options: SegmentOptions): Promise<Timed<Instances>>;
  /** Takes ownership of `result` (image pixels and masks). */
  encode(format: OutputFormat, result: SegmentOutput, options: EncodeOptions): Promise<Timed<Buffer | string>>;
}

/** The stages run in the calling thread (the CLI, where nothing else waits on the event loop). */
export const IN_THREAD: PixelWork = Object.freeze({
  decodePixels,
  preprocess: async (model: LoadedModel, image: RawImage) => preprocessTask(model.adapter, image),
  postprocess: async (model: LoadedModel, outputs: Outputs, meta: unknown, options: SegmentOptions) =>
    postprocessTask(model.adapter, outputs, meta, options),
  encode: (format: OutputFormat, result: SegmentOutput, options: EncodeOptions) => encodeTask(format, result, options),
});
