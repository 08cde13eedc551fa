// startServer: the production wiring. Pools -> models (loaded once) -> app -> listen -> warm-up ->
// ready. SIGTERM/SIGINT drain gracefully: not ready at once, no new connections, idle and
// half-sent connections closed, in-flight requests finish, the pools close, exit 0. The drain is
// bounded by MASKSERVE_SHUTDOWN_GRACE_MS: what is still open then is cut and the process exits 0
// anyway (an orchestrator would SIGKILL it a little later). A second signal exits at once (1).
import type { FastifyInstance } from 'fastify';
import { loadModel, type LoadedModel } from '../pipeline.js';
import { createPixelPool } from '../pixels/pool.js';
import { createInferencePool, type InferencePool } from '../runtime/worker-pool.js';
import { buildApp } from './app.js';
import { loadServerConfig } from './config.js';
import { browsableUrl, loggerOptions } from './log-output.js';
import { demoNotice } from '../models/resolve.js';
import { Readiness } from './readiness.js';
import { warmUp } from './warm-up.js';

export interface StartServerOptions {
  readonly port?: number;
  readonly host?: string;
  /** Model spec(s): catalog id, path, 'demo'; default: MASKSERVE_MODEL / first cached / demo. */
  readonly model?: string | readonly string[];
  /** Install SIGTERM/SIGINT handlers that drain and exit the process (default true). */
  readonly handleSignals?: boolean;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly pool: InferencePool;
  readonly readiness: Readiness;
  readonly models: readonly LoadedModel[];
  /** Base URL the server listens on. */
  readonly url: string;
  /** Drains and stops (what the signal handlers call before exiting). */
  close(): Promise<void>;
}

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const config = loadServerConfig(process.env, { port: options.port, host: options.host });
  const pool = createInferencePool();
  const readiness = new Readiness('starting');
  let models: LoadedModel[];
  try {
    const specs = options.model === undefined ? [undefined] : typeof options.model === 'string' ? options.model.split(',') : [...options.model];
    // Sequential on purpose: each load occupies every worker; loading in parallel only competes.
    models = [];
    for (const spec of specs) models.push(await loadModel(spec?.trim() || undefined, { pool }));
  } catch (error) {
    await pool.close();
    throw error;
  }

  const pixels = createPixelPool(config.pixelThreads);
  const app = await buildApp({ models, pool, pixels, config, readiness, logger: loggerOptions() });
  for (const model of models) {
    app.log.info(
      { model: model.ref.id, family: model.ref.family, path: model.path, loadSeconds: round(model.loadSeconds) },
      `model ${model.ref.id} (${model.ref.family}) loaded`,
    );
    if (model.ref.isDemo) app.log.warn(`model ${model.ref.id}: ${demoNotice(model.adapter.classNames)}`);
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= drain(app, [pool, pixels], readiness, config.shutdownGraceMs);
    return closing;
  };

  await app.listen({ port: config.port, host: config.host, listenTextResolver: (address) => `listening on ${address}` });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = browsableUrl(config.host, port);

  if (options.handleSignals ?? true) installSignalHandlers(app, close);

  try {
    for (const model of models) {
      const ms = await warmUp(model, pixels);
      app.log.info({ model: model.ref.id, warmUpMs: round(ms) }, `model ${model.ref.id} warm-up inference succeeded`);
    }
  } catch (error) {
    app.log.error({ err: error }, 'warm-up inference failed; the server will not become ready');
    await close();
    throw error;
  }
  readiness.markReady();
  const everywhere = url.startsWith('http://localhost:') && config.host !== 'localhost' ? `; listening on all interfaces (${config.host})` : '';
  app.log.info({ url, model: models[0]?.ref.id }, `maskserve ready at ${url} (model ${models[0]?.ref.id}${everywhere})`);
  return { app, pool, readiness, models, url, close };
}

/**
 * Stops accepting, lets in-flight requests finish, closes the pools; after `graceMs` whatever is
 * left (a slow upload, a client trickling headers, a long inference) is cut. Node stops checking
 * request timeouts once the server closes, so without the bound one slow client kept the
 * process alive indefinitely.
 */
async function drain(app: FastifyInstance, pools: readonly { close(): Promise<void> }[], readiness: Readiness, graceMs: number): Promise<void> {
  readiness.markDraining();
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'grace over'>((resolve) => {
    timer = setTimeout(() => resolve('grace over'), graceMs);
  });
  // Stops accepting, closes idle sockets (forceCloseConnections: 'idle', which includes sockets
  // still receiving headers) and waits for in-flight requests.
  const closed = app.close();
  const outcome = await Promise.race([closed.then(() => 'drained' as const), graceOver]);
  if (outcome === 'grace over') {
    app.log.warn({ graceMs }, `shutdown grace period of ${graceMs} ms is over: closing the remaining connections`);
    app.server.closeAllConnections();
  }
  await Promise.race([Promise.all([closed, ...pools.map((pool) => pool.close())]), outcome === 'grace over' ? Promise.resolve() : graceOver]);
  clearTimeout(timer);
}

function installSignalHandlers(app: FastifyInstance, close: () => Promise<void>): void {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (draining) {
      app.log.warn({ signal }, `${signal} received again: exiting now without waiting for in-flight requests`);
      process.exit(1);
    }
    draining = true;
    app.log.info({ signal }, `${signal} received: draining in-flight requests`);
    close().then(
      () => {
        app.log.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
