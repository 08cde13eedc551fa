// Turning per-instance model masks into BinaryMasks in original-image pixels, cropped to the box.
//  - pasteMaskInBox: Mask R-CNN's M x M probabilities resampled into the box (detectron2
//    paste_masks_in_image: grid_sample bilinear, align_corners=False, zero padding, >= threshold).
//  - protoMaskInBox: YOLO-seg mask = sigmoid(coeffs . protos), evaluated only over the proto cells
//    under the box and sampled straight at original resolution (Ultralytics process_mask followed
//    by scale_image, without ever materialising an input-sized or image-sized float mask).
// Both sample separably: one vertical blend per row into a buffer, then the row is thresholded
// run by run (sampling.ts), so the cost is per proto/mask cell, not per output pixel.
import { invalidParameter } from '../errors.js';
import type { BinaryMask, Size } from '../types.js';
import { boxPixelRegion } from './boxes.js';
import type { LetterboxGeometry } from './letterbox.js';
import { clampedTaps, fillRow, zeroPaddedTaps } from './sampling.js';

function checkGrid(values: ArrayLike<number>, width: number, height: number, name: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || values.length < width * height) {
    throw invalidParameter(`a ${width}x${height} grid`, name, values.length);
  }
}

/**
 * Pastes an M x M (maskW x maskH) probability grid into its box.
 * @param probs row-major [maskH * maskW] probabilities
 * @param box xyxy in original px
 * @returns a mask covering the box's integer region, clipped to the image
 */
export function pasteMaskInBox(
  probs: ArrayLike<number>,
  maskW: number,
  maskH: number,
  box: ArrayLike<number>,
  imageSize: Size,
  threshold: number,
): BinaryMask {
  checkGrid(probs, maskW, maskH, 'mask');
  const region = boxPixelRegion(box, imageSize);
  const data = new Uint8Array(region.width * region.height);
  const boxW = box[2] - box[0];
  const boxH = box[3] - box[1];
  if (!(boxW > 0 && boxH > 0)) return { ...region, data };
  // Pixel centre c -> grid index ((c - x0) / boxW) * M - 0.5 (grid_sample, align_corners=False).
  const xs = new Float64Array(region.width);
  for (let c = 0; c < region.width; c++) xs[c] = ((region.x + c + 0.5 - box[0]) / boxW) * maskW - 0.5;
  const ys = new Float64Array(region.height);
  for (let r = 0; r < region.height; r++) ys[r] = ((region.y + r + 0.5 - box[1]) / boxH) * maskH - 0.5;
  const cols = zeroPaddedTaps(xs, maskW);
  const rows = zeroPaddedTaps(ys, maskH);
  const rowBuffer = new Float32Array(maskW);
  for (let r = 0; r < region.height; r++) {
    const a = rows.i0[r] * maskW;
    const b = rows.i1[r] * maskW;
    const wa = rows.w0[r];
    const wb = rows.w1[r];
    for (let k = 0; k < maskW; k++) rowBuffer[k] = probs[a + k] * wa + probs[b + k] * wb;
    fillRow(rowBuffer, cols, 0, threshold, true, data, r * region.width, 0, region.width - 1);
  }
  return { ...region, data };
}

/** YOLO prototype masks: batch 0 of the [1, nm, protoH, protoW] output. */
export interface Prototypes {
  readonly data: Float32Array; // [nm * protoH * protoW]
  readonly channels: number; // nm
  readonly width: number; // protoW
  readonly height: number; // protoH
}

/**
 * Affine map from an original pixel centre to a continuous proto index:
 * index = (x + 0.5) * scaleX + offsetX - 0.5 (and the same for y).
 */
export interface ProtoMapping {
  readonly scaleX: number;
  readonly offsetX: number;
  readonly scaleY: number;
  readonly offsetY: number;
}

/**
 * Original px -> letterbox input px (the crop of the padding resized back, as scale_image does)
 * -> proto cells (input / stride, the bilinear upsample of process_mask). Both steps are affine,
 * so one bilinear sample of the proto logits stands for the two resizes.
 */
