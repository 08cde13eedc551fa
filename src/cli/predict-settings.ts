// `maskserve predict` flags -> validated settings, before any model or image is touched, so a
// typo fails at once with exit code 2 instead of after a model load.
import { MaskserveError, invalidParameter, isMaskserveError } from '../errors.js';
import { integerFlag, oneOfFlag } from './flag-values.js';
import { parseMaskFormat, resolveOptions, type MaskFormat, type SegmentOptions } from '../options.js';

export const OUTPUT_FORMATS = Object.freeze(['json', 'coco', 'png'] as const);
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export const FAMILY_CHOICES = Object.freeze(['maskrcnn', 'yolo-seg'] as const);
export const MAX_CONCURRENCY = 64;

/** Flags as commander hands them over (strings; booleans for switches). */
export interface PredictFlags {
  readonly model?: string;
  readonly family?: string;
  readonly threshold?: string;
  /** Ultralytics' name for --threshold. */
  readonly conf?: string;
  readonly iou?: string;
  readonly maxDetections?: string;
  readonly classes?: string;
  readonly maskFormat?: string;
  readonly format?: string;
  readonly out?: string;
  readonly concurrency?: string;
  readonly maxPixels?: string;
  /** Hidden, test-only: let URL inputs point at loopback servers. */
  readonly allowLoopbackFetch?: boolean;
}

export interface PredictSettings {
  readonly model?: string;
  readonly family?: (typeof FAMILY_CHOICES)[number];
  readonly segment: SegmentOptions;
  readonly maskFormat: MaskFormat;
  readonly format: OutputFormat;
  readonly outDir?: string;
  readonly concurrency: number;
  readonly maxPixels?: number;
  readonly allowLoopback: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

export function resolvePredictSettings(flags: PredictFlags, env: Env = process.env): PredictSettings {
  if (flags.threshold !== undefined && flags.conf !== undefined && flags.threshold !== flags.conf) {
    throw new MaskserveError('INVALID_OPTION', 'Expected --threshold or --conf (the same setting) but received both, with different values');
  }
  const threshold = flags.threshold ?? flags.conf;
  const segment = withFlagNames(
    () => resolveOptions({ scoreThreshold: threshold, iouThreshold: flags.iou, maxDetections: flags.maxDetections, classes: flags.classes }),
    flags.threshold === undefined && flags.conf !== undefined ? { threshold: '--conf' } : {},
  );
  return Object.freeze({
    ...(flags.model === undefined ? {} : { model: flags.model }),
    ...(flags.family === undefined ? {} : { family: oneOfFlag(FAMILY_CHOICES, flags.family, '--family') }),
    segment,
    maskFormat: parseMaskFormatFlag(flags.maskFormat),
    format: flags.format === undefined ? 'json' : oneOfFlag(OUTPUT_FORMATS, flags.format, '--format'),
    ...(flags.out === undefined ? {} : { outDir: nonEmpty(flags.out, '--out') }),
    concurrency: flags.concurrency === undefined ? 1 : integerFlag(flags.concurrency, '--concurrency', 1, MAX_CONCURRENCY),
    ...(flags.maxPixels === undefined ? {} : { maxPixels: integerFlag(flags.maxPixels, '--max-pixels', 1, 1e10) }),
    allowLoopback: flags.allowLoopbackFetch === true || env.MASKSERVE_ALLOW_LOOPBACK_FETCH === '1',
  });
}

/** resolveOptions names options as the API does; on the command line say the flag instead. */
const FLAG_NAMES: Readonly<Record<string, string>> = Object.freeze({
  threshold: '--threshold',
  iou: '--iou',
  maxDetections: '--max-detections',
  classes: '--classes',
});

function withFlagNames<T>(parse: () => T, renames: Readonly<Record<string, string>> = {}): T {
  try {
    return parse();
  } catch (error) {
    if (!isMaskserveError(error)) throw error;
    const names = { ...FLAG_NAMES, ...renames };
    const renamed = error.message.replace(/ for (\w+) but received /, (match, name: string) =>
      names[name] ? ` for ${names[name]} but received ` : match,
    );
    throw new MaskserveError(error.code, renamed, { ...error.details });
  }
}

function parseMaskFormatFlag(value: string | undefined): MaskFormat {
  try {
    return parseMaskFormat(value);
  } catch {
    throw invalidParameter('one of rle, polygons, both, none', '--mask-format', value);
  }
}

function nonEmpty(value: string, name: string): string {
  if (value.trim() === '') throw invalidParameter('a directory path', name, value);
  return value;
}

