// The one batch loop of the CLI, for `predict` and `eval`: the model is resolved once (a bad one
// fails before any worker thread starts) and loaded once, then the images run with bounded
// parallelism; a bad image is recorded and the run goes on.
import type { DecodeOptions } from '../input/decode.js';
import { resolveModelSpec, type ResolvedModel } from '../models/resolve.js';
import type { SegmentOptions } from '../options.js';
import type { Spelling } from '../options/table.js';
import { checkOptionsFitModel, loadModel, segment, type LoadedModel, type SegmentOutput } from '../pipeline.js';
import { createInferencePool, defaultRuntimeOptions } from '../runtime/worker-pool.js';
import { describeError } from './exit-codes.js';
import type { InputProblem } from './predict-inputs.js';
import { createItemProgress } from './progress.js';

export interface BatchItem {
  /** How the item is named in progress lines and failure lists. */
  readonly label: string;
  read(): Promise<Uint8Array>;
}

export interface BatchFailure extends InputProblem {
  readonly error: unknown;
}

export interface Batch<Item extends BatchItem> {
  /** A model spec (id, path, "demo"; undefined: the default), or one the caller already resolved. */
  readonly model?: string | ResolvedModel;
  readonly family?: string;
  readonly items: readonly Item[];
  readonly concurrency: number;
  readonly options: SegmentOptions;
  /** How the user spelt the options (CLI flags): a class the model lacks is refused naming it so. */
  readonly spelling?: Spelling;
  readonly decode?: DecodeOptions;
  /** Title of the progress line on stderr; none when undefined. */
  readonly progress?: string;
  readonly stderr: NodeJS.WriteStream;
  /** Runs once the model is loaded, before any image: may refuse the run by throwing. */
  readonly beforeImages?: (model: LoadedModel) => void;
  readonly accept: (item: Item, result: SegmentOutput) => Promise<void> | void;
  readonly failed?: (item: Item, failure: BatchFailure) => void;
}

export interface BatchOutcome {
  readonly model: LoadedModel;
  readonly failures: BatchFailure[];
}

export async function runBatch<Item extends BatchItem>(batch: Batch<Item>): Promise<BatchOutcome> {
  const resolved = typeof batch.model === 'object' ? batch.model : await resolveModelSpec(batch.model);
  const pool = createInferencePool({ maxQueue: Math.max(batch.concurrency, defaultRuntimeOptions().maxQueue) });
  try {
    const model = await loadModel(resolved, { pool, ...(batch.family ? { family: batch.family } : {}) });
    // Options the model cannot honour end the run before any image: not a failure per image.
    checkOptionsFitModel(model, batch.options, batch.spelling);
    batch.beforeImages?.(model);
    const progress = batch.progress === undefined ? undefined : createItemProgress(batch.progress, batch.items.length, batch.stderr);
    const failures: BatchFailure[] = [];
    const extras = batch.decode === undefined ? {} : { decode: batch.decode };
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < batch.items.length) {
        const item = batch.items[next++];
        try {
          await batch.accept(item, await segment(await item.read(), model, batch.options, extras));
          progress?.tick(item.label, true);
        } catch (error) {
          const failure = { label: item.label, reason: describeError(error), error };
          failures.push(failure);
          batch.failed?.(item, failure);
          progress?.tick(item.label, false);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(batch.concurrency, batch.items.length) }, lane));
    progress?.stop();
    return { model, failures };
  } finally {
    await pool.close();
  }
}
