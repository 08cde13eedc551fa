// COCOeval.summarize: the standard 12 numbers and the 12 lines pycocotools prints.
import { invalidParameter } from '../errors.js';
import { precisionIndex, recallIndex, type Accumulated } from './accumulate.js';
import type { CocoGroundTruth } from './coco-dataset.js';
import { defaultEvalParams, IOU_TYPES, type EvalParams, type IouType } from './eval-params.js';
import { meanAboveMinusOne } from './numeric.js';

/** One of the 12 summary rows: AP or AR, optional single IoU threshold, area label, maxDets. */
interface SummaryRow {
  readonly ap: boolean;
  readonly iouThr?: number;
  readonly area: string;
  readonly maxDets: number;
}

/** pycocotools' _summarizeDets. The first row uses a literal maxDets=100, the others maxDets[0..2]. */
function summaryRows(maxDets: readonly number[]): SummaryRow[] {
  const [m0, m1, m2] = maxDets;
  return [
    { ap: true, area: 'all', maxDets: 100 },
    { ap: true, iouThr: 0.5, area: 'all', maxDets: m2 },
    { ap: true, iouThr: 0.75, area: 'all', maxDets: m2 },
    { ap: true, area: 'small', maxDets: m2 },
    { ap: true, area: 'medium', maxDets: m2 },
    { ap: true, area: 'large', maxDets: m2 },
    { ap: false, area: 'all', maxDets: m0 },
    { ap: false, area: 'all', maxDets: m1 },
    { ap: false, area: 'all', maxDets: m2 },
    { ap: false, area: 'small', maxDets: m2 },
    { ap: false, area: 'medium', maxDets: m2 },
    { ap: false, area: 'large', maxDets: m2 },
  ];
}

