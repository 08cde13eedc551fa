// Every option a segmentation request takes, one entry each. This table is the one definition: the
// HTTP schemas (/docs), the parser of query strings, form fields and JSON bodies, the CLI flags of
// `maskserve predict`, the defaults and docs/options.md are all derived from it, so a bad value gets
// the same code (INVALID_OPTION) and wording wherever it arrives, naming the option as it was
// spelt there (`maxDetections` in a request, `--max-detections` on the command line).
import { MaskserveError } from '../errors.js';
import { MASK_FORMATS, OUTPUT_FORMAT_ALIASES, OUTPUT_FORMAT_NAMES } from '../output/formats.js';
import { boolean, integer, nameList, oneOf, readValue, text, unitInterval, type ValueKind } from './values.js';

export const MAX_DETECTIONS_LIMIT = 1000;

/** Where an option applies: inference, the result JSON, the annotated image, the response. */
export type OptionGroup = 'inference' | 'result' | 'drawing' | 'response';

export interface OptionSpec<T> {
  readonly value: ValueKind<T>;
  readonly default?: T;
  readonly group: OptionGroup;
  readonly description: string;
  /**
   * On `maskserve predict`: its flag is derived from the name (`--max-detections`); `short` and
   * `aliases` add spellings. Absent: not a predict flag (the CLI has its own way to say it).
   */
  readonly cli?: { readonly short?: string; readonly aliases?: readonly string[] };
  /** A predict flag of its own for the same setting, with a CLI meaning (named in docs/options.md). */
  readonly ownFlag?: string;
}

// Generic over the whole entry so the types below know which options have a default.
function option<const S extends OptionSpec<unknown>>(spec: S): S {
  return Object.freeze(spec);
}

export const REQUEST_OPTIONS = Object.freeze({
  threshold: option({ value: unitInterval('<score>'), default: 0.5, group: 'inference', description: 'Minimum score kept', cli: { short: '-t', aliases: ['--conf'] } }),
  iou: option({ value: unitInterval('<iou>'), default: 0.7, group: 'inference', description: 'NMS IoU threshold, for families that run NMS (yolo-seg) and agnosticNms', cli: {} }),
  maxDetections: option({ value: integer(1, MAX_DETECTIONS_LIMIT), default: 100, group: 'inference', description: 'At most this many instances, highest scores first', cli: {} }),
  classes: option({ value: nameList(), group: 'inference', description: 'Keep only these classes (e.g. person,dog), checked against the model before any work', cli: {} }),
  maskThreshold: option({ value: unitInterval('<p>'), default: 0.5, group: 'inference', description: 'Mask probability threshold', cli: {} }),
  agnosticNms: option({ value: boolean(), default: false, group: 'inference', description: 'Class-agnostic NMS: one box keeps only its best class', cli: {} }),
  maskFormat: option({ value: oneOf(MASK_FORMATS), default: 'rle', group: 'result', description: 'Mask encoding in the result JSON', cli: {} }),
  model: option({ value: text('<id>'), group: 'response', description: 'Id of a loaded model (GET /api/v1/models); default: the first', ownFlag: '-m, --model (also a path or catalog id)' }),
  boxes: option({ value: boolean(), default: true, group: 'drawing', description: 'Draw boxes on the annotated image', cli: {} }),
  labels: option({ value: boolean(), default: true, group: 'drawing', description: 'Draw labels on the annotated image', cli: {} }),
  masks: option({ value: boolean(), default: true, group: 'drawing', description: 'Draw masks on the annotated image', cli: {} }),
  opacity: option({ value: unitInterval(), default: 0.5, group: 'drawing', description: 'Mask fill opacity on the annotated image', cli: {} }),
  format: option({ value: oneOf(OUTPUT_FORMAT_NAMES, OUTPUT_FORMAT_ALIASES), group: 'response', description: 'Response representation; overrides the Accept header', ownFlag: '-f, --format (stdout without --out; default json)' }),
  imageId: option({ value: integer(0, Number.MAX_SAFE_INTEGER), default: 1, group: 'result', description: 'image_id of COCO results rows' }),
});

export type OptionName = keyof typeof REQUEST_OPTIONS;
export const OPTION_NAMES = Object.freeze(Object.keys(REQUEST_OPTIONS) as OptionName[]);

type ValueOf<K extends OptionName> = (typeof REQUEST_OPTIONS)[K]['value'] extends ValueKind<infer T> ? T : never;
type HasDefault<K extends OptionName> = (typeof REQUEST_OPTIONS)[K] extends { readonly default: unknown } ? K : never;

/** Parsed options: those with a default are always set, the others only when given. */
export type OptionValues = { readonly [K in OptionName as HasDefault<K>]: ValueOf<K> } & {
  readonly [K in OptionName as Exclude<K, HasDefault<K>>]?: ValueOf<K>;
};

/** An entry seen as any option (for code that walks the whole table). */
export function optionSpec(name: OptionName): OptionSpec<unknown> {
  return REQUEST_OPTIONS[name];
}

/** The values of one group's options, those that are set (e.g. the inference options). */
export function optionsInGroup(values: OptionValues, group: OptionGroup): Readonly<Record<string, unknown>> {
  const picked: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) {
    const value = values[name as keyof OptionValues];
    if (optionSpec(name).group === group && value !== undefined) picked[name] = value;
  }
  return Object.freeze(picked);
}

/** Name an option is spelt with where it arrived (the API's own name, or a CLI flag). */
export type Spelling = (name: OptionName) => string;

/**
 * Loose input (strings for numbers and booleans allowed; '' means not given) -> typed values with
 * defaults. Unknown names fail listing the valid ones, so "treshold" is reported, not ignored.
 */
export function parseOptions(input: Readonly<Record<string, unknown>>, spelling: Spelling = (name) => name): OptionValues {
  const unknown = Object.keys(input).find((name) => !Object.hasOwn(REQUEST_OPTIONS, name));
  if (unknown !== undefined) {
    throw new MaskserveError('INVALID_OPTION', `Unknown option ${JSON.stringify(unknown.slice(0, 100))}; valid options: ${OPTION_NAMES.join(', ')}`);
  }
  const values: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) {
    const spec = optionSpec(name);
    const raw = input[name];
    if (raw === undefined || raw === '') {
      if (spec.default !== undefined) values[name] = spec.default;
      continue;
    }
    values[name] = readValue(spec.value, raw, spelling(name));
  }
  return Object.freeze(values) as OptionValues;
}

/** `maxDetections` -> `--max-detections`. */
export function flagName(name: OptionName): string {
  return `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** The flag as predict offers it: a boolean that defaults on is turned off (`--no-boxes`). */
export function predictFlag(name: OptionName): string {
  return optionSpec(name).default === true ? `--no-${flagName(name).slice(2)}` : flagName(name);
}
