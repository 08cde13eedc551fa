// Optional per-IP rate limit (MASKSERVE_RATE_LIMIT requests/minute). Over the limit a client gets
// 429 RATE_LIMITED with Retry-After, through the common error handler like every other failure.
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import { MaskserveError } from '../../errors.js';
import type { ServerContext } from '../context.js';
import { OPERATIONS_PATHS } from '../routes/health.js';
import { appWide } from './shared.js';

export const rateLimitPlugin: FastifyPluginAsync<{ context: ServerContext }> = appWide(async (app, { context }) => {
  const perMinute = context.config.rateLimitPerMinute;
  if (perMinute <= 0) return;
  await app.register(rateLimit, {
    global: true,
    max: perMinute,
    timeWindow: 60_000,
    // Probes and scrapes must never be throttled, or an orchestrator would restart a busy server.
    allowList: (request) => OPERATIONS_PATHS.has(request.url.split('?')[0] ?? ''),
    errorResponseBuilder: (_request, limit) =>
      new MaskserveError('RATE_LIMITED', `Rate limit of ${limit.max} requests per minute exceeded; retry in ${limit.after}.`, {
        retryAfter: Math.max(1, Math.ceil(limit.ttl / 1000)),
      }),
  });
}, 'maskserve-rate-limit');