/** Names for the 12 stats, in order (detectron2's metric names). */
export const STAT_NAMES = Object.freeze(['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const);

/** detectron2-style per-category AP (area all, largest maxDet); -1 when the category has no gt. */
export interface CategoryAp {
  readonly categoryId: number;
  readonly name: string;
  readonly ap: number;
  readonly ap50: number;
  readonly ap75: number;
}

/** The 12 standard numbers: mean of the selected precision/recall entries above -1, else -1. */
export function summarizeStats(acc: Accumulated, params: EvalParams): number[] {
  return summaryRows(params.maxDets).map((row) => meanAboveMinusOne(selectEntries(acc, params, row)));
}

/**
 * The values `s[t][:, :, :, aind, mind]` (precision) or `s[t][:, :, aind, mind]` (recall)
 * in numpy's C order, so the pairwise mean adds them in the same order as numpy.
 */
function selectEntries(acc: Accumulated, params: EvalParams, row: SummaryRow): number[] {
  const { shape } = acc;
  const tList = [...params.iouThrs.keys()].filter((t) => row.iouThr === undefined || params.iouThrs[t] === row.iouThr);
  const aind = [...params.areaRngLbl.keys()].filter((a) => params.areaRngLbl[a] === row.area);
  const mind = [...params.maxDets.keys()].filter((m) => params.maxDets[m] === row.maxDets);
  const pairs = broadcastPairs(aind, mind);
  const out: number[] = [];
  for (const t of tList) {
    if (row.ap) {
      for (let r = 0; r < shape.R; r++) {
        for (let k = 0; k < shape.K; k++) for (const [a, m] of pairs) out.push(acc.precision[precisionIndex(shape, t, r, k, a, m)]);
      }
    } else {
      for (let k = 0; k < shape.K; k++) for (const [a, m] of pairs) out.push(acc.recall[recallIndex(shape, t, k, a, m)]);
    }
  }
  return out;
}

/** numpy advanced indexing with two index lists: zipped, or broadcast when one has length 1. */
function broadcastPairs(aind: number[], mind: number[]): [number, number][] {
  if (aind.length === 0 || mind.length === 0) return [];
  if (aind.length === mind.length) return aind.map((a, i) => [a, mind[i]]);
  if (aind.length === 1) return mind.map((m) => [aind[0], m]);
  if (mind.length === 1) return aind.map((a) => [a, mind[0]]);
  throw invalidParameter('area labels and maxDets that select matching entries', 'params', { aind, mind });
}

/**
 * The 12 summary lines exactly as pycocotools prints them, e.g.
 * ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.123`.
 * The lines are the same for bbox and segm; iouType is checked so keypoints (not supported,
 * different rows) cannot be passed by mistake. `params` supplies custom thresholds / maxDets.
 */
export function formatSummary(stats: readonly number[], iouType: IouType, params?: Pick<EvalParams, 'iouThrs' | 'maxDets'>): string {
  if (!IOU_TYPES.includes(iouType)) throw invalidParameter(`one of ${IOU_TYPES.join(', ')}`, 'iouType', iouType);
  if (stats.length !== 12) throw invalidParameter('12 summary stats', 'stats', stats);
  const p = params ?? defaultEvalParams([], []);
  const rows = summaryRows(p.maxDets);
  return rows
    .map((row, i) => {
      const title = (row.ap ? 'Average Precision' : 'Average Recall').padEnd(18);
      const type = row.ap ? '(AP)' : '(AR)';
      const iou = (
        row.iouThr === undefined
          ? `${pyFixed(p.iouThrs[0], 2)}:${pyFixed(p.iouThrs[p.iouThrs.length - 1], 2)}`
          : pyFixed(row.iouThr, 2)
      ).padEnd(9);
      const maxDets = String(row.maxDets).padStart(3);
      return ` ${title} ${type} @[ IoU=${iou} | area=${row.area.padStart(6)} | maxDets=${maxDets} ] = ${pyFixed(stats[i], 3)}`;
    })
    .join('\n');
}

/**
 * Python's '{:.Nf}'.format(x): correctly rounded, exact ties to even. JS toFixed rounds exact
 * ties away from zero (0.0625 -> "0.063" where Python prints "0.062"), so ties are redone here.
 */
export function pyFixed(x: number, digits: number): string {
  const js = x.toFixed(digits);
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return js;
  const exact = Math.abs(x).toFixed(100); // exact decimal expansion of the double
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + digits);
  if (!/^50*$/.test(rest)) return js; // not an exact tie: both round the same way
  const kept = exact.slice(0, digits === 0 ? dot : dot + 1 + digits);
  const lastDigit = Number(kept[kept.length - 1]);
  if (lastDigit % 2 !== 0) return js; // rounding up reaches the even digit, as toFixed did
  return (x < 0 ? '-' : '') + kept;
}

/** detectron2's per-category AP: precision[:, :, k, area all, last maxDet], mean over > -1. */
export function perCategoryAp(acc: Accumulated, params: EvalParams, gt: CocoGroundTruth): CategoryAp[] {
  const names = new Map(gt.categories.map((c) => [c.id, c.name]));
  const { shape } = acc;
  const m = shape.M - 1;
  const a = Math.max(0, params.areaRngLbl.indexOf('all')); // index 0 with the default ranges
  const apAt = (k: number, tList: readonly number[]): number => {
    const values: number[] = [];
    for (const t of tList) for (let r = 0; r < shape.R; r++) values.push(acc.precision[precisionIndex(shape, t, r, k, a, m)]);
    return meanAboveMinusOne(values);
  };
  const all = [...params.iouThrs.keys()];
  const at = (thr: number): number[] => all.filter((t) => params.iouThrs[t] === thr);
  return params.catIds.map((categoryId, k) => ({
    categoryId,
    name: names.get(categoryId) ?? String(categoryId),
    ap: apAt(k, all),
    ap50: apAt(k, at(0.5)),
    ap75: apAt(k, at(0.75)),
  }));
}
