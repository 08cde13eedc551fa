// Activation ranges from calibration runs (methods: calibration-settings.ts). For percentile, each
// image's values of a tensor go into a histogram over that image's own range; at the end the
// histograms are merged onto one grid over the overall range and the tails are cut.
import { DEFAULT_PERCENTILE, type CalibrationMethod } from './calibration-settings.js';
import type { ActivationRange } from './qdq.js';

/** Bins of each image's histogram, and of the merged one. */
const IMAGE_BINS = 2048;
const MERGED_BINS = 16384;

interface ImageHistogram {
  readonly min: number;
  readonly max: number;
  readonly counts: Float64Array;
}

/** Collects one tensor's values over the calibration images. */
export class RangeCollector {
  private min = Infinity;
  private max = -Infinity;
  private readonly histograms: ImageHistogram[] = [];

  constructor(private readonly method: CalibrationMethod) {}

  observe(values: Float32Array): void {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i += 1) {
      const value = values[i];
      if (value < min) min = value;
      if (value > max) max = value;
    }
    if (!(min <= max)) return; // empty tensor (no detections) or NaN only
    this.min = Math.min(this.min, min);
    this.max = Math.max(this.max, max);
    if (this.method !== 'percentile') return;
    const counts = new Float64Array(IMAGE_BINS);
    const width = (max - min) / IMAGE_BINS;
    if (width > 0) {
      const perBin = 1 / width;
      for (let i = 0; i < values.length; i += 1) counts[Math.min(IMAGE_BINS - 1, Math.floor((values[i] - min) * perBin))] += 1;
    } else counts[0] = values.length;
    this.histograms.push({ min, max, counts });
  }

  /** undefined when no image produced a value (e.g. a tensor that is empty on every image). */
  range(percentile = DEFAULT_PERCENTILE): ActivationRange | undefined {
    if (!(this.min <= this.max)) return undefined;
    if (this.method === 'minmax' || this.max === this.min) return { min: this.min, max: this.max };
    const merged = mergeHistograms(this.histograms, this.min, this.max);
    const total = merged.reduce((sum, count) => sum + count, 0);
    const tail = (total * (100 - percentile)) / 100;
    const width = (this.max - this.min) / MERGED_BINS;
    let low = 0;
    for (let seen = 0; low < MERGED_BINS - 1 && seen + merged[low] <= tail; low += 1) seen += merged[low];
    let high = MERGED_BINS - 1;
    for (let seen = 0; high > 0 && seen + merged[high] <= tail; high -= 1) seen += merged[high];
    return { min: this.min + low * width, max: this.min + (high + 1) * width };
  }
}

/** Re-bins every image's histogram onto one grid over [min, max], spreading each bin's count over the bins it overlaps. */
function mergeHistograms(histograms: readonly ImageHistogram[], min: number, max: number): Float64Array {
  const merged = new Float64Array(MERGED_BINS);
  const scale = MERGED_BINS / (max - min);
  for (const histogram of histograms) {
    const width = (histogram.max - histogram.min) / IMAGE_BINS;
    for (let bin = 0; bin < IMAGE_BINS; bin += 1) {
      const count = histogram.counts[bin];
      if (count === 0) continue;
      const start = (histogram.min + bin * width - min) * scale;
      const end = width > 0 ? (histogram.min + (bin + 1) * width - min) * scale : start;
      const first = Math.min(MERGED_BINS - 1, Math.floor(start));
      const last = Math.min(MERGED_BINS - 1, Math.floor(end));
      if (first === last || end <= start) {
        merged[first] += count;
        continue;
      }
      for (let target = first; target <= last; target += 1) {
        const overlap = Math.min(end, target + 1) - Math.max(start, target);
        if (overlap > 0) merged[target] += (count * overlap) / (end - start);
      }
    }
  }
  return merged;
}
