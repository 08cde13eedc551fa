// The model card's fields as a TypeBox schema: the one definition the card is validated against
// (src/models/model-card.ts) and the ModelCard type is derived from. Node-free, so the UI's types
// can import it too.
import Type, { type Static } from 'typebox';
import { CHANNEL_ORDERS } from '../adapters/normalise.js';
import { FAMILY_NAMES } from '../adapters/registry.js';
import { INTERPOLATIONS, SIZE_ROUNDINGS } from '../geometry/letterbox.js';

// Each field's `description` is also the wording of its error ("expected <description> for <field>").
const positiveInteger = Type.Integer({ minimum: 1, description: 'a positive integer' });
const text = Type.String({ description: 'a string' });
const literals = <T extends string>(values: readonly T[]) =>
  Type.Enum(values, { description: `one of ${values.join(', ')}` });
const triple = (description: string) => Type.Array(Type.Number(), { minItems: 3, maxItems: 3, description });

export const ModelCardSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, description: 'a non-empty string' })),
    family: Type.Optional(literals(FAMILY_NAMES)),
    /** Indexed by the model's own class id (for maskrcnn index 0 is the background). */
    classes: Type.Optional(Type.Array(Type.String(), { description: 'a list of class names (strings)' })),
    /** COCO category_id for each class index (same length as classes); defaults per family. */
    categoryIds: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { description: 'a list of integer COCO category ids' })),
    /** maskrcnn: short side target and long side cap. */
    minSize: Type.Optional(positiveInteger),
    maxSize: Type.Optional(positiveInteger),
    /** yolo-seg: square letterbox side and stride. */
    imgsz: Type.Optional(positiveInteger),
    stride: Type.Optional(positiveInteger),
    license: Type.Optional(text),
    description: Type.Optional(text),
    /** Network input: channel order, per-channel mean/std (in that order), resize interpolation and rounding. */
    inputFormat: Type.Optional(literals(CHANNEL_ORDERS)),
    pixelMean: Type.Optional(triple('a list of 3 numbers')),
    pixelStd: Type.Optional(triple('a list of 3 non-zero numbers')),
    interpolation: Type.Optional(literals(INTERPOLATIONS)),
    resizeRounding: Type.Optional(literals(SIZE_ROUNDINGS)),
  },
  { additionalProperties: true },
);

/**
 * Sidecar model card `<model>.json` (every field optional): overrides what is read from the graph.
 * Fields it does not know (provenance, quantization, licence notes) are kept as they are.
 */
export type ModelCard = Static<typeof ModelCardSchema> & { readonly [extra: string]: unknown };

/** The wording of a field's error: its schema's description. */
export function expectedFor(field: string): string {
  const property = (ModelCardSchema.properties as Record<string, { description?: string }>)[field];
  return property?.description ?? 'a valid value';
}
