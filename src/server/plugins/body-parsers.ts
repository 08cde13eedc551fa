// Request bodies the API accepts, each with an explicit size limit: multipart (exactly one file,
// few small fields), raw image bytes (image/* or application/octet-stream) and JSON. Plain text
// is removed so it is answered 415 instead of reaching a handler as a string.
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync } from 'fastify';
import type { ServerContext } from '../context.js';
import { appWide } from './shared.js';

/** Option fields are short (numbers, ids, class lists); anything longer is a mistake or abuse. */
const MAX_FIELD_BYTES = 4096;
const MAX_FIELDS = 20;

export const bodyParsersPlugin: FastifyPluginAsync<{ context: ServerContext }> = appWide(async (app, { context }) => {
  const { maxUploadBytes } = context.config;

  await app.register(multipart, {
    // Overflow must fail the request (413), never hand a silently truncated image to the decoder.
    throwFileSizeLimit: true,
    limits: {
      files: 1,
      fields: MAX_FIELDS,
      parts: MAX_FIELDS + 5,
      fileSize: maxUploadBytes,
      fieldSize: MAX_FIELD_BYTES,
      fieldNameSize: 100,
      headerPairs: 100,
    },
  });

  app.removeContentTypeParser('text/plain');
  const keepBuffer = (_request: unknown, body: Buffer | string, done: (error: null, body: Buffer | string) => void): void =>
    done(null, body);
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: maxUploadBytes }, keepBuffer);
  app.addContentTypeParser(/^image\/[\w.+-]+$/, { parseAs: 'buffer', bodyLimit: maxUploadBytes }, keepBuffer);
}, 'maskserve-body-parsers');
