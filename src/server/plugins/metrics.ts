// Counts every answered request by route template (not raw URL: unbounded label values would
// blow up the registry) and serves the app's registry at /metrics: on the public port, or, with
// MASKSERVE_METRICS_PORT, only on a port of its own that the network can keep private (the
// metrics name models, queue depths and traffic).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type {} from '@fastify/swagger'; // schema.hide typings
import type {} from '@fastify/rate-limit'; // config.rateLimit typings
import type { ServerContext } from '../context.js';
import { appWide } from './shared.js';

export const metricsPlugin: FastifyPluginAsync<{ context: ServerContext }> = appWide(async (app, { context }) => {
  const { metrics } = context;
  for (const model of context.models) metrics.setModelLoadSeconds(model.ref.id, model.loadSeconds);

  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode },
      reply.elapsedTime / 1000,
    );
  });

  const { metricsPort } = context.config;
  if (metricsPort === undefined) {
    app.get('/metrics', { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
    return;
  }
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served on this port\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (error: unknown) => {
        app.log.error({ err: error }, 'collecting metrics failed');
        response.writeHead(500).end();
      },
    );
  });
  app.decorate('metricsServer', server);
  app.addHook('onListen', async () => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(metricsPort, app.server.address() === null ? undefined : (app.server.address() as AddressInfo).address, () => resolve());
    });
    app.log.info({ port: metricsAddress(app)?.port }, `metrics on port ${metricsAddress(app)?.port} (GET /metrics)`);
  });
  app.addHook('onClose', async () => {
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}, 'maskserve-metrics');

declare module 'fastify' {
  interface FastifyInstance {
    /** The separate /metrics server when MASKSERVE_METRICS_PORT is set. */
    metricsServer?: Server;
  }
}

/** Where the separate /metrics server listens (undefined when /metrics is on the public port). */
export function metricsAddress(app: FastifyInstance): AddressInfo | undefined {
  const address = app.metricsServer?.address();
  return typeof address === 'object' && address !== null ? address : undefined;
}
