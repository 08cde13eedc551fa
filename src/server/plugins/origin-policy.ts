// Cross-site requests to the routes that run inference are refused (403 FORBIDDEN_ORIGIN) unless
// their origin is allowlisted (MASKSERVE_ALLOWED_ORIGINS). Without this, any web page could make
// its visitors' browsers post images here (a form post or a "simple" fetch needs no CORS
// preflight) and spend this server's CPU. Browsers say where a request comes from with
// Sec-Fetch-Site (and Origin); clients that send neither (curl, SDKs, other servers) are not
// browsers acting for a third-party page and are served as before.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { MaskserveError } from '../../errors.js';
import type { ServerContext } from '../context.js';
import { appWide } from './shared.js';

/** Allows every origin (a public API behind its own protection). */
export const ANY_ORIGIN = '*';

export const originPolicyPlugin: FastifyPluginAsync<{ context: ServerContext }> = appWide(async (app, { context }) => {
  const allowed = new Set(context.config.allowedOrigins);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.admission !== true) return;
    const origin = header(request, 'origin');
    if (!isCrossSite(request, origin)) return;
    if (origin !== undefined && (allowed.has(ANY_ORIGIN) || allowed.has(origin))) {
      // Allowlisted: the calling page may read the answer too.
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
      return;
    }
    throw new MaskserveError(
      'FORBIDDEN_ORIGIN',
      `Requests from ${origin === undefined ? 'other sites' : JSON.stringify(origin.slice(0, 100))} are not accepted; the server's operator can allow an origin with MASKSERVE_ALLOWED_ORIGINS`,
    );
  });
}, 'maskserve-origin-policy');

function isCrossSite(request: FastifyRequest, origin: string | undefined): boolean {
  const site = header(request, 'sec-fetch-site');
  if (site !== undefined) return site === 'cross-site' || site === 'same-site';
  // Older browsers: an Origin that is not this server's own.
  if (origin === undefined || origin === 'null') return origin === 'null';
  const host = header(request, 'host');
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}
