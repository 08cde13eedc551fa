// Pillow's Image.resize(size, BILINEAR) for 8-bit images, bit for bit: the filter widens with the
// downscale factor (antialias), weights are computed in double and rounded to 22-bit fixed point,
// a horizontal pass runs first and a vertical pass second, each rounding to uint8 (Pillow's
// libImaging/Resample.c). detectron2 resizes uint8 photos this way (ResizeTransform via PIL), and a
// one-grey-level difference already moves its detections, so nothing here is approximated.
import type { Size } from '../types.js';
import type { PixelImage } from './resize.js';

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;
const BILINEAR_SUPPORT = 1;

function bilinearFilter(x: number): number {
  const a = x < 0 ? -x : x;
  return a < 1 ? 1 - a : 0;
}

interface Coefficients {
  /** Taps per output index (the widest window). */
  readonly size: number;
  /** [first source index, tap count] per output index. */
  readonly bounds: Int32Array;
  /** Fixed-point weights, `size` per output index. */
  readonly weights: Int32Array;
}

/** precompute_coeffs + normalize_coeffs_8bpc for one axis. */
function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = BILINEAR_SUPPORT * filterScale;
  const size = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * size);
  const taps = new Float64Array(size);
  const inverse = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bilinearFilter((x + xmin - center + 0.5) * inverse);
      taps[x] = w;
      total += w;
    }
    for (let x = 0; x < size; x++) {
      const w = x < xmax ? (total !== 0 ? taps[x] / total : taps[x]) : 0;
      weights[xx * size + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { size, bounds, weights };
}

function clip8(value: number): number {
  if (value >= ONE * 256) return 255;
  if (value <= 0) return 0;
  return value >> PRECISION_BITS;
}

/** Resizes interleaved uint8 pixels (`channels` per pixel) like Pillow's BILINEAR resample. */
export function resizePilBilinear(image: PixelImage, target: Size, channels = 3): Uint8Array {
  const { width: inW, height: inH, data } = image;
  const { width: outW, height: outH } = target;
  if (inW === outW && inH === outH) return data.slice();
  const horizontal = coefficients(inW, outW);
  const vertical = coefficients(inH, outH);
  let source = data;
  let sourceWidth = inW;
  let rowOffset = 0;
  if (outW !== inW) {
    // Only the source rows the vertical pass reads are resampled horizontally.
    const firstRow = vertical.bounds[0];
    const lastRow = vertical.bounds[(outH - 1) * 2] + vertical.bounds[(outH - 1) * 2 + 1];
    const rows = outH !== inH ? lastRow - firstRow : inH;
    const start = outH !== inH ? firstRow : 0;
    const out = new Uint8Array(rows * outW * channels);
    const { size, bounds, weights } = horizontal;
    for (let y = 0; y < rows; y++) {
      const inRow = (y + start) * inW * channels;
      const outRow = y * outW * channels;
      for (let xx = 0; xx < outW; xx++) {
        const xmin = bounds[xx * 2];
        const count = bounds[xx * 2 + 1];
        const k = xx * size;
        for (let c = 0; c < channels; c++) {
          let sum = HALF;
          for (let x = 0; x < count; x++) sum += data[inRow + (x + xmin) * channels + c] * weights[k + x];
          out[outRow + xx * channels + c] = clip8(sum);
        }
      }
    }
    source = out;
    sourceWidth = outW;
    rowOffset = start;
  }
  if (outH === inH) return source;
  const out = new Uint8Array(outH * outW * channels);
  const { size, bounds, weights } = vertical;
  const stride = sourceWidth * channels;
  for (let yy = 0; yy < outH; yy++) {
    const ymin = bounds[yy * 2] - rowOffset;
    const count = bounds[yy * 2 + 1];
    const k = yy * size;
    const outRow = yy * stride;
    for (let i = 0; i < stride; i++) {
      let sum = HALF;
      for (let y = 0; y < count; y++) sum += source[(y + ymin) * stride + i] * weights[k + y];
      out[outRow + i] = clip8(sum);
    }
  }
  return out;
}
