// The few numpy operations COCOeval depends on, reproduced with numpy's exact arithmetic so
// thresholds compare equal and means agree to the last bit with pycocotools' output.

/** numpy.spacing(1): the epsilon COCOeval adds to tp+fp so 0/0 never happens. */
export const NP_SPACING_1 = Number.EPSILON;

/**
 * numpy.linspace(start, stop, num) with endpoint=True: start + i * ((stop - start) / (num - 1)),
 * last value forced to stop. Computing `.5 + i * .05` instead gives different last bits
 * (e.g. 0.8999999999999999 vs 0.9), and COCOeval compares thresholds with ==.
 */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num <= 0) return [];
  if (num === 1) return [start];
  const div = num - 1;
  const step = (stop - start) / div;
  const out = new Array<number>(num);
  for (let i = 0; i < num; i++) out[i] = step === 0 ? ((i / div) * (stop - start)) + start : i * step + start;
  out[num - 1] = stop;
  return out;
}

const PAIRWISE_BLOCK = 128;

/**
 * numpy's pairwise summation (what np.add.reduce does on a contiguous float64 array):
 * below 8 items a plain loop, up to 128 an 8-way unrolled loop, above that split in halves
 * (the first half rounded down to a multiple of 8).
 */
function pairwiseSum(values: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[start + i];
    return sum;
  }
  if (n <= PAIRWISE_BLOCK) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = values[start + j];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += values[start + i + j];
    }
    let sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) sum += values[start + i];
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, n - half);
}

/** np.mean of a 1-D float64 array: 0 + pairwise sum (numpy starts from the add identity), / n. */
export function npMean(values: ArrayLike<number>): number {
  return (0 + pairwiseSum(values, 0, values.length)) / values.length;
}

/** COCOeval's `np.mean(s[s > -1])`, or -1 when nothing is above -1. */
export function meanAboveMinusOne(values: ArrayLike<number>): number {
  const kept: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] > -1) kept.push(values[i]);
  return kept.length === 0 ? -1 : npMean(kept);
}

/** np.searchsorted(sorted, needle, side='left'): the first index whose value is >= needle. */
export function searchSortedLeft(sorted: ArrayLike<number>, needle: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < needle) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * np.argsort(-scores, kind='mergesort'): indices by descending score, ties kept in input
 * order. Array.prototype.sort is stable (ES2019), which is what mergesort guarantees.
 */
export function argsortDescendingStable(scores: ArrayLike<number>): number[] {
  const order = new Array<number>(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a]);
  return order;
}
