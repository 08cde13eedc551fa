// TypeBox schemas: they validate the query string / JSON body and generate the OpenAPI document.
// Semantic checks (ranges, class lists) live in src/options.ts so the CLI shares them; the
// schemas repeat the ranges only so /docs shows them.
import Type from 'typebox';
import { MAX_URL_LENGTH } from '../input/url-target.js';

const Unit = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });

const optionProperties = {
  threshold: Type.Optional(Unit('Minimum score kept (default 0.5)')),
  iou: Type.Optional(Unit('NMS IoU threshold, for families that run NMS (default 0.7)')),
  maxDetections: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'At most this many instances (default 100)' })),
  classes: Type.Optional(Type.String({ description: 'Comma-separated class names to keep', examples: ['person,dog'] })),
  maskThreshold: Type.Optional(Unit('Mask probability threshold (default 0.5)')),
  agnosticNms: Type.Optional(Type.Boolean({ description: 'Class-agnostic NMS' })),
  maskFormat: Type.Optional(Type.Enum(['rle', 'polygons', 'both', 'none'], { description: 'Mask encoding in the result JSON (default rle)' })),
  model: Type.Optional(Type.String({ description: 'Id of a loaded model (GET /api/v1/models); default: the first' })),
  boxes: Type.Optional(Type.Boolean({ description: 'Draw boxes on the annotated image' })),
  labels: Type.Optional(Type.Boolean({ description: 'Draw labels on the annotated image' })),
  masks: Type.Optional(Type.Boolean({ description: 'Draw masks on the annotated image' })),
  opacity: Type.Optional(Unit('Mask fill opacity on the annotated image')),
  format: Type.Optional(
    Type.Enum(['json', 'coco', 'png', 'jpeg', 'webp'], { description: 'Response representation; overrides the Accept header' }),
  ),
  imageId: Type.Optional(Type.Integer({ minimum: 0, description: 'image_id in COCO results (default 1)' })),
};

// Unknown names pass the schema on purpose: parseRequestOptions rejects them listing the valid ones.
export const SegmentQuery = Type.Object(optionProperties);

// No `format: 'uri'`: TypeBox checks it with a regex that overflows the stack on a 10 MB string
// (a 500). The length cap answers 400 at once; src/input/url-target.ts parses the URL.
const imageUrl = Type.String({ maxLength: MAX_URL_LENGTH, description: 'http(s) URL of the image, fetched by the server' });

/** What the JSON body's validator checks; the options in it are parseRequestOptions' job. */
export const SegmentJsonUrl = Type.Object({ url: imageUrl });

export const SegmentJsonBody = Type.Object(
  {
    url: imageUrl,
    ...optionProperties,
    classes: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: 'Class names to keep' })),
  },
);

export const DetectQuery = Type.Object({ url: Type.Optional(Type.String({ maxLength: MAX_URL_LENGTH, description: 'http(s) URL of the image' })) });

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
import { ModelInfoSchema } from '../contracts.js';

export const ModelList = Type.Object({ models: Type.Array(ModelInfoSchema) });

export const Health = Type.Object({ status: Type.String() });

/** Binary bodies as OpenAPI sees them. */
export const BinaryImage = { type: 'string', format: 'binary' } as const;
