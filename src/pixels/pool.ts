// The pixel pool: worker threads (piscina) that decode and preprocess, postprocess and encode, so
// a 40 MP image's decoding copy, resize, mask pasting or RLE never blocks the server's event loop
// (health checks, refusals, other requests' I/O). Tensors, masks and any pixels the answer needs
// move between threads as transferred buffers, not copies. The threads start on first use (the
// server's warm-up) and hold one adapter per model.
import { Piscina } from 'piscina';
import { MaskserveError } from '../errors.js';
import type { CheckedImage } from '../input/decode.js';
import type { EncodeOptions } from '../output/encode.js';
import { isImageFormat, type OutputFormat } from '../output/formats.js';
import type { SegmentOptions } from '../options.js';
import type { LoadedModel, SegmentOutput } from '../pipeline.js';
import { instanceViews, runMoving, tensorViews, wholeBuffersOf } from '../runtime/transfer.js';
import type { Instances, Outputs, RawImage } from '../types.js';
import { isCheckedImage } from './tasks.js';
import type { PixelWork, Prepared, Timed } from './work.js';
import type { ModelDescriptor, TaskFailure } from './worker-tasks.js';

export interface PixelPool extends PixelWork {
  /** Lets running tasks finish, then stops the threads; later tasks fail with SHUTTING_DOWN. */
  close(): Promise<void>;
}

const WORKER_FILE = new URL('./worker.mjs', import.meta.url);

export function createPixelPool(threads: number): PixelPool {
  let piscina: Piscina | undefined;
  let closed = false;
  const descriptors = new WeakMap<LoadedModel, ModelDescriptor>();

  function started(): Piscina {
    if (closed) throw new MaskserveError('SHUTTING_DOWN', 'The pixel pool is shutting down');
    // Threads never retire: each holds its loaded modules and adapters.
    piscina ??= new Piscina({ filename: WORKER_FILE.href, minThreads: threads, maxThreads: threads, idleTimeout: Number.POSITIVE_INFINITY });
    return piscina;
  }

  function descriptorOf(model: LoadedModel): ModelDescriptor {
    let descriptor = descriptors.get(model);
    if (!descriptor) {
      descriptor = { path: model.path, family: model.ref.family, graph: model.session.graph, card: model.card };
      descriptors.set(model, descriptor);
    }
    return descriptor;
  }

  async function run<T>(name: string, task: unknown, moved: ArrayBufferView[]): Promise<Timed<T>> {
    const answer = await runMoving<Timed<T> | TaskFailure>(started(), name, task, wholeBuffersOf(moved));
    if ('failure' in answer) throw new MaskserveError(answer.failure.code, answer.failure.message, answer.failure.details);
    return answer;
  }

  return Object.freeze({
    // A checked image's compressed bytes are copied, not moved: the caller keeps them.
    preprocess: (model: LoadedModel, source: RawImage | CheckedImage, keepPixels: boolean) =>
      run<Prepared>('preprocess', { model: descriptorOf(model), source, keepPixels }, isCheckedImage(source) ? [] : [source.data]),
    postprocess: (model: LoadedModel, outputs: Outputs, meta: unknown, options: SegmentOptions) =>
      run<Instances>('postprocess', { model: descriptorOf(model), outputs, meta, options }, tensorViews(outputs)),
    async encode(format: OutputFormat, result: SegmentOutput, options: EncodeOptions): Promise<Timed<Buffer>> {
      // Documents need the image's size only: its pixels stay here instead of being copied.
      const drawn = isImageFormat(format);
      const image = drawn ? result.image : { ...result.image, data: new Uint8Array(0) };
      const moved = [...instanceViews(result.instances), ...(drawn ? [image.data] : [])];
      const { value, ms } = await run<Uint8Array>('encode', { format, result: { ...result, image }, options }, moved);
      return { value: Buffer.from(value.buffer, value.byteOffset, value.byteLength), ms };
    },
    async close(): Promise<void> {
      closed = true;
      await piscina?.close();
    },
  });
}
