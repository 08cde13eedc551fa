// While the server drains (SIGTERM), requests that still arrive on kept-alive connections get a
// coded 503 SHUTTING_DOWN problem with Retry-After and `Connection: close`, instead of fastify's
// fixed JSON body; probes keep answering so orchestrators can watch the drain. Every answer sent
// while draining closes its connection.
import type { FastifyPluginAsync } from 'fastify';
import { MaskserveError } from '../../errors.js';
import type { ServerContext } from '../context.js';
import { OPERATIONS_PATHS } from '../routes/health.js';
import { appWide } from './shared.js';


export const drainingPlugin: FastifyPluginAsync<{ context: ServerContext }> = appWide(async (app, { context }) => {
  // Whoever closes the app (start.ts on SIGTERM, a test, an embedder) starts the drain.
  app.addHook('preClose', async () => context.readiness.markDraining());
  app.addHook('onRequest', async (request, reply) => {
    if (context.readiness.state !== 'draining' || OPERATIONS_PATHS.has(request.url.split('?')[0] ?? '')) return;
    reply.header('connection', 'close');
    throw new MaskserveError('SHUTTING_DOWN', 'The server is shutting down');
  });

  // In-flight requests finish normally but close their socket afterwards: a kept-alive idle
  // socket would otherwise hold server.close() open until the keep-alive timeout.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (context.readiness.state === 'draining') reply.header('connection', 'close');
    return payload;
  });
}, 'maskserve-draining');
