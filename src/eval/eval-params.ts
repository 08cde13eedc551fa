// COCOeval's Params for detection (bbox / segm), with the same defaults and the same
// normalisation evaluate() applies (np.unique on ids, sorted maxDets).
import { invalidParameter } from '../errors.js';
import { linspace } from './numeric.js';

export type IouType = 'bbox' | 'segm';

export const IOU_TYPES: readonly IouType[] = Object.freeze(['bbox', 'segm']);

export interface EvalParams {
  readonly imgIds: readonly number[];
  readonly catIds: readonly number[];
  /** np.linspace(.5, .95, 10) */
  readonly iouThrs: readonly number[];
  /** np.linspace(0, 1, 101): the recall points of the 101-point interpolated AP */
  readonly recThrs: readonly number[];
  readonly maxDets: readonly number[];
  readonly areaRng: readonly (readonly [number, number])[];
  readonly areaRngLbl: readonly string[];
}

/** What a caller may override; ids default to every image / category of the ground truth. */
export type EvalParamsInput = Partial<EvalParams>;

const DEFAULT_AREA_RNG: readonly (readonly [number, number])[] = [
  [0, 1e5 ** 2],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e5 ** 2],
];

export function defaultEvalParams(imgIds: readonly number[], catIds: readonly number[]): EvalParams {
  return {
    imgIds: uniqueSorted(imgIds),
    catIds: uniqueSorted(catIds),
    // Same expressions as pycocotools: the counts come from np.round((stop - start) / step) + 1.
    iouThrs: linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
    recThrs: linspace(0.0, 1.0, Math.round((1.0 - 0.0) / 0.01) + 1),
    maxDets: [1, 10, 100],
    areaRng: DEFAULT_AREA_RNG,
    areaRngLbl: ['all', 'small', 'medium', 'large'],
  };
}

/** Defaults overlaid with `input`, checked and normalised the way COCOeval.evaluate() does. */
export function resolveEvalParams(defaults: EvalParams, input: EvalParamsInput = {}): EvalParams {
  const params = { ...defaults, ...stripUndefined(input) };
  checkNumbers(params.imgIds, 'params.imgIds', Number.isInteger);
  checkNumbers(params.catIds, 'params.catIds', Number.isInteger);
  checkNumbers(params.iouThrs, 'params.iouThrs', (t) => t >= 0 && t <= 1);
  checkNumbers(params.recThrs, 'params.recThrs', (r) => r >= 0 && r <= 1);
  checkNumbers(params.maxDets, 'params.maxDets', (m) => Number.isInteger(m) && m > 0);
  // summarize() reads maxDets[0..2], so fewer than three would break the standard 12 numbers.
  if (params.maxDets.length < 3) throw invalidParameter('at least 3 maxDets', 'params.maxDets', params.maxDets);
  if (params.iouThrs.length === 0) throw invalidParameter('at least one IoU threshold', 'params.iouThrs', params.iouThrs);
  if (params.recThrs.length === 0) throw invalidParameter('at least one recall threshold', 'params.recThrs', params.recThrs);
  const rangesOk =
    Array.isArray(params.areaRng) &&
    params.areaRng.length > 0 &&
    params.areaRng.every((r) => Array.isArray(r) && r.length === 2 && r.every((v) => typeof v === 'number' && !Number.isNaN(v)));
  if (!rangesOk) throw invalidParameter('a non-empty list of [min, max] area ranges', 'params.areaRng', params.areaRng);
  if (!Array.isArray(params.areaRngLbl) || params.areaRngLbl.length !== params.areaRng.length) {
    throw invalidParameter(`${params.areaRng.length} area range labels`, 'params.areaRngLbl', params.areaRngLbl);
  }
  return {
    ...params,
    imgIds: uniqueSorted(params.imgIds),
    catIds: uniqueSorted(params.catIds),
    maxDets: [...params.maxDets].sort((a, b) => a - b),
  };
}

function uniqueSorted(ids: readonly number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

function checkNumbers(values: unknown, name: string, ok: (value: number) => boolean): void {
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'number' && ok(v))) {
    throw invalidParameter('a list of valid numbers', name, values);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
