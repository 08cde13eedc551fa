// What every route plugin is handed: the loaded models, limits and shared per-app services.
// Passed as plugin options (not a global), so several apps can live in one process (tests).
import type { FetchPolicy } from '../input/fetch-url.js';
import { MaskserveError } from '../errors.js';
import type { LoadedModel } from '../pipeline.js';
import type { InferencePool } from '../runtime/worker-pool.js';
import type { ServerConfig } from './config.js';
import type { ServerMetrics } from './metrics.js';
import type { Readiness } from './readiness.js';

export const DEMO_NOTICE =
  'demo model — shapes; run `maskserve models pull mask-rcnn-r50-fpn` for COCO objects';

export interface ServerContext {
  readonly models: readonly LoadedModel[];
  readonly pool: InferencePool;
  readonly config: ServerConfig;
  readonly fetchPolicy: Partial<FetchPolicy>;
  readonly readiness: Readiness;
  readonly metrics: ServerMetrics;
}

/** The requested model, or the default (first) one; unknown ids fail listing the loaded ones. */
export function pickModel(context: ServerContext, id: unknown): LoadedModel {
  const fallback = context.models[0];
  if (fallback === undefined) throw new MaskserveError('MODEL_NOT_AVAILABLE', 'No model is loaded');
  if (id === undefined || id === '') return fallback;
  const found = context.models.find((model) => model.ref.id === id);
  if (found) return found;
  const loaded = context.models.map((model) => model.ref.id);
  throw new MaskserveError('UNKNOWN_MODEL', `Unknown model ${JSON.stringify(String(id))}; loaded models: ${loaded.join(', ')}`, {
    models: loaded,
  });
}
