// COCOeval.accumulate: per (category, area range, maxDet), pool the detections of all images,
// sort them by score, and turn cumulative TP/FP into the 101-point interpolated precision.
import type { EvalParams } from './eval-params.js';
import type { ImageEvaluation } from './evaluate-image.js';
import { argsortDescendingStable, NP_SPACING_1, searchSortedLeft } from './numeric.js';

/** numpy-shaped results, flattened in C order. -1 marks "no ground truth" (not evaluated). */
export interface Accumulated {
  /** [T, R, K, A, M] */
  readonly precision: Float64Array;
  /** [T, K, A, M] */
  readonly recall: Float64Array;
  /** [T, R, K, A, M]: the score at which each recall threshold is reached */
  readonly scores: Float64Array;
  readonly shape: { readonly T: number; readonly R: number; readonly K: number; readonly A: number; readonly M: number };
}

export function precisionIndex(shape: Accumulated['shape'], t: number, r: number, k: number, a: number, m: number): number {
  return (((t * shape.R + r) * shape.K + k) * shape.A + a) * shape.M + m;
}

export function recallIndex(shape: Accumulated['shape'], t: number, k: number, a: number, m: number): number {
  return ((t * shape.K + k) * shape.A + a) * shape.M + m;
}

/** `evalImgs[(k * A + a) * I + i]`, the order COCOeval.evaluate builds them in. */
export function accumulate(evalImgs: readonly (ImageEvaluation | null)[], params: EvalParams): Accumulated {
  const shape = {
    T: params.iouThrs.length,
    R: params.recThrs.length,
    K: params.catIds.length,
    A: params.areaRng.length,
    M: params.maxDets.length,
  };
  const precision = new Float64Array(shape.T * shape.R * shape.K * shape.A * shape.M).fill(-1);
  const scores = new Float64Array(precision.length).fill(-1);
  const recall = new Float64Array(shape.T * shape.K * shape.A * shape.M).fill(-1);
  const I = params.imgIds.length;

  for (let k = 0; k < shape.K; k++) {
    // evaluateImg gives null exactly when an image has neither gt nor dt of this category,
    // whatever the area range, so every range pools the same images and the same scores.
    const imageIndices: number[] = [];
    for (let i = 0; i < I; i++) if (evalImgs[k * shape.A * I + i]) imageIndices.push(i);
    if (imageIndices.length === 0) continue;
    const ranked = rankDetections(imageIndices.map((i) => evalImgs[k * shape.A * I + i]!));
    for (let a = 0; a < shape.A; a++) {
      const images = imageIndices.map((i) => evalImgs[(k * shape.A + a) * I + i]!);
      let npig = 0; // ground truth that counts (not ignored) for this category and range
      for (const e of images) for (const ig of e.gtIgnore) if (ig === 0) npig++;
      if (npig === 0) continue;
      for (let m = 0; m < shape.M; m++) {
        const pooled = poolDetections(images, ranked, params.maxDets[m], shape.T);
        for (let t = 0; t < shape.T; t++) {
          const curve = precisionRecall(pooled, t, npig);
          recall[recallIndex(shape, t, k, a, m)] = curve.n > 0 ? curve.recall[curve.n - 1] : 0;
          // Interpolated precision at each recall threshold; recall never reached -> 0 (the
          // try/except IndexError in pycocotools stops filling at the first miss).
          for (let r = 0; r < shape.R; r++) {
            const at = searchSortedLeft(curve.recall, params.recThrs[r]);
            if (at >= curve.n) {
              for (let rest = r; rest < shape.R; rest++) {
                precision[precisionIndex(shape, t, rest, k, a, m)] = 0;
                scores[precisionIndex(shape, t, rest, k, a, m)] = 0;
              }
              break;
            }
            precision[precisionIndex(shape, t, r, k, a, m)] = curve.precision[at];
            scores[precisionIndex(shape, t, r, k, a, m)] = pooled.scores[at];
          }
        }
      }
    }
  }
  return { precision, recall, scores, shape };
}

/**
 * Every detection of a category across images, in the order accumulate's
 * np.argsort(-np.concatenate(dtScores), kind='mergesort') gives. Sorted once: for a smaller
 * maxDet the pooled list is a subset in the same concatenation order, and a stable sort of a
 * subset equals the full stable sort filtered, so filtering by rank is exact.
 */
interface RankedDetections {
  /** index into the images list, per detection in sorted order */
  readonly image: Int32Array;
  /** rank of the detection within its image (0 = best score) */
  readonly rank: Int32Array;
  readonly score: Float64Array;
}

function rankDetections(images: readonly ImageEvaluation[]): RankedDetections {
  let total = 0;
  for (const e of images) total += e.numDt;
  const image = new Int32Array(total);
  const rank = new Int32Array(total);
  const score = new Float64Array(total);
  let offset = 0;
  images.forEach((e, i) => {
    for (let j = 0; j < e.numDt; j++, offset++) {
      image[offset] = i;
      rank[offset] = j;
      score[offset] = e.dtScores[j];
    }
  });
  const order = argsortDescendingStable(score);
  return {
    image: Int32Array.from(order, (o) => image[o]),
    rank: Int32Array.from(order, (o) => rank[o]),
    score: Float64Array.from(order, (o) => score[o]),
  };
}

interface PooledDetections {
  readonly n: number;
  /** Sorted descending (stable across images in image order). */
  readonly scores: Float64Array;
  /** [T, n] in sorted order: 1 = matched to a gt */
  readonly matched: Uint8Array;
  /** [T, n] in sorted order */
  readonly ignored: Uint8Array;
}

/** The first maxDet detections of every image, in pooled score order, with their match flags. */
function poolDetections(images: readonly ImageEvaluation[], ranked: RankedDetections, maxDet: number, T: number): PooledDetections {
  let n = 0;
  for (let j = 0; j < ranked.rank.length; j++) if (ranked.rank[j] < maxDet) n++;
  const scores = new Float64Array(n);
  const matched = new Uint8Array(T * n);
  const ignored = new Uint8Array(T * n);
  let out = 0;
  for (let j = 0; j < ranked.rank.length; j++) {
    const d = ranked.rank[j];
    if (d >= maxDet) continue;
    const e = images[ranked.image[j]];
    scores[out] = ranked.score[j];
    for (let t = 0; t < T; t++) {
      matched[t * n + out] = e.dtMatches[t * e.numDt + d] !== 0 ? 1 : 0;
      ignored[t * n + out] = e.dtIgnore[t * e.numDt + d];
    }
    out++;
  }
  return { n, scores, matched, ignored };
}

/** Cumulative recall and right-to-left monotone precision at every pooled detection. */
function precisionRecall(pooled: PooledDetections, t: number, npig: number) {
  const { n } = pooled;
  const recall = new Float64Array(n);
  const precision = new Float64Array(n);
  let tp = 0;
  let fp = 0;
  for (let j = 0; j < n; j++) {
    if (!pooled.ignored[t * n + j]) {
      if (pooled.matched[t * n + j]) tp++;
      else fp++;
    }
    recall[j] = tp / npig;
    precision[j] = tp / (fp + tp + NP_SPACING_1);
  }
  for (let j = n - 1; j > 0; j--) if (precision[j] > precision[j - 1]) precision[j - 1] = precision[j];
  return { n, recall, precision };
}
