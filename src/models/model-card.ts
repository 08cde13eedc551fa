// The sidecar model card `<model>.json` next to an `.onnx` file: what the graph cannot say
// (family, class names, input size, licence). Validated with TypeBox so a typo in a card fails
// at load time naming the field, instead of surfacing later as odd detections.
import { readFile } from 'node:fs/promises';
import Type from 'typebox';
import Value from 'typebox/value';
import { MaskserveError } from '../errors.js';
import { CHANNEL_ORDERS } from '../adapters/normalise.js';
import { INTERPOLATIONS, SIZE_ROUNDINGS } from '../geometry/letterbox.js';
import type { ModelCard } from '../types.js';

const positiveInteger = Type.Integer({ minimum: 1 });

/** What each known field must hold, worded for the error message. Unknown fields are allowed. */
const EXPECTED: Readonly<Record<string, string>> = Object.freeze({
  id: 'a non-empty string',
  family: 'one of maskrcnn, yolo-seg',
  classes: 'a list of class names (strings)',
  categoryIds: 'a list of integer COCO category ids',
  minSize: 'a positive integer',
  maxSize: 'a positive integer',
  imgsz: 'a positive integer',
  stride: 'a positive integer',
  license: 'a string',
  description: 'a string',
  inputFormat: 'one of RGB, BGR',
  pixelMean: 'a list of 3 numbers',
  pixelStd: 'a list of 3 non-zero numbers',
  interpolation: 'one of bilinear, pil-bilinear',
  resizeRounding: 'one of floor, round, detectron2',
});

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((value) => Type.Literal(value)));
const triple = Type.Array(Type.Number(), { minItems: 3, maxItems: 3 });

export const ModelCardSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1 })),
    family: Type.Optional(Type.Union([Type.Literal('maskrcnn'), Type.Literal('yolo-seg')])),
    classes: Type.Optional(Type.Array(Type.String())),
    categoryIds: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }))),
    minSize: Type.Optional(positiveInteger),
    maxSize: Type.Optional(positiveInteger),
    imgsz: Type.Optional(positiveInteger),
    stride: Type.Optional(positiveInteger),
    license: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    inputFormat: Type.Optional(literals(CHANNEL_ORDERS)),
    pixelMean: Type.Optional(triple),
    pixelStd: Type.Optional(triple),
    interpolation: Type.Optional(literals(INTERPOLATIONS)),
    resizeRounding: Type.Optional(literals(SIZE_ROUNDINGS)),
  },
  { additionalProperties: true },
);

/** `models/demo/shapes-maskrcnn.onnx` -> `models/demo/shapes-maskrcnn.json`. */
export function modelCardPath(onnxPath: string): string {
  return onnxPath.replace(/\.onnx$/i, '') + '.json';
}

/** The card next to `onnxPath`, or `{}` when there is none. Invalid cards fail with MODEL_FORMAT. */
export async function readModelCard(onnxPath: string): Promise<ModelCard> {
  const cardPath = modelCardPath(onnxPath);
  let text: string;
  try {
    text = await readFile(cardPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MaskserveError('MODEL_FORMAT', `Model card ${cardPath} is not valid JSON: ${(error as Error).message}`);
  }
  return parseModelCard(parsed, cardPath);
}

/** Validates an already parsed card; `source` names it in error messages. */
export function parseModelCard(value: unknown, source = 'model card'): ModelCard {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MaskserveError('MODEL_FORMAT', `Model card ${source} must be a JSON object`);
  }
  const [first] = Value.Errors(ModelCardSchema, value);
  if (first) {
    const field = first.instancePath.split('/')[1] ?? '';
    const received = JSON.stringify((value as Record<string, unknown>)[field]);
    const what = EXPECTED[field] ?? 'a valid value';
    throw new MaskserveError('MODEL_FORMAT', `Model card ${source}: expected ${what} for ${field} but received ${truncate(received)}`, { field });
  }
  const card = value as ModelCard;
  if (card.classes && card.categoryIds && card.classes.length !== card.categoryIds.length) {
    throw new MaskserveError(
      'MODEL_FORMAT',
      `Model card ${source}: categoryIds has ${card.categoryIds.length} entries but classes has ${card.classes.length}`,
      { field: 'categoryIds' },
    );
  }
  return card;
}

function truncate(text: string | undefined): string {
  if (text === undefined) return 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
