// fastify encapsulates every plugin; error handlers, hooks and parsers that must apply to the
// whole app opt out the way fastify-plugin does (the documented skip-override symbol), without
// adding a dependency.
import type { FastifyPluginAsync, FastifyPluginOptions } from 'fastify';

export function appWide<Options extends FastifyPluginOptions>(
  plugin: FastifyPluginAsync<Options>,
  name: string,
): FastifyPluginAsync<Options> {
  Object.defineProperty(plugin, Symbol.for('skip-override'), { value: true });
  Object.defineProperty(plugin, Symbol.for('fastify.display-name'), { value: name });
  return plugin;
}
