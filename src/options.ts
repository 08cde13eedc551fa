// Inference options as the pipeline and the family adapters read them (the inference group of the
// option table, src/options/table.ts) and drawing options as the renderer reads them (its drawing
// group), under the table's names, with its defaults.
import { optionsInGroup, parseOptions, type OptionValues, type Spelling } from './options/table.js';
import type { DrawOptions } from './output/encode.js';

export { MAX_DETECTIONS_LIMIT } from './options/table.js';
export type { MaskFormat } from './output/formats.js';

/**
 * threshold: minimum score kept; iou: NMS IoU threshold; maxDetections: highest scores first;
 * classes: class names kept (undefined = all); maskThreshold: mask probability threshold;
 * agnosticNms: one box can only keep its best class.
 */
export type SegmentOptions = Pick<OptionValues, 'threshold' | 'iou' | 'maxDetections' | 'classes' | 'maskThreshold' | 'agnosticNms'>;

/** The inference options of parsed values (the rest belong to encoding and drawing). */
export function segmentOptionsOf(values: OptionValues): SegmentOptions {
  return optionsInGroup(values, 'inference') as SegmentOptions;
}

/** The drawing options of parsed values (boxes, labels, masks, opacity). */
export function drawOptionsOf(values: OptionValues): DrawOptions {
  return optionsInGroup(values, 'drawing') as DrawOptions;
}

/**
 * Loose inference options (strings accepted, as from a query) -> validated, with defaults;
 * `spelling` names them in errors as the caller's user typed them (e.g. flagName).
 */
export function resolveOptions(input: { readonly [K in keyof SegmentOptions]?: unknown } = {}, spelling?: Spelling): SegmentOptions {
  return segmentOptionsOf(parseOptions(input, spelling));
}

export const DEFAULT_OPTIONS: SegmentOptions = resolveOptions();
