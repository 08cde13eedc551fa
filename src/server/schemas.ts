// TypeBox schemas of the HTTP API: they document the routes in the OpenAPI document (/docs) and
// validate the JSON body's url. The options' schemas are derived from the option table
// (src/options/table.ts), which also parses them: one definition of names, ranges and defaults.
import Type, { type TSchema } from 'typebox';
import { ModelInfoSchema } from '../contracts.js';
import { MAX_URL_LENGTH } from '../input/url-target.js';
import { OPTION_NAMES, optionSpec } from '../options/table.js';

const optionProperties: Record<string, TSchema> = Object.fromEntries(
  OPTION_NAMES.map((name) => {
    const spec = optionSpec(name);
    const description = spec.default === undefined ? spec.description : `${spec.description} (default ${String(spec.default)})`;
    return [name, Type.Optional(spec.value.schema(description))];
  }),
);

// Unknown names pass the schema on purpose: parseOptions rejects them listing the valid ones.
export const SegmentQuery = Type.Object(optionProperties);

// No `format: 'uri'`: TypeBox checks it with a regex that overflows the stack on a 10 MB string
// (a 500). The length cap answers 400 at once; src/input/url-target.ts parses the URL.
const imageUrl = Type.String({ maxLength: MAX_URL_LENGTH, description: 'http(s) URL of the image, fetched by the server' });

/** What the JSON body's validator checks; the options in it are parseOptions' job. */
export const SegmentJsonUrl = Type.Object({ url: imageUrl });

export const SegmentJsonBody = Type.Object({ url: imageUrl, ...optionProperties });

const detectUrl = Type.Optional(Type.String({ maxLength: MAX_URL_LENGTH, description: 'http(s) URL of the image' }));

/** What GET /detect's validator checks; the options beside it are parseOptions' job. */
export const DetectUrlQuery = Type.Object({ url: detectUrl });

/** GET /detect as /docs shows it: the url and every option. */
export const DetectQuery = Type.Object({ url: detectUrl, ...optionProperties });

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    instance: Type.String(),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details (application/problem+json)' },
);

export { ModelInfoSchema as ModelInfo, ResultJsonSchema as ResultJson } from '../contracts.js';

export const ModelList = Type.Object({ models: Type.Array(ModelInfoSchema) });

export const Health = Type.Object({ status: Type.String() });

/** Binary bodies as OpenAPI sees them. */
export const BinaryImage = { type: 'string', format: 'binary' } as const;
