// POST /api/v1/segment: one image in (multipart, raw bytes or JSON {"url"}), the segmentation out
// as result JSON, COCO results or an annotated image (?format= or Accept).
import type { FastifyPluginAsync } from 'fastify';
import { pickModel, type ServerContext } from '../context.js';
import { validateOnly } from '../documented-options.js';
import { readImageRequest } from '../image-input.js';
import { runSegment } from '../inference.js';
import { keepConnectionWhileWorking } from '../plugins/working-connection.js';
import { apiFormat, sendSegmentation } from '../representations.js';
import { parseRequestOptions } from '../request-options.js';
import { BinaryImage, Problem, ResultJson, SegmentJsonBody, SegmentJsonUrl, SegmentQuery } from '../schemas.js';

/** Multipart is streamed by the handler and raw images are judged by the decoder's content sniffing. */
const validatorCompiler = validateOnly({ jsonBody: SegmentJsonUrl });

const multipartBody = {
  type: 'object',
  required: ['file'],
  properties: { file: { ...BinaryImage, description: 'The image (JPEG, PNG, WebP, GIF, AVIF, TIFF)' }, ...SegmentQuery.properties },
};

const problemResponse = { description: 'Problem details', content: { 'application/problem+json': { schema: Problem } } };

export const segmentRoutes: FastifyPluginAsync<{ context: ServerContext }> = async (app, { context }) => {
  const limits = { maxUploadBytes: context.config.maxUploadBytes, fetchPolicy: context.fetchPolicy };

  app.post<{ Querystring: Record<string, unknown> }>(
    '/api/v1/segment',
    {
      validatorCompiler,
      config: { admission: true },
      preHandler: keepConnectionWhileWorking,
      schema: {
        tags: ['segmentation'],
        summary: 'Segment one image',
        description:
          'Send the image as multipart/form-data (field "file" plus option fields), as a raw body ' +
          '(image/* or application/octet-stream), or as JSON {"url": ...}. Options may also be given in the query string. ' +
          'The answer is result JSON; `Accept: image/png|image/jpeg|image/webp` or `?format=` returns the annotated image, `?format=coco` COCO results.',
        querystring: SegmentQuery,
        body: {
          content: {
            'application/json': { schema: SegmentJsonBody },
            'multipart/form-data': { schema: multipartBody },
            'application/octet-stream': { schema: BinaryImage },
            'image/*': { schema: BinaryImage },
          },
        },
        response: {
          200: {
            description: 'Result JSON, COCO results (?format=coco) or the annotated image',
            content: {
              'application/json': { schema: ResultJson },
              'image/png': { schema: BinaryImage },
              'image/jpeg': { schema: BinaryImage },
              'image/webp': { schema: BinaryImage },
            },
          },
          '4xx': problemResponse,
          '5xx': problemResponse,
        },
      },
    },
    async (request, reply) => {
      const input = await readImageRequest(request, limits);
      // Query first, body fields override; everything is validated before any URL is fetched.
      const options = parseRequestOptions({ ...request.query, ...input.fields });
      const model = pickModel(context, options);
      const format = apiFormat(options.format, request.headers.accept);
      const result = await runSegment(context, reply, await input.bytes(), model, options.segment, format);
      return sendSegmentation(context.pixels, reply, result, format, options);
    },
  );
};
