// Turns loose request options (query string, multipart fields, JSON body — all may be strings)
// into validated pipeline, encoding and rendering options. Unknown names fail listing the valid
// ones, so a typo like "treshold" is reported instead of silently ignored.
import { parseDecimal } from '../decimal.js';
import { MaskserveError, invalidParameter } from '../errors.js';
import { parseMaskFormat, resolveOptions, type MaskFormat, type SegmentOptions } from '../options.js';

export type OutputFormat = 'json' | 'coco' | 'png' | 'jpeg' | 'webp';
export type ImageOutputFormat = Exclude<OutputFormat, 'json' | 'coco'>;

export interface DrawOptions {
  readonly boxes?: boolean;
  readonly labels?: boolean;
  readonly masks?: boolean;
  readonly opacity?: number;
}

export interface RequestOptions {
  readonly segment: SegmentOptions;
  readonly maskFormat: MaskFormat;
  readonly draw: DrawOptions;
  readonly model?: string;
  /** Explicit ?format=; undefined means "negotiate from Accept". */
  readonly format?: OutputFormat;
  readonly imageId: number;
}

export const OPTION_NAMES = Object.freeze([
  'threshold', 'iou', 'maxDetections', 'classes', 'maskThreshold', 'agnosticNms', 'maskFormat',
  'model', 'boxes', 'labels', 'masks', 'opacity', 'format', 'imageId',
] as const);

const OUTPUT_FORMATS: readonly OutputFormat[] = ['json', 'coco', 'png', 'jpeg', 'webp'];

export function parseRequestOptions(input: Readonly<Record<string, unknown>>): RequestOptions {
  const unknown = Object.keys(input).filter((name) => !(OPTION_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new MaskserveError('INVALID_OPTION', `Unknown option ${JSON.stringify(unknown[0])}; valid options: ${OPTION_NAMES.join(', ')}`);
  }
  const model = input.model === undefined || input.model === '' ? undefined : String(input.model);
  return Object.freeze({
    segment: resolveOptions({
      scoreThreshold: input.threshold,
      iouThreshold: input.iou,
      maxDetections: input.maxDetections,
      classes: input.classes,
      maskThreshold: input.maskThreshold,
      agnosticNms: input.agnosticNms,
    }),
    maskFormat: parseMaskFormat(input.maskFormat),
    draw: Object.freeze({
      ...optionalBoolean(input.boxes, 'boxes'),
      ...optionalBoolean(input.labels, 'labels'),
      ...optionalBoolean(input.masks, 'masks'),
      ...optionalOpacity(input.opacity),
    }),
    ...(model === undefined ? {} : { model }),
    ...(input.format === undefined || input.format === '' ? {} : { format: outputFormat(input.format) }),
    imageId: imageId(input.imageId),
  });
}

function outputFormat(value: unknown): OutputFormat {
  const normalised = value === 'jpg' ? 'jpeg' : value;
  if (OUTPUT_FORMATS.includes(normalised as OutputFormat)) return normalised as OutputFormat;
  throw invalidParameter(`one of ${OUTPUT_FORMATS.join(', ')}`, 'format', value);
}

function optionalBoolean(value: unknown, name: 'boxes' | 'labels' | 'masks'): DrawOptions {
  if (value === undefined || value === '') return {};
  if (value === true || value === 'true' || value === '1') return { [name]: true };
  if (value === false || value === 'false' || value === '0') return { [name]: false };
  throw invalidParameter('a boolean', name, value);
}

function optionalOpacity(value: unknown): DrawOptions {
  if (value === undefined || value === '') return {};
  const n = parseDecimal(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw invalidParameter('a number between 0 and 1', 'opacity', value);
  return { opacity: n };
}

function imageId(value: unknown): number {
  if (value === undefined || value === '') return 1;
  const n = parseDecimal(value);
  if (!Number.isSafeInteger(n) || n < 0) throw invalidParameter('a non-negative integer', 'imageId', value);
  return n;
}
