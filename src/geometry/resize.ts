// Bilinear resize with the OpenCV INTER_LINEAR / torch interpolate(bilinear, align_corners=False)
// convention: destination pixel centres map to source coordinates (d + 0.5) * (src / dst) - 0.5,
// clamped at the edges, no antialias. Ultralytics (cv2.resize) and torchvision's Mask R-CNN
// transform both resize this way, so the tensors we feed match what the models were trained on.
import { invalidParameter } from '../errors.js';
import type { Size } from '../types.js';

/** Interleaved 8-bit image (HWC); channels is 3 for RGB. */
export interface PixelImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * For one axis: the two source indices and weights every destination index interpolates between.
 * Shared by the uint8 and float variants so both agree exactly.
 */
export interface AxisTaps {
  readonly index0: Int32Array;
  readonly index1: Int32Array;
  readonly weight1: Float32Array; // weight of index1; index0 gets 1 - weight1
}

export function axisTaps(sourceLength: number, targetLength: number): AxisTaps {
  const index0 = new Int32Array(targetLength);
  const index1 = new Int32Array(targetLength);
  const weight1 = new Float32Array(targetLength);
  const scale = sourceLength / targetLength;
  for (let d = 0; d < targetLength; d++) {
    let s = (d + 0.5) * scale - 0.5;
    if (s < 0) s = 0; // clamp before splitting, as torch and OpenCV do
    let i0 = Math.floor(s);
    if (i0 > sourceLength - 1) i0 = sourceLength - 1;
    const i1 = i0 < sourceLength - 1 ? i0 + 1 : i0;
    index0[d] = i0;
    index1[d] = i1;
    weight1[d] = i1 === i0 ? 0 : s - i0;
  }
  return { index0, index1, weight1 };
}

function checkSize(size: Size, name: string): void {
  if (!Number.isInteger(size.width) || !Number.isInteger(size.height) || size.width < 1 || size.height < 1) {
    throw invalidParameter('a positive integer size', name, size);
  }
}

/**
 * Resizes an interleaved uint8 image (any channel count) to `target`; values rounded to nearest.
 * Same-size input is copied unchanged (cv2.resize is skipped in that case by Ultralytics too).
 */
export function resizeBilinearU8(image: PixelImage, target: Size, channels = 3): Uint8Array {
  checkSize(image, 'source size');
  checkSize(target, 'target size');
  const { width: sw, height: sh, data } = image;
  if (data.length !== sw * sh * channels) {
    throw invalidParameter(`${sw * sh * channels} bytes`, 'image data length', data.length);
  }
  const { width: tw, height: th } = target;
  if (tw === sw && th === sh) return data.slice();
  const xs = axisTaps(sw, tw);
  const ys = axisTaps(sh, th);
  // Per destination column: byte offsets of the two source pixels within a row, and the weight.
  const offset0 = new Int32Array(tw);
  const offset1 = new Int32Array(tw);
  for (let x = 0; x < tw; x++) {
    offset0[x] = xs.index0[x] * channels;
    offset1[x] = xs.index1[x] * channels;
  }
  const out = new Uint8Array(tw * th * channels);
  // Horizontal pass of two source rows into float buffers, then a vertical blend: 2 lerps/value.
  const rowLength = tw * channels;
  let rowA = new Float32Array(rowLength);
  let rowB = new Float32Array(rowLength);
  let cachedA = -1;
  let cachedB = -1;
  for (let y = 0; y < th; y++) {
    const y0 = ys.index0[y];
    const y1 = ys.index1[y];
    if (cachedA !== y0) {
      if (cachedB === y0) {
        [rowA, rowB] = [rowB, rowA];
        cachedB = -1;
      } else horizontalPass(data, y0 * sw * channels, offset0, offset1, xs.weight1, channels, rowA);
      cachedA = y0;
    }
    if (cachedB !== y1) {
      horizontalPass(data, y1 * sw * channels, offset0, offset1, xs.weight1, channels, rowB);
      cachedB = y1;
    }
    const w1 = ys.weight1[y];
    const w0 = 1 - w1;
    const outBase = y * rowLength;
    for (let i = 0; i < rowLength; i++) {
      // +0.5 then truncate = round half up; values are never negative.
      out[outBase + i] = (rowA[i] * w0 + rowB[i] * w1 + 0.5) | 0;
    }
  }
  return out;
}

function horizontalPass(
  data: Uint8Array,
  base: number,
  offset0: Int32Array,
  offset1: Int32Array,
  weight1: Float32Array,
  channels: number,
  row: Float32Array,
): void {
  const tw = offset0.length;
  if (channels === 3) {
    for (let x = 0, o = 0; x < tw; x++, o += 3) {
      const p0 = base + offset0[x];
      const p1 = base + offset1[x];
      const w1 = weight1[x];
      const w0 = 1 - w1;
      row[o] = data[p0] * w0 + data[p1] * w1;
      row[o + 1] = data[p0 + 1] * w0 + data[p1 + 1] * w1;
      row[o + 2] = data[p0 + 2] * w0 + data[p1 + 2] * w1;
    }
    return;
  }
  for (let x = 0; x < tw; x++) {
    const p0 = base + offset0[x];
    const p1 = base + offset1[x];
    const w1 = weight1[x];
    const w0 = 1 - w1;
    for (let c = 0; c < channels; c++) row[x * channels + c] = data[p0 + c] * w0 + data[p1 + c] * w1;
  }
}

