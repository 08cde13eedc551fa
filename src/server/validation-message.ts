// One readable sentence for schema failures, e.g.
//   "Invalid querystring: format must be one of json, coco, png, jpeg, webp"
// instead of one line per union branch; names the offending field like the option errors do.
import type { FastifySchemaValidationError } from 'fastify';

export function formatSchemaErrors(errors: readonly FastifySchemaValidationError[], dataVar: string): Error {
  const sentences = new Set<string>();
  for (const error of errors) {
    const field = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const allowed = (error.params as { allowedValues?: unknown[] } | undefined)?.allowedValues;
    const message = Array.isArray(allowed) ? `must be one of ${allowed.join(', ')}` : (error.message ?? 'is invalid');
    sentences.add(field === '' ? message : `${field} ${message}`);
  }
  return new Error(`Invalid ${dataVar}: ${[...sentences].join('; ')}`);
}
