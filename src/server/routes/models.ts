// GET /api/v1/models: what this server can run, so clients can pick `model=` and class names.
import type { FastifyPluginAsync } from 'fastify';
import { demoNotice } from '../../models/resolve.js';
import type { ServerContext } from '../context.js';
import { ModelList, Problem } from '../schemas.js';

export const modelRoutes: FastifyPluginAsync<{ context: ServerContext }> = async (app, { context }) => {
  const body = {
    models: context.models.map((model, index) => ({
      id: model.ref.id,
      family: model.ref.family,
      classes: [...model.adapter.classNames],
      categoryIds: [...model.adapter.categoryIds],
      input: model.adapter.inputDescription,
      state: 'ready' as const,
      isDemo: model.ref.isDemo,
      default: index === 0,
      ...(model.ref.isDemo ? { notice: demoNotice(model.adapter.classNames) } : {}),
    })),
  };

  app.get(
    '/api/v1/models',
    { schema: { tags: ['models'], summary: 'Loaded models (the first is the default)', response: { 200: ModelList, '4xx': Problem } } },
    async () => body,
  );
};
