// The calibration choices, in one place for the quantizer, the CLI flags and their help.

/**
 * How activation ranges are taken from the calibration runs:
 *   - percentile (default): cut each tensor's merged histogram where the tails hold (100 - p) %
 *     of the values on each side; rare outliers saturate, common values get finer steps;
 *   - minmax: the smallest and largest value seen (every outlier widens the grid for the rest).
 */
export const CALIBRATION_METHODS = ['percentile', 'minmax'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

/** Percent of values kept inside the range, per side (TensorRT and onnxruntime use 99.99-99.999). */
export const DEFAULT_PERCENTILE = 99.999;

/** Fewer images than this cannot give ranges worth the name. */
export const MIN_CALIBRATION_IMAGES = 4;
export const DEFAULT_CALIBRATION_IMAGES = 32;
/** Each image is one fp32 run with every activation kept: more than this is only slower. */
export const MAX_CALIBRATION_IMAGES = 10_000;
