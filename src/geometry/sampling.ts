// Separable bilinear sampling for mask pasting: per-axis taps (two cells and weights per output
// index) and a row filler that thresholds whole runs at once. Used by masks.ts only.

/** Column/row sampling taps over a source axis of `length` cells. */
export interface Taps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w0: Float32Array;
  readonly w1: Float32Array;
  /** Runs of consecutive outputs interpolating the same cell pair: [start, end) pairs. */
  readonly runs: Int32Array;
}

/**
 * Within a run the sampled value is monotone in the output index (the weights move linearly
 * between two fixed cells), so a row is filled by testing run ends and binary-searching the one
 * crossing, instead of testing every pixel: upscaled masks have ~10-30 pixels per run.
 */
function runsOf(keys: Int32Array): Int32Array {
  const bounds: number[] = [];
  for (let k = 0; k < keys.length; k++) {
    if (k === 0 || keys[k] !== keys[k - 1]) {
      if (k > 0) bounds.push(k);
      bounds.push(k);
    }
  }
  if (keys.length > 0) bounds.push(keys.length);
  return Int32Array.from(bounds);
}

/** Zero-padded taps (grid_sample padding_mode='zeros'): out-of-range neighbours weigh 0. */
export function zeroPaddedTaps(coords: Float64Array, length: number): Taps {
  const n = coords.length;
  const i0 = new Int32Array(n);
  const i1 = new Int32Array(n);
  const w0 = new Float32Array(n);
  const w1 = new Float32Array(n);
  const keys = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = Math.max(Math.min(Math.floor(coords[k]), length), -2); // -2 / length: fully outside
    const f = coords[k] - Math.floor(coords[k]);
    w0[k] = i >= 0 && i < length ? 1 - f : 0;
    w1[k] = i + 1 >= 0 && i + 1 < length ? f : 0;
    i0[k] = Math.min(Math.max(i, 0), length - 1);
    i1[k] = Math.min(Math.max(i + 1, 0), length - 1);
    keys[k] = i;
  }
  return { i0, i1, w0, w1, runs: runsOf(keys) };
}

/** Edge-clamped taps (interpolate / cv2.resize): coordinates clamp into [0, length-1]. */
export function clampedTaps(coords: Float64Array, length: number): Taps {
  const n = coords.length;
  const i0 = new Int32Array(n);
  const i1 = new Int32Array(n);
  const w0 = new Float32Array(n);
  const w1 = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const c = Math.min(Math.max(coords[k], 0), length - 1);
    const i = Math.min(Math.floor(c), length - 1);
    const f = c - i;
    i0[k] = i;
    i1[k] = Math.min(i + 1, length - 1);
    w1[k] = f;
    w0[k] = 1 - f;
  }
  return { i0, i1, w0, w1, runs: runsOf(i0) };
}

/** The bilinear value at output index c, read from a row already blended vertically. */
function sampleAt(rowBuffer: Float32Array, cols: Taps, shift: number, c: number): number {
  return rowBuffer[cols.i0[c] - shift] * cols.w0[c] + rowBuffer[cols.i1[c] - shift] * cols.w1[c];
}

function passes(value: number, threshold: number, inclusive: boolean): boolean {
  return inclusive ? value >= threshold : value > threshold;
}

/**
 * Sets out[base + c] = 1 for c in [from, to] where the sampled value passes the threshold
 * (value >= threshold when inclusive, else value > threshold). `shift` re-bases tap indices
 * into rowBuffer (the logit window starts at a cell offset). No closures here: this is the
 * hot loop and per-call closures cost more than the sampling itself.
 */
export function fillRow(
  rowBuffer: Float32Array,
  cols: Taps,
  shift: number,
  threshold: number,
  inclusive: boolean,
  out: Uint8Array,
  base: number,
  from: number,
  to: number,
): void {
  const runs = cols.runs;
  // Kept pixels are gathered into one pending span [spanStart, spanEnd) and written with a single
  // fill when a gap appears: TypedArray#fill has a fixed cost that dwarfs a 20-pixel run.
  let spanStart = -1;
  let spanEnd = -1;
  for (let r = 0; r < runs.length; r += 2) {
    const start = Math.max(runs[r], from);
    const last = Math.min(runs[r + 1] - 1, to);
    if (start > last) continue;
    const first = passes(sampleAt(rowBuffer, cols, shift, start), threshold, inclusive);
    const end = passes(sampleAt(rowBuffer, cols, shift, last), threshold, inclusive);
    if (!first && !end) continue;
    let keepStart = start;
    let keepEnd = last + 1;
    if (first !== end) {
      let lo = start; // passes at lo === first
      let hi = last; // passes at hi === end
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (passes(sampleAt(rowBuffer, cols, shift, mid), threshold, inclusive) === first) lo = mid;
        else hi = mid;
      }
      if (first) keepEnd = lo + 1;
      else keepStart = hi;
    }
    if (keepStart === spanEnd) spanEnd = keepEnd;
    else {
      if (spanStart >= 0) out.fill(1, base + spanStart, base + spanEnd);
      spanStart = keepStart;
      spanEnd = keepEnd;
    }
  }
  if (spanStart >= 0) out.fill(1, base + spanStart, base + spanEnd);
}

