// The seed's routes, kept for browsers and old scripts: POST /detect (multipart, field "file")
// and GET /detect?url=…[&threshold=…] answer with the annotated image; any failure is the HTML error page
// with the real status, never a 200.
import type { FastifyPluginAsync } from 'fastify';
import { pickModel, type ServerContext } from '../context.js';
import { fetchUrl, readImageRequest } from '../image-input.js';
import { runSegment } from '../inference.js';
import { keepConnectionWhileWorking } from '../plugins/working-connection.js';
import { detectImageFormat, sendSegmentation } from '../representations.js';
import { parseRequestOptions } from '../request-options.js';
import { validateOnly } from '../documented-options.js';
import { BinaryImage, DetectQuery, DetectUrlQuery } from '../schemas.js';

export const detectRoutes: FastifyPluginAsync<{ context: ServerContext }> = async (app, { context }) => {
  const limits = { maxUploadBytes: context.config.maxUploadBytes, fetchPolicy: context.fetchPolicy };
  const imageResponse = {
    200: { description: 'The annotated image (PNG, or JPEG when Accept prefers it)', content: { 'image/png': { schema: BinaryImage }, 'image/jpeg': { schema: BinaryImage } } },
  };

  app.get<{ Querystring: { url?: string } & Record<string, unknown> }>(
    '/detect',
    {
      schema: { tags: ['segmentation'], summary: 'Seed form: annotate the image at ?url=', querystring: DetectQuery, response: imageResponse },
      validatorCompiler: validateOnly({ querystring: DetectUrlQuery }),
      config: { htmlErrors: true, admission: true },
      preHandler: keepConnectionWhileWorking,
    },
    async (request, reply) => {
      // The other query parameters are the same options as everywhere (threshold, classes, model,
      // drawing), validated before the URL is fetched.
      const { url, ...fields } = request.query;
      const options = parseRequestOptions(fields);
      const model = pickModel(context, options);
      const format = detectImageFormat(request.headers.accept);
      const bytes = await fetchUrl(url, limits);
      const result = await runSegment(context, reply, bytes, model, options.segment, format);
      return sendSegmentation(context.pixels, reply, result, format, options);
    },
  );

  app.post(
    '/detect',
    {
      schema: { tags: ['segmentation'], summary: 'Seed form: annotate an uploaded image (multipart field "file")', response: imageResponse },
      config: { htmlErrors: true, admission: true },
      preHandler: keepConnectionWhileWorking,
    },
    async (request, reply) => {
      const input = await readImageRequest(request, limits);
      const options = parseRequestOptions(input.fields);
      const model = pickModel(context, options);
      const format = detectImageFormat(request.headers.accept);
      const result = await runSegment(context, reply, await input.bytes(), model, options.segment, format);
      return sendSegmentation(context.pixels, reply, result, format, options);
    },
  );
};
