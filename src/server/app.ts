// buildApp: the whole HTTP surface as a fastify instance, assembled from plugins. It never
// listens (start.ts does), so tests drive it with inject() or listen on port 0 themselves.
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FetchPolicy } from '../input/fetch-url.js';
import type { LoadedModel } from '../pipeline.js';
import { createPixelPool } from '../pixels/pool.js';
import type { PixelWork } from '../pixels/work.js';
import type { InferencePool } from '../runtime/worker-pool.js';
import { loadServerConfig, type ServerConfig } from './config.js';
import type { ServerContext } from './context.js';
import { createServerMetrics } from './metrics.js';
import { BoundedScheduler } from '../runtime/bounded-scheduler.js';
import { ByteBudget } from '../runtime/byte-budget.js';
import { Admission, admissionPlugin } from './plugins/admission.js';
import { originPolicyPlugin } from './plugins/origin-policy.js';
import { bodyParsersPlugin } from './plugins/body-parsers.js';
import { docsPlugin } from './plugins/docs.js';
import { drainingPlugin } from './plugins/draining.js';
import { errorsPlugin } from './plugins/errors.js';
import { metricsPlugin } from './plugins/metrics.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { securityHeadersPlugin } from './plugins/security-headers.js';
import { Readiness } from './readiness.js';
import { detectRoutes } from './routes/detect.js';
import { healthRoutes } from './routes/health.js';
import { modelRoutes } from './routes/models.js';
import { samplesRoutes } from './routes/samples.js';
import { segmentRoutes } from './routes/segment.js';
import { webRoutes } from './routes/web.js';
import { formatSchemaErrors } from './validation-message.js';

export interface BuildAppOptions {
  /** Loaded models; the first is the default. */
  readonly models: readonly LoadedModel[];
  /** The pool the models run on (queue stats for /metrics). */
  readonly pool: InferencePool;
  readonly config?: ServerConfig;
  /** Tests may pass { allowLoopback: true }; production uses the fetcher's safe defaults. */
  readonly fetchPolicy?: Partial<FetchPolicy>;
  /** Starts 'ready' unless the caller still has to warm up (start.ts passes its own). */
  readonly readiness?: Readiness;
  readonly logger?: boolean | Record<string, unknown>;
  /** Where per-pixel work runs; by default a pixel pool of config.pixelThreads, closed with the app. */
  readonly pixels?: PixelWork;
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const config = options.config ?? loadServerConfig();
  const ownPixelPool = options.pixels ? undefined : createPixelPool(config.pixelThreads);
  const admission = new Admission(
    {
      capacity: options.pool.options.workers + options.pool.options.maxQueue,
      workers: options.pool.options.workers,
      maxExpectedMs: config.perRequestDeadlineMs / 2,
      bodyBytes: config.maxBodyBytesInFlight,
    },
    () => options.pool.stats().averageTaskMs,
  );
  const context: ServerContext = {
    models: options.models,
    pool: options.pool,
    config,
    fetchPolicy: options.fetchPolicy ?? {},
    readiness: options.readiness ?? new Readiness('ready'),
    metrics: createServerMetrics(() => options.pool.stats(), () => admission.inProgress),
    admission,
    // Admission bounds how many wait here, so this queue needs no limit of its own.
    decodeSlots: new BoundedScheduler(config.maxConcurrentDecodes, Number.MAX_SAFE_INTEGER),
    imageMemory: new ByteBudget(config.maxDecodedBytes),
    pixels: ownPixelPool ?? (options.pixels as PixelWork),
  };

  const app = Fastify({
    logger: withSafeSerializers(options.logger ?? false),
    bodyLimit: config.maxUploadBytes,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    keepAliveTimeout: config.connectionTimeoutMs,
    http: {
      // Headers are small: a client trickling them gets the idle limit, not the whole request's.
      headersTimeout: Math.min(config.connectionTimeoutMs, config.requestTimeoutMs),
      // Node checks request/headers timeouts on this interval (default 30 s, so a 30 s timeout
      // used to cut at 42-77 s).
      connectionsCheckingInterval: 1000,
    },
    trustProxy: config.trustProxy,
    // Draining is answered by our own plugin (coded SHUTTING_DOWN problem), not fastify's fixed body.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    schemaErrorFormatter: formatSchemaErrors,
  });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  if (ownPixelPool) app.addHook('onClose', () => ownPixelPool.close());

  // Order matters: app-wide plugins first so their hooks see every route registered after them.
  await app.register(errorsPlugin, { context });
  await app.register(docsPlugin);
  await app.register(metricsPlugin, { context });
  await app.register(drainingPlugin, { context });
  await app.register(securityHeadersPlugin);
  await app.register(rateLimitPlugin, { context });
  await app.register(originPolicyPlugin, { context }); // before admission: a refused origin takes no slot
  await app.register(admissionPlugin, { context });
  await app.register(bodyParsersPlugin, { context });

  await app.register(healthRoutes, { context });
  await app.register(webRoutes, { context });
  await app.register(detectRoutes, { context });
  await app.register(modelRoutes, { context });
  await app.register(segmentRoutes, { context });
  await app.register(samplesRoutes); // held-out sample images for the browser UI
  return app;
}

/**
 * Request logs carry the path only: query strings may hold user-supplied image URLs (and the
 * fetcher rejects, but cannot un-log, URLs with credentials).
 */
function withSafeSerializers(logger: boolean | Record<string, unknown>): boolean | Record<string, unknown> {
  if (logger === false) return false;
  return {
    ...(logger === true ? {} : logger),
    serializers: {
      req: (request: { method: string; url: string; ip?: string; id?: string }) => ({
        method: request.method,
        url: request.url.split('?')[0],
        remoteAddress: request.ip,
      }),
    },
  };
}
