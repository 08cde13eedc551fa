// Inference options as the pipeline and the family adapters read them: the inference group of the
// option table (src/options/table.ts), under the same names, with the table's defaults.
import { parseOptions, REQUEST_OPTIONS, type OptionName, type OptionValues, type Spelling } from './options/table.js';

export { MAX_DETECTIONS_LIMIT } from './options/table.js';
export type { MaskFormat } from './output/formats.js';

const INFERENCE_OPTIONS = Object.freeze(
  (Object.keys(REQUEST_OPTIONS) as OptionName[]).filter((name) => REQUEST_OPTIONS[name].group === 'inference'),
);

/**
 * threshold: minimum score kept; iou: NMS IoU threshold; maxDetections: highest scores first;
 * classes: class names kept (undefined = all); maskThreshold: mask probability threshold;
 * agnosticNms: one box can only keep its best class.
 */
export type SegmentOptions = Pick<OptionValues, 'threshold' | 'iou' | 'maxDetections' | 'classes' | 'maskThreshold' | 'agnosticNms'>;

/** The inference options of parsed values (the rest belong to encoding and drawing). */
export function segmentOptionsOf(values: OptionValues): SegmentOptions {
  const picked: Record<string, unknown> = {};
  for (const name of INFERENCE_OPTIONS) if (values[name as keyof OptionValues] !== undefined) picked[name] = values[name as keyof OptionValues];
  return Object.freeze(picked) as SegmentOptions;
}

/**
 * Loose inference options (strings accepted, as from a query) -> validated, with defaults;
 * `spelling` names them in errors as the caller's user typed them (e.g. flagName).
 */
export function resolveOptions(input: { readonly [K in keyof SegmentOptions]?: unknown } = {}, spelling?: Spelling): SegmentOptions {
  return segmentOptionsOf(parseOptions(input, spelling));
}

export const DEFAULT_OPTIONS: SegmentOptions = resolveOptions();
