// startServer: the production wiring. Pool -> models (loaded once) -> app -> listen -> warm-up ->
// ready. SIGTERM/SIGINT drain gracefully: not ready at once, no new connections, in-flight
// requests finish, the pool closes, exit 0.
import type { FastifyInstance } from 'fastify';
import { loadModel, type LoadedModel } from '../pipeline.js';
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

  const app = await buildApp({ models, pool, config, readiness, logger: loggerOptions() });
  for (const model of models) {
    app.log.info(
      { model: model.ref.id, family: model.ref.family, path: model.path, loadSeconds: round(model.loadSeconds) },
      `model ${model.ref.id} (${model.ref.family}) loaded`,
    );
    if (model.ref.isDemo) app.log.warn(`model ${model.ref.id}: ${demoNotice(model.adapter.classNames)}`);
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      readiness.markDraining();
      await app.close(); // stops accepting; waits for in-flight requests
      await pool.close();
    })();
    return closing;
  };

  await app.listen({ port: config.port, host: config.host, listenTextResolver: (address) => `listening on ${address}` });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = browsableUrl(config.host, port);

  if (options.handleSignals ?? true) installSignalHandlers(app, close);

  try {
    for (const model of models) {
      const ms = await warmUp(model);
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

function installSignalHandlers(app: FastifyInstance, close: () => Promise<void>): void {
  const onSignal = (signal: NodeJS.Signals): void => {
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
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
