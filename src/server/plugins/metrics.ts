// Counts every answered request by route template (not raw URL: unbounded label values would
// blow up the registry) and serves the app's registry at /metrics.
import type { FastifyPluginAsync } from 'fastify';
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

  app.get('/metrics', { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}, 'maskserve-metrics');
