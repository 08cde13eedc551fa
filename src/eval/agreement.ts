// How far a candidate model's instances agree with a reference model's on the same image (an
// int8 model against its fp32 original): each reference instance at or above `minScore` is
// "found again" when an unmatched candidate instance of the same class, scoring at least
// `candidateMinScore`, overlaps its mask with IoU >= `minMaskIou`. Greedy, highest reference score
// first, each candidate used once; IoU is the evaluator's pycocotools-exact rleIou.
import { MaskserveError } from '../errors.js';
import { maskToRleCounts } from '../output/rle.js';
import type { Instances } from '../types.js';
import { rleIou } from './iou.js';
import type { Rle } from './rle-ops.js';

export interface AgreementOptions {
  readonly minScore: number;
  readonly minMaskIou: number;
  /** Lowest candidate score that counts (default: minScore, the same cut the user sees). */
  readonly candidateMinScore?: number;
}

export interface Agreement {
  /** Reference instances at or above minScore. */
  readonly reference: number;
  readonly found: number;
  /** Mask IoU of each found pair (for the worst case in reports). */
  readonly ious: readonly number[];
}

export function instanceAgreement(reference: Instances, candidate: Instances, options: AgreementOptions): Agreement {
  const candidateMin = options.candidateMinScore ?? options.minScore;
  const wanted = indicesAtLeast(reference, options.minScore);
  const offered = indicesAtLeast(candidate, candidateMin);
  const toRle = (instances: Instances, index: number): Rle => {
    // Mask agreement is what int8 checks are about; a box-only model has nothing to compare here.
    if (instances.masks === undefined) throw new MaskserveError('INVALID_OPTION', 'Instance agreement compares masks and this model gives boxes only');
    return { h: instances.imageSize.height, w: instances.imageSize.width, counts: maskToRleCounts(instances.masks[index], instances.imageSize) };
  };
  const iou = rleIou(
    wanted.map((index) => toRle(reference, index)),
    offered.map((index) => toRle(candidate, index)),
  );
  const used = new Set<number>();
  const ious: number[] = [];
  wanted.forEach((referenceIndex, row) => {
    let best = -1;
    let bestIou = options.minMaskIou;
    offered.forEach((candidateIndex, column) => {
      if (used.has(column) || candidate.classIds[candidateIndex] !== reference.classIds[referenceIndex]) return;
      const value = iou[row * offered.length + column];
      if (value >= bestIou) {
        best = column;
        bestIou = value;
      }
    });
    if (best >= 0) {
      used.add(best);
      ious.push(bestIou);
    }
  });
  return { reference: wanted.length, found: ious.length, ious };
}

/** Instances are sorted by score, descending. */
function indicesAtLeast(instances: Instances, minScore: number): number[] {
  const indices: number[] = [];
  for (let i = 0; i < instances.scores.length && instances.scores[i] >= minScore; i += 1) indices.push(i);
  return indices;
}
