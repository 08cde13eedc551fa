// OpenAPI document generated from the route schemas (/docs/json) and Swagger UI (/docs).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import { appWide } from './shared.js';

export const docsPlugin: FastifyPluginAsync = appWide(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'maskserve',
        version: '1',
        description:
          'Instance segmentation: class, score, box and pixel mask for every object in a photo. ' +
          'Errors are RFC 9457 problem details (application/problem+json) with a stable `code`.',
      },
      tags: [
        { name: 'segmentation', description: 'Run a model on an image' },
        { name: 'models', description: 'Loaded models' },
        { name: 'samples', description: 'Sample images to try the service with' },
        { name: 'operations', description: 'Health and readiness probes' },
      ],
    },
  });
  // staticCSP: Swagger UI's pages get a Content-Security-Policy with hashes of its inline code.
  // Its default also says upgrade-insecure-requests, which breaks the page on plain http (a
  // local server), allows an image host on the internet (the spec validator badge) and styles
  // from any https site, and forbids the inline styles Swagger UI's React code sets (a violation
  // per render): styles are its own plus inline, nothing from elsewhere.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (csp) =>
      csp
        .replace(/\s*upgrade-insecure-requests;?/, '')
        .replace(/ validator\.swagger\.io/, '')
        .replace(/style-src 'self' https:/, "style-src 'self' 'unsafe-inline'"),
  });
}, 'maskserve-docs');
