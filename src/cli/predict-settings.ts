// `maskserve predict` flags -> validated settings, before any model or image is touched, so a
// typo fails at once with exit code 2 instead of after a model load.
import { MaskserveError, invalidParameter, isMaskserveError } from '../errors.js';
import { FAMILY_NAMES, type ModelFamily } from '../adapters/registry.js';
import { integerFlag, oneOfFlag } from './flag-values.js';
import { parseMaskFormat, resolveOptions, type MaskFormat, type SegmentOptions } from '../options.js';

export const OUTPUT_FORMATS = Object.freeze(['json', 'coco', 'png'] as const);
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
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
  /** `K/N`: this worker's share of the inputs (0 <= K < N). */
  readonly shard?: string;
  /** Hidden, test-only: let URL inputs point at loopback servers. */
  readonly allowLoopbackFetch?: boolean;
}

export interface PredictSettings {
  readonly model?: string;
  readonly family?: ModelFamily;
  readonly segment: SegmentOptions;
  readonly maskFormat: MaskFormat;
  readonly format: OutputFormat;
  readonly outDir?: string;
  readonly concurrency: number;
  readonly maxPixels?: number;
  readonly shard?: Shard;
  readonly allowLoopback: boolean;
}

/** Worker `index` of `count`: it takes the inputs at positions index, index + count, ... */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export const MAX_SHARDS = 100_000;

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
    ...(flags.family === undefined ? {} : { family: oneOfFlag(FAMILY_NAMES, flags.family, '--family') }),
    segment,
    maskFormat: parseMaskFormatFlag(flags.maskFormat),
    format: flags.format === undefined ? 'json' : oneOfFlag(OUTPUT_FORMATS, flags.format, '--format'),
    ...(flags.out === undefined ? {} : { outDir: nonEmpty(flags.out, '--out') }),
    concurrency: flags.concurrency === undefined ? 1 : integerFlag(flags.concurrency, '--concurrency', 1, MAX_CONCURRENCY),
    ...(flags.maxPixels === undefined ? {} : { maxPixels: integerFlag(flags.maxPixels, '--max-pixels', 1, 1e10) }),
    ...(flags.shard === undefined ? {} : { shard: parseShard(flags.shard) }),
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

/** `K/N` with 0 <= K < N (K is 0-based, like a Kubernetes Indexed Job's JOB_COMPLETION_INDEX). */
export function parseShard(value: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > MAX_SHARDS || index >= count) {
    throw invalidParameter(`K/N with 0 <= K < N <= ${MAX_SHARDS} (e.g. 0/3)`, '--shard', value);
  }
  return Object.freeze({ index, count });
}

/** The input positions shard `shard` takes (round robin: shards differ by at most one input). */
export function shardPositions(total: number, shard: Shard | undefined): number[] {
  const all = Array.from({ length: total }, (_, position) => position);
  return shard === undefined ? all : all.filter((position) => position % shard.count === shard.index);
}

function nonEmpty(value: string, name: string): string {
  if (value.trim() === '') throw invalidParameter('a directory path', name, value);
  return value;
}

