// What every model family provides. A family owns everything model-specific: tensor layout,
// resize rule, output decoding. The pipeline only calls preprocess -> run -> postprocess.
import type { Feeds, GraphInfo, Instances, ModelCard, Outputs, RawImage } from '../types.js';
import type { SegmentOptions } from '../options.js';

export interface Preprocessed<Meta> {
  readonly feeds: Feeds;
  /** Geometry needed to map outputs back to the original image; postprocess takes it back as is. */
  readonly meta: Meta;
}

export interface FamilyAdapter<Meta = unknown> {
  /** Indexed by class id (maskrcnn: index 0 is the background). */
  readonly classNames: readonly string[];
  /** COCO category_id per class id. */
  readonly categoryIds: readonly number[];
  /** false for box-only families: their Instances have no masks (and eval scores bbox only). */
  readonly givesMasks: boolean;
  /** Class ids no detection can have and no `classes` filter may name (maskrcnn: 0, the background). */
  readonly reservedClassIds: readonly number[];
  /** Human summary of the expected input, e.g. "short side 800, long side <= 1333, pad 32". */
  readonly inputDescription: string;
  preprocess(image: RawImage): Preprocessed<Meta>;
  postprocess(outputs: Outputs, meta: Meta, options: SegmentOptions): Instances;
}

/** A family's name is its key in FAMILIES (registry.ts), never a field of its own. */
export interface FamilyDefinition {
  /**
   * Does the graph follow this family's contract (input/output dtypes and shapes)? Only asked when
   * neither the card nor the metadata `maskserve.family` names a family.
   */
  matches(graph: GraphInfo): boolean;
  /** Build the adapter; the card (sidecar JSON / explicit options) overrides graph metadata. */
  create(graph: GraphInfo, card: ModelCard): FamilyAdapter;
}
