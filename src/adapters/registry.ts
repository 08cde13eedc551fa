// Model families, keyed by name (transformers.js style: frozen data, unknown keys list the valid ones).
// Adding a family = one adapter file + one line here + one test file.
import { invalidParameter, MaskserveError } from '../errors.js';
import type { GraphInfo, ModelCard, ModelFamily } from '../types.js';
import type { FamilyDefinition } from './adapter.js';
import { MASKRCNN } from './maskrcnn.js';
import { describeGraph, metadataValue } from './tensors.js';
import { YOLO_SEG } from './yolo-seg.js';

export const FAMILIES: Readonly<Record<ModelFamily, FamilyDefinition>> = Object.freeze({
  maskrcnn: MASKRCNN,
  'yolo-seg': YOLO_SEG,
});

const FAMILY_NAMES = Object.keys(FAMILIES) as ModelFamily[];

function isFamily(name: string): name is ModelFamily {
  return Object.hasOwn(FAMILIES, name);
}

function named(name: string, source: string): FamilyDefinition {
  if (!isFamily(name)) throw invalidParameter(`one of ${FAMILY_NAMES.join(', ')}`, source, name);
  return FAMILIES[name];
}

/**
 * Which family runs this graph: explicit override > card.family > metadata `maskserve.family` >
 * the first family whose contract matches the graph's inputs/outputs.
 */
export function detectFamily(graph: GraphInfo, card: ModelCard, override?: string): FamilyDefinition {
  if (override !== undefined && override !== '') return named(override, 'family');
  if (card.family !== undefined) return named(card.family, 'model card family');
  const declared = metadataValue(graph, 'maskserve.family');
  if (declared !== undefined) {
    if (!isFamily(declared)) {
      throw new MaskserveError('MODEL_FORMAT', `Model metadata names family "${declared}"; supported families: ${FAMILY_NAMES.join(', ')}`);
    }
    return FAMILIES[declared];
  }
  const match = FAMILY_NAMES.map((name) => FAMILIES[name]).find((definition) => definition.matches(graph));
  if (match) return match;
  throw new MaskserveError(
    'MODEL_FORMAT',
    `Could not recognise the model family from its graph (${describeGraph(graph)}). ` +
      `Supported families: ${FAMILY_NAMES.join(', ')}; choose one with --family or "family" in the model card.`,
  );
}
