// Conservative headers on every answer: no MIME sniffing (uploads are echoed back as images),
// no framing (clickjacking), no referrer leaking image URLs to other sites.
import type { FastifyPluginAsync } from 'fastify';
import { appWide } from './shared.js';

/** For the server-rendered pages: no scripts at all, only their own inline stylesheet. */
export const SERVER_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * For the built browser UI: its own scripts and styles only (Vite emits no inline code), previews
 * of the user's photo as blob:/data: images, API calls to this origin only.
 */
export const WEB_UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export const securityHeadersPlugin: FastifyPluginAsync = appWide(async (app) => {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });
}, 'maskserve-security-headers');
