// Probes. Liveness: the process answers (always 200). Readiness: the model passed its warm-up
// and the server is not draining — load balancers stop sending traffic the moment it drains.
import type { FastifyPluginAsync } from 'fastify';
import type {} from '@fastify/rate-limit';
import type { ServerContext } from '../context.js';
import { Health } from '../schemas.js';

/** The probe endpoints (also what load balancers, the Dockerfile's HEALTHCHECK and the Kubernetes manifests call). */
export const PROBE_PATHS = Object.freeze({ liveness: '/healthz', readiness: '/readyz' });

/** Never throttled, refused while draining or counted as work: orchestrators must always reach them. */
export const OPERATIONS_PATHS: ReadonlySet<string> = new Set([PROBE_PATHS.liveness, PROBE_PATHS.readiness, '/metrics']);

export const healthRoutes: FastifyPluginAsync<{ context: ServerContext }> = async (app, { context }) => {
  const probe = { tags: ['operations'], response: { 200: Health, 503: Health } };

  app.get(PROBE_PATHS.liveness, { schema: { ...probe, summary: 'Liveness probe' }, config: { rateLimit: false } }, async () => ({
    status: 'ok',
  }));

  app.get(PROBE_PATHS.readiness, { schema: { ...probe, summary: 'Readiness probe (503 until warm-up, and while draining)' }, config: { rateLimit: false } }, async (_request, reply) => {
    const { readiness } = context;
    reply.header('cache-control', 'no-store');
    if (!readiness.isReady) return reply.code(503).send({ status: readiness.state });
    return { status: 'ready' };
  });
};
