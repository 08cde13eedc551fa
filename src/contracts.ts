// The JSON contracts as TypeBox schemas: the API validates and documents its responses with them
// (OpenAPI at /docs) and src/types.ts derives the TypeScript types from them with Static<>, so the
// JSON a client reads and the types the code writes cannot drift apart.
import Type, { type Static } from 'typebox';
import { FAMILY_NAMES } from './adapters/registry.js';

/** pycocotools' compressed RLE: column-major counts as its string encoding. */
export const CocoRleSchema = Type.Object({
  size: Type.Tuple([Type.Integer(), Type.Integer()], { description: '[height, width]' }),
  counts: Type.String(),
});

/** Box as COCO writes it: [x, y, width, height] in original-image pixels. */
const Xywh = Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], { description: 'COCO [x, y, width, height]' });

/** One connected part of a mask; rings are flat [x0, y0, x1, y1, ...]. */
const PolygonPartSchema = Type.Object({ outer: Type.Array(Type.Number()), holes: Type.Array(Type.Array(Type.Number())) });

export const TimingsSchema = Type.Object({
  decodeMs: Type.Number(),
  preprocessMs: Type.Number(),
  inferenceMs: Type.Number(),
  postprocessMs: Type.Number(),
  totalMs: Type.Number(),
});

export const ModelRefSchema = Type.Object({
  id: Type.String(),
  family: Type.Enum(FAMILY_NAMES),
  isDemo: Type.Boolean({ description: 'true for the embedded demo model, which only knows synthetic shapes' }),
});

export const ResultInstanceSchema = Type.Object({
  id: Type.Integer(),
  label: Type.String(),
  classId: Type.Integer(),
  score: Type.Number(),
  bbox: Xywh,
  area: Type.Integer({ description: 'mask pixels (box area, rounded, for box-only models)' }),
  mask: Type.Optional(CocoRleSchema),
  polygons: Type.Optional(Type.Array(PolygonPartSchema)),
});

export const ResultJsonSchema = Type.Object(
  {
    model: ModelRefSchema,
    image: Type.Object({ width: Type.Integer(), height: Type.Integer() }),
    instances: Type.Array(ResultInstanceSchema),
    counts: Type.Record(Type.String(), Type.Integer()),
    timings: TimingsSchema,
  },
  { description: 'Result JSON (coordinates in original image pixels)' },
);

/** One row of a COCO results file (pycocotools' loadRes format). */
export const CocoResultSchema = Type.Object({
  image_id: Type.Integer(),
  category_id: Type.Integer(),
  bbox: Xywh,
  score: Type.Number(),
  /** Absent in a box-only model's results (COCO detection results). */
  segmentation: Type.Optional(CocoRleSchema),
});

/** One entry of GET /api/v1/models. */
export const ModelInfoSchema = Type.Object({
  id: Type.String(),
  family: Type.Enum(FAMILY_NAMES),
  classes: Type.Array(Type.String()),
  categoryIds: Type.Array(Type.Integer(), { description: 'COCO category_id for each class index' }),
  input: Type.String({ description: 'What the model expects, e.g. resize rule' }),
  state: Type.Literal('ready'),
  isDemo: Type.Boolean(),
  default: Type.Boolean(),
  notice: Type.Optional(Type.String()),
});

export type CocoRle = Static<typeof CocoRleSchema>;
export type PolygonPart = Static<typeof PolygonPartSchema>;
export type Timings = Static<typeof TimingsSchema>;
export type ModelRef = Readonly<Static<typeof ModelRefSchema>>;
export type ResultInstance = Static<typeof ResultInstanceSchema>;
export type ResultJson = Static<typeof ResultJsonSchema>;
export type CocoResult = Static<typeof CocoResultSchema>;
export type ModelInfo = Static<typeof ModelInfoSchema>;
