// Inference options: one place for defaults and validation, shared by the API, the CLI and tests.
import { parseDecimal } from './decimal.js';
import { invalidParameter } from './errors.js';

export type MaskFormat = 'rle' | 'polygons' | 'both' | 'none';

export interface SegmentOptions {
  /** Minimum score kept (0..1). */
  readonly scoreThreshold: number;
  /** NMS IoU threshold (0..1); used by families that run NMS themselves (yolo-seg). */
  readonly iouThreshold: number;
  /** At most this many instances, highest scores first. */
  readonly maxDetections: number;
  /** Keep only these class names (undefined = all). */
  readonly classes?: readonly string[];
  /** Mask probability threshold (0..1). */
  readonly maskThreshold: number;
  /** Class-agnostic NMS (one box can only keep its best class). */
  readonly agnosticNms: boolean;
}

export const DEFAULT_OPTIONS: SegmentOptions = Object.freeze({
  scoreThreshold: 0.5,
  iouThreshold: 0.7,
  maxDetections: 100,
  maskThreshold: 0.5,
  agnosticNms: false,
});

export const MAX_DETECTIONS_LIMIT = 1000;

/** Loose user input (query string, JSON body, CLI flags): strings are accepted for numbers. */
export interface SegmentOptionsInput {
  scoreThreshold?: unknown;
  iouThreshold?: unknown;
  maxDetections?: unknown;
  classes?: unknown;
  maskThreshold?: unknown;
  agnosticNms?: unknown;
}

export function resolveOptions(input: SegmentOptionsInput = {}): SegmentOptions {
  return Object.freeze({
    scoreThreshold: unitInterval(input.scoreThreshold, 'threshold', DEFAULT_OPTIONS.scoreThreshold),
    iouThreshold: unitInterval(input.iouThreshold, 'iou', DEFAULT_OPTIONS.iouThreshold),
    maxDetections: positiveInteger(input.maxDetections, 'maxDetections', DEFAULT_OPTIONS.maxDetections),
    maskThreshold: unitInterval(input.maskThreshold, 'maskThreshold', DEFAULT_OPTIONS.maskThreshold),
    agnosticNms: boolean(input.agnosticNms, 'agnosticNms', DEFAULT_OPTIONS.agnosticNms),
    ...(input.classes === undefined || input.classes === '' ? {} : { classes: classList(input.classes) }),
  });
}

export function parseMaskFormat(value: unknown, fallback: MaskFormat = 'rle'): MaskFormat {
  if (value === undefined || value === '') return fallback;
  if (value === 'rle' || value === 'polygons' || value === 'both' || value === 'none') return value;
  throw invalidParameter('one of rle, polygons, both, none', 'maskFormat', value);
}

function unitInterval(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = parseDecimal(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw invalidParameter('a number between 0 and 1', name, value);
  return n;
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = parseDecimal(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_DETECTIONS_LIMIT) {
    throw invalidParameter(`an integer between 1 and ${MAX_DETECTIONS_LIMIT}`, name, value);
  }
  return n;
}

function boolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw invalidParameter('a boolean', name, value);
}

/** Accepts ["a","b"] or "a,b"; names are trimmed, empty entries rejected. */
function classList(value: unknown): readonly string[] {
  const list = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string')) {
    throw invalidParameter('a comma-separated list of class names', 'classes', value);
  }
  const names = list.map((item: string) => item.trim());
  if (names.some((name) => name === '')) throw invalidParameter('a comma-separated list of class names', 'classes', value);
  return Object.freeze(names);
}
