// The one error handler: every failure (ours, fastify's, a plugin's, an unknown route) becomes an
// RFC 9457 problem — application/problem+json for API clients, an HTML page for browsers and for
// the seed's /detect routes. Real causes of 5xx answers go to the log only.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { MaskserveError } from '../../errors.js';
import type { ServerContext } from '../context.js';
import { prefersHtml } from '../negotiate.js';
import { toProblem } from '../problem.js';
import { renderErrorPage } from '../views/error-page.js';
import { SERVER_PAGE_CSP } from './security-headers.js';
import { appWide } from './shared.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Errors on this route are always answered with the HTML error page (browser forms). */
    htmlErrors?: boolean;
  }
}

/** Largest unread body (declared by Content-Length) discarded to keep a refused client's connection. */
const DRAIN_ON_REFUSAL_BYTES = 1024 * 1024;

export const errorsPlugin: FastifyPluginAsync<{ context: ServerContext }> = appWide(async (app, { context }) => {
  const send = (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    // The client hung up (mid-upload, or while waiting): its own choice, not a server fault, and
    // nobody is left to answer. Reading the body then fails with ECONNRESET "aborted".
    if (request.raw.socket?.destroyed === true || reply.raw.destroyed) {
      request.log.info({ reason: error instanceof Error ? error.message : String(error) }, 'client disconnected before the answer');
      return reply.code(499).send(); // never reaches the wire; 499 keeps metrics honest (nginx's "client closed request")
    }
    const { problem, headers, serverFault } = toProblem(error, {
      instance: request.url.split('?')[0] ?? '/',
      maxUploadBytes: context.config.maxUploadBytes,
      retryAfterSeconds: context.config.retryAfterSeconds,
    });
    if (serverFault) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: problem.code, status: problem.status }, problem.detail);

    reply.code(problem.status).headers(headers);
    // Refused before its body was read (too large, malformed, overloaded): answer now. A small
    // body of declared length is then read and discarded by Node, which keeps the connection for
    // the client's next request (a refusal under overload must stay cheap: no new handshake);
    // anything else is cut, or the rest would be read however long the client sends.
    if (!request.raw.complete && !(Number(request.headers['content-length']) <= DRAIN_ON_REFUSAL_BYTES)) reply.header('connection', 'close');
    if (wantsHtml(request)) {
      return reply.type('text/html; charset=utf-8').header('content-security-policy', SERVER_PAGE_CSP).send(renderErrorPage(problem));
    }
    return reply.type('application/problem+json; charset=utf-8').send(JSON.stringify(problem));
  };

  app.setErrorHandler((error, request, reply) => send(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    return send(new MaskserveError('NOT_FOUND', `No such page or endpoint: ${request.method} ${path}`), request, reply);
  });
}, 'maskserve-errors');

function wantsHtml(request: FastifyRequest): boolean {
  return request.routeOptions.config?.htmlErrors === true || prefersHtml(request.headers.accept);
}
