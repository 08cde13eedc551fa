// What every route plugin is handed: the loaded models, limits and shared per-app services.
// Passed as plugin options (not a global), so several apps can live in one process (tests).
import type { FetchPolicy } from '../input/fetch-url.js';
import { MaskserveError } from '../errors.js';
import { catalogSource, DEMO_MODEL_ID } from '../models/resolve.js';
import { checkOptionsFitModel, type LoadedModel } from '../pipeline.js';
import type { PixelWork } from '../pixels/work.js';
import type { BoundedScheduler } from '../runtime/bounded-scheduler.js';
import type { ByteBudget } from '../runtime/byte-budget.js';
import type { InferencePool } from '../runtime/worker-pool.js';
import type { Admission } from './plugins/admission.js';
import type { ServerConfig } from './config.js';
import type { ServerMetrics } from './metrics.js';
import type { Readiness } from './readiness.js';
import type { RequestOptions } from './request-options.js';

export interface ServerContext {
  readonly models: readonly LoadedModel[];
  readonly pool: InferencePool;
  readonly config: ServerConfig;
  readonly fetchPolicy: Partial<FetchPolicy>;
  readonly readiness: Readiness;
  readonly metrics: ServerMetrics;
  /** Requests admitted to the compute routes (refused at capacity before their body is read). */
  readonly admission: Admission;
  /** Bounds concurrent image decodes (config.maxConcurrentDecodes). */
  readonly decodeSlots: BoundedScheduler;
  /** Bounds the memory of images in flight (config.maxDecodedBytes). */
  readonly imageMemory: ByteBudget;
  /** Where preprocessing, postprocessing and encoding run: never the event loop. */
  readonly pixels: PixelWork;
}

/** Longest model id echoed back in an error (a 10 MB `model` value must not become a 10 MB answer). */
const MAX_ECHOED_ID = 100;

/**
 * The requested model, or the default (first) one, with the request's options checked against it
 * (class names) before any image is read or fetched. A model answers to its id and, for the embedded
 * demo model, to `demo` (the name the CLI and README use). Unknown ids fail listing the loaded
 * ones; a catalog id that is not loaded says how to serve it.
 */
export function pickModel(context: ServerContext, options: Pick<RequestOptions, 'model' | 'segment'>): LoadedModel {
  const model = findModel(context, options.model);
  checkOptionsFitModel(model, options.segment);
  return model;
}

function findModel(context: ServerContext, id: string | undefined): LoadedModel {
  const fallback = context.models[0];
  if (fallback === undefined) throw new MaskserveError('MODEL_NOT_AVAILABLE', 'No model is loaded');
  if (id === undefined || id === '') return fallback;
  const found = context.models.find((model) => model.ref.id === id || (model.ref.isDemo && id === DEMO_MODEL_ID));
  if (found) return found;
  const loaded = context.models.map((model) => model.ref.id);
  const wanted = String(id);
  const echoed = JSON.stringify(wanted.length > MAX_ECHOED_ID ? `${wanted.slice(0, MAX_ECHOED_ID)}...` : wanted);
  const source = catalogSource(wanted);
  const hint = source
    ? `: it is a catalog model this server did not load (\`${source.pullCommand}\`, then start the server with \`--model ${[...loaded, wanted].join(',')}\`)`
    : '';
  throw new MaskserveError('UNKNOWN_MODEL', `Unknown model ${echoed}${hint}; loaded models: ${loaded.join(', ')}`, {
    models: loaded,
  });
}
