// GET /: the built browser UI (web/dist) when present, else the server-rendered no-JS page.
// Both carry the same upload and URL forms, so the page works with scripts disabled either way.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { demoNotice } from '../../models/resolve.js';
import type { ServerContext } from '../context.js';
import { SERVER_PAGE_CSP, WEB_UI_CSP } from '../plugins/security-headers.js';
import { renderIndexPage } from '../views/index-page.js';

export const webRoutes: FastifyPluginAsync<{ context: ServerContext }> = async (app, { context }) => {
  const webRoot = context.config.webRoot;
  const hasBuiltUi = existsSync(join(webRoot, 'index.html'));
  const model = context.models[0];
  const fallbackPage = renderIndexPage({ id: model?.ref.id ?? 'none', isDemo: model?.ref.isDemo ?? false }, model ? demoNotice(model.adapter.classNames) : '');

  if (hasBuiltUi) {
    // Assets (hashed by Vite) from web/dist; unknown paths fall through to the 404 handler.
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', index: false, wildcard: true });
  }

  app.get('/', { schema: { hide: true }, config: { htmlErrors: true } }, async (_request, reply) => {
    reply.header('cache-control', 'no-cache');
    if (hasBuiltUi) return reply.header('content-security-policy', WEB_UI_CSP).sendFile('index.html');
    return reply.type('text/html; charset=utf-8').header('content-security-policy', SERVER_PAGE_CSP).send(fallbackPage);
  });
};
