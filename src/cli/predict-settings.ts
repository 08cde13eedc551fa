// `maskserve predict` flags -> validated settings, before any model or image is touched, so a
// typo fails at once with exit code 2 instead of after a model load.
import { FAMILY_NAMES, type ModelFamily } from '../adapters/registry.js';
import { invalidParameter } from '../errors.js';
import { drawOptionsOf, segmentOptionsOf, type SegmentOptions } from '../options.js';
import { REQUEST_OPTIONS } from '../options/table.js';
import { readValue } from '../options/values.js';
import type { DrawOptions } from '../output/encode.js';
import type { MaskFormat, OutputFormat } from '../output/formats.js';
import { integerFlag, oneOfFlag } from './flag-values.js';
import { readOptionFlags } from './option-flags.js';

export const MAX_CONCURRENCY = 64;
/** What goes to stdout without --out. */
export const DEFAULT_OUTPUT_FORMAT: OutputFormat = 'json';

/**
 * Flags as commander hands them over (strings; booleans for switches). The request options
 * (--threshold, --max-detections, --no-boxes, ...) come from the option table, see option-flags.ts.
 */
export interface PredictFlags extends Readonly<Record<string, unknown>> {
  readonly model?: string;
  readonly family?: string;
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
  readonly draw: DrawOptions;
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
  const values = readOptionFlags(flags);
  const format = flags.format === undefined ? DEFAULT_OUTPUT_FORMAT : readValue(REQUEST_OPTIONS.format.value, flags.format, '--format');
  return Object.freeze({
    ...(flags.model === undefined ? {} : { model: flags.model }),
    ...(flags.family === undefined ? {} : { family: oneOfFlag(FAMILY_NAMES, flags.family, '--family') }),
    segment: segmentOptionsOf(values),
    maskFormat: values.maskFormat,
    draw: drawOptionsOf(values),
    format,
    ...(flags.out === undefined ? {} : { outDir: nonEmpty(flags.out, '--out') }),
    concurrency: flags.concurrency === undefined ? 1 : integerFlag(flags.concurrency, '--concurrency', 1, MAX_CONCURRENCY),
    ...(flags.maxPixels === undefined ? {} : { maxPixels: integerFlag(flags.maxPixels, '--max-pixels', 1, 1e10) }),
    ...(flags.shard === undefined ? {} : { shard: parseShard(flags.shard) }),
    allowLoopback: flags.allowLoopbackFetch === true || env.MASKSERVE_ALLOW_LOOPBACK_FETCH === '1',
  });
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

