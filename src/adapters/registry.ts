// Model families, keyed by name: this table is the one list of families. Their names (ModelFamily,
// FAMILY_NAMES), the model card's `family` field, the CLI's --family choices and the error messages
// are all derived from its keys. Adding a family = one adapter file + one entry here + its tests.
import { invalidParameter, MaskserveError } from '../errors.js';
import type { GraphInfo, ModelCard } from '../types.js';
import type { FamilyAdapter, FamilyDefinition } from './adapter.js';
import { MASKRCNN } from './maskrcnn.js';
import { describeGraph, metadataValue } from './tensors.js';
import { YOLO_DETECT } from './yolo-detect.js';
import { YOLO_SEG } from './yolo-seg.js';

export const FAMILIES = Object.freeze({
  maskrcnn: MASKRCNN,
  'yolo-seg': YOLO_SEG,
  'yolo-detect': YOLO_DETECT,
} satisfies Record<string, FamilyDefinition>);

export type ModelFamily = keyof typeof FAMILIES;

/** In registry order, which is also the order auto-detection tries them in. */
export const FAMILY_NAMES = Object.freeze(Object.keys(FAMILIES) as ModelFamily[]);

export function isFamily(name: string): name is ModelFamily {
  return Object.hasOwn(FAMILIES, name);
}

function named(name: string, source: string): ModelFamily {
  if (!isFamily(name)) throw invalidParameter(`one of ${FAMILY_NAMES.join(', ')}`, source, name);
  return name;
}

/**
 * Which family runs this graph: explicit override > card.family > metadata `maskserve.family` >
 * the first family whose contract matches the graph's inputs/outputs.
 */
export function detectFamily(graph: GraphInfo, card: ModelCard, override?: string): ModelFamily {
  if (override !== undefined && override !== '') return named(override, 'family');
  if (card.family !== undefined) return named(card.family, 'model card family');
  const declared = metadataValue(graph, 'maskserve.family');
  if (declared !== undefined) {
    if (!isFamily(declared)) {
      throw new MaskserveError('MODEL_FORMAT', `Model metadata names family "${declared}"; supported families: ${FAMILY_NAMES.join(', ')}`);
    }
    return declared;
  }
  const match = FAMILY_NAMES.find((name) => FAMILIES[name].matches(graph));
  if (match) return match;
  throw new MaskserveError(
    'MODEL_FORMAT',
    `Could not recognise the model family from its graph (${describeGraph(graph)}). ` +
      `Supported families: ${FAMILY_NAMES.join(', ')}; choose one with --family or "family" in the model card.`,
  );
}

/** The detected family and its adapter for this graph and card. */
export function createAdapter(graph: GraphInfo, card: ModelCard, override?: string): { family: ModelFamily; adapter: FamilyAdapter } {
  const family = detectFamily(graph, card, override);
  return { family, adapter: FAMILIES[family].create(graph, card) };
}
