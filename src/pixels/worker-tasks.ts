// The pixel pool's tasks, as the worker threads run them (loaded by worker.mjs). Models arrive as
// descriptors (file path, family, graph info, card: plain data) and each thread builds and keeps
// its own adapter. Results go back with their buffers transferred, not copied; a MaskserveError
// goes back as data, because an Error crossing threads loses its code.
import type { FamilyAdapter } from '../adapters/adapter.js';
import { createAdapter, type ModelFamily } from '../adapters/registry.js';
import { isMaskserveError, type ErrorCode } from '../errors.js';
import type { CheckedImage } from '../input/decode.js';
import type { EncodeOptions } from '../output/encode.js';
import type { OutputFormat } from '../output/formats.js';
import type { SegmentOptions } from '../options.js';
import type { SegmentOutput } from '../pipeline.js';
import { instanceViews, tensorViews, transferring, wholeBuffersOf, type Transferring } from '../runtime/transfer.js';
import type { GraphInfo, Instances, ModelCard, Outputs, RawImage } from '../types.js';
import { encodeTask, postprocessTask, preprocessTask } from './tasks.js';
import type { Prepared, Timed } from './work.js';

export interface ModelDescriptor {
  readonly path: string;
  readonly family: ModelFamily;
  readonly graph: GraphInfo;
  readonly card: ModelCard;
}

/** A MaskserveError as data. */
export interface TaskFailure {
  readonly failure: { readonly code: ErrorCode; readonly message: string; readonly details: Record<string, unknown> };
}

/** What a task answers: its result (buffers transferred), or the coded error it failed with. */
export type TaskAnswer<T> = Transferring<Timed<T>> | TaskFailure;

const adapters = new Map<string, FamilyAdapter>();

function adapterOf(model: ModelDescriptor): FamilyAdapter {
  const key = `${model.family}\0${model.path}`;
  let adapter = adapters.get(key);
  if (!adapter) {
    adapter = createAdapter(model.graph, model.card, model.family).adapter;
    adapters.set(key, adapter);
  }
  return adapter;
}

async function answer<T>(work: () => Timed<T> | Promise<Timed<T>>, buffersOf: (value: T) => ArrayBufferView[]): Promise<TaskAnswer<T>> {
  try {
    const timed = await work();
    return transferring(timed, wholeBuffersOf(buffersOf(timed.value)));
  } catch (error) {
    if (!isMaskserveError(error)) throw error;
    return { failure: { code: error.code, message: error.message, details: { ...error.details } } };
  }
}

export function preprocess(task: { model: ModelDescriptor; source: RawImage | CheckedImage; keepPixels: boolean }): Promise<TaskAnswer<Prepared>> {
  return answer(
    () => preprocessTask(adapterOf(task.model), task.source, task.keepPixels),
    // Kept pixels just decoded here are libvips' external memory: "transferring" them copies them,
    // in this thread, off the event loop.
    ({ feeds, image }) => [...tensorViews(feeds), image.data],
  );
}

export function postprocess(task: { model: ModelDescriptor; outputs: Outputs; meta: unknown; options: SegmentOptions }): Promise<TaskAnswer<Instances>> {
  return answer(() => postprocessTask(adapterOf(task.model), task.outputs, task.meta, task.options), instanceViews);
}

/** Text answers go back as UTF-8 bytes, which can be transferred (a string is always copied). */
export function encode(task: { format: OutputFormat; result: SegmentOutput; options: EncodeOptions }): Promise<TaskAnswer<Uint8Array>> {
  return answer(
    async () => {
      const { value, ms } = await encodeTask(task.format, task.result, task.options);
      return { value: typeof value === 'string' ? Buffer.from(value) : value, ms };
    },
    (bytes) => [bytes],
  );
}
