// The per-pixel stages of a segmentation: decoding the pixels (once the header has passed its
// checks) with preprocessing (resize, normalise), postprocessing (mask pasting, thresholds) and
// encoding the answer (RLE, polygons, PNG/JPEG/WebP). They are CPU-bound loops over every pixel,
// so the server runs them in worker threads (pool.ts), never on its event loop; the CLI runs them
// in its own thread (IN_THREAD). Decoding and preprocessing are one task so that the decoded
// pixels (libvips' external memory: handing them to another thread copies them) stay where they
// were decoded unless the answer needs them (an annotated image).
import type { CheckedImage } from '../input/decode.js';
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
  /** The decoded image; its `data` is empty unless the pixels were asked for (keepPixels). */
  readonly image: RawImage;
  /** Time spent decoding pixels (0 when given a decoded image). */
  readonly decodeMs: number;
}

export interface PixelWork {
  /**
   * Decodes a checked image (or takes a decoded one, whose pixels it may move to another thread:
   * use Prepared.image afterwards) and runs the model's preprocessing. `keepPixels`: the answer
   * needs the pixels (an annotated image).
   */
  preprocess(model: LoadedModel, source: RawImage | CheckedImage, keepPixels: boolean): Promise<Timed<Prepared>>;
  /** Takes ownership of `outputs`. */
  postprocess(model: LoadedModel, outputs: Outputs, meta: unknown, options: SegmentOptions): Promise<Timed<Instances>>;
  /** Takes ownership of `result` (image pixels and masks). */
  encode(format: OutputFormat, result: SegmentOutput, options: EncodeOptions): Promise<Timed<Buffer | string>>;
}

/** The stages run in the calling thread (the CLI, where nothing else waits on the event loop). */
export const IN_THREAD: PixelWork = Object.freeze({
  preprocess: (model: LoadedModel, source: RawImage | CheckedImage, keepPixels: boolean) => preprocessTask(model.adapter, source, keepPixels),
  postprocess: async (model: LoadedModel, outputs: Outputs, meta: unknown, options: SegmentOptions) =>
    postprocessTask(model.adapter, outputs, meta, options),
  encode: (format: OutputFormat, result: SegmentOutput, options: EncodeOptions) => encodeTask(format, result, options),
});
