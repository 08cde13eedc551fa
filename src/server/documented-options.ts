// Routes that take the request options document them all in their schemas (/docs), but the
// schema validator checks only the parts that are not options (a JSON body's or a query's url):
// options are checked by parseRequestOptions alone, wherever they arrive (query, form field, JSON
// property), so a bad value gets one code (INVALID_OPTION) and one wording, and no schema
// coercion reads `threshold=0x1` as 1.
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';

export interface CheckedParts {
  /** Validates the JSON body (application/json) against this schema. */
  readonly jsonBody?: TSchema;
  /** Validates the query string against this schema. */
  readonly querystring?: TSchema;
}

export function validateOnly(parts: CheckedParts): FastifySchemaCompiler<TSchema> {
  return (route) => {
    const contentType = (route as { contentType?: string }).contentType;
    if (route.httpPart === 'body' && contentType === 'application/json' && parts.jsonBody) return TypeBoxValidatorCompiler({ ...route, schema: parts.jsonBody });
    if (route.httpPart === 'querystring' && parts.querystring) return TypeBoxValidatorCompiler({ ...route, schema: parts.querystring });
    return () => true;
  };
}