export function letterboxProtoMapping(geometry: LetterboxGeometry, protoSize: Size): ProtoMapping {
  const cellsPerInputX = protoSize.width / geometry.input.width;
  const cellsPerInputY = protoSize.height / geometry.input.height;
  return {
    scaleX: (geometry.resized.width / geometry.original.width) * cellsPerInputX,
    offsetX: geometry.padLeft * cellsPerInputX,
    scaleY: (geometry.resized.height / geometry.original.height) * cellsPerInputY,
    offsetY: geometry.padTop * cellsPerInputY,
  };
}

/** Probability threshold -> logit threshold, so sigmoid never runs per pixel. */
export function probabilityToLogit(probability: number): number {
  if (probability <= 0) return Number.NEGATIVE_INFINITY;
  if (probability >= 1) return Number.POSITIVE_INFINITY;
  return Math.log(probability / (1 - probability));
}

/**
 * One instance's mask: pixels of the box region whose centre lies in the box and whose sampled
 * logit is above logit(threshold) (Ultralytics keeps sigmoid > 0.5, i.e. logit > 0).
 * @param coeffs the instance's nm mask coefficients
 * @param box xyxy in original px
 */
export function protoMaskInBox(
  protos: Prototypes,
  coeffs: ArrayLike<number>,
  box: ArrayLike<number>,
  imageSize: Size,
  mapping: ProtoMapping,
  threshold: number,
): BinaryMask {
  const { width: pw, height: ph, channels: nm, data: protoData } = protos;
  checkGrid(protoData, pw, ph * nm, 'prototypes');
  if (coeffs.length < nm) throw invalidParameter(`${nm} mask coefficients`, 'coeffs', coeffs.length);
  const region = boxPixelRegion(box, imageSize);
  const data = new Uint8Array(region.width * region.height);
  if (!(box[2] > box[0] && box[3] > box[1])) return { ...region, data };
  const xs = new Float64Array(region.width);
  for (let c = 0; c < region.width; c++) xs[c] = (region.x + c + 0.5) * mapping.scaleX + mapping.offsetX - 0.5;
  const ys = new Float64Array(region.height);
  for (let r = 0; r < region.height; r++) ys[r] = (region.y + r + 0.5) * mapping.scaleY + mapping.offsetY - 0.5;
  const cols = clampedTaps(xs, pw);
  const rows = clampedTaps(ys, ph);
  // Logits only over the proto window the taps touch (taps are monotonic in c and r).
  const cx0 = cols.i0[0];
  const cx1 = cols.i1[region.width - 1];
  const cy0 = rows.i0[0];
  const cy1 = rows.i1[region.height - 1];
  const ww = cx1 - cx0 + 1;
  const wh = cy1 - cy0 + 1;
  const logits = new Float32Array(ww * wh);
  const plane = pw * ph;
  for (let k = 0; k < nm; k++) {
    const coefficient = coeffs[k];
    if (coefficient === 0) continue;
    for (let cy = 0; cy < wh; cy++) {
      const src = k * plane + (cy0 + cy) * pw + cx0;
      const dst = cy * ww;
      for (let cx = 0; cx < ww; cx++) logits[dst + cx] += coefficient * protoData[src + cx];
    }
  }
  const logitThreshold = probabilityToLogit(threshold);
  // Crop to the box by pixel centre: columns [firstCol, lastCol], rows [firstRow, lastRow].
  const firstCol = Math.max(0, Math.ceil(box[0] - 0.5) - region.x);
  const lastCol = Math.min(region.width - 1, Math.floor(box[2] - 0.5) - region.x);
  const firstRow = Math.max(0, Math.ceil(box[1] - 0.5) - region.y);
  const lastRow = Math.min(region.height - 1, Math.floor(box[3] - 0.5) - region.y);
  const rowBuffer = new Float32Array(ww);
  for (let r = firstRow; r <= lastRow; r++) {
    const a = (rows.i0[r] - cy0) * ww;
    const b = (rows.i1[r] - cy0) * ww;
    const wa = rows.w0[r];
    const wb = rows.w1[r];
    for (let k = 0; k < ww; k++) rowBuffer[k] = logits[a + k] * wa + logits[b + k] * wb;
    fillRow(rowBuffer, cols, cx0, logitThreshold, false, data, r * region.width, firstCol, lastCol);
  }
  return { ...region, data };
}
