// The sidecar model card `<model>.json` next to an `.onnx` file: what the graph cannot say
// (family, class names, input size, licence). Validated with TypeBox so a typo in a card fails
// at load time naming the field, instead of surfacing later as odd detections.
import { readFile } from 'node:fs/promises';
import Value from 'typebox/value';
import { MaskserveError } from '../errors.js';
import { expectedFor, ModelCardSchema, type ModelCard } from './model-card-schema.js';

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
    throw new MaskserveError('MODEL_FORMAT', `Model card ${source}: expected ${expectedFor(field)} for ${field} but received ${truncate(received)}`, { field });
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
