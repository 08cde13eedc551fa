// Bottom layer of the renderer: raster primitives drawn straight into an interleaved RGB
// canvas in JS. Each one touches only the pixels inside its own box, so 100 instances on a
// 40 MP photo cost what their boxes cost, never a full-image pass per instance.
import type { BinaryMask } from '../types.js';
import type { Rgb } from './colors.js';

/** A mutable RGB (3 bytes per pixel) image the primitives draw into. */
export interface Canvas {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Blends `color` over every mask pixel: `alpha` for the fill, fully opaque for the contour
 * (mask pixels within `lineWidth` 4-neighbour steps of the outside, so the outline is drawn
 * inward and never covers a neighbouring object).
 */
export function paintMask(canvas: Canvas, mask: BinaryMask, color: Rgb, alpha: number, lineWidth: number): void {
  // Inside pixels are at distance >= 1, so a line width of 0 draws no contour.
  const depth = distanceToOutside(mask, lineWidth);
  // Blend weights out of 256, with the colour's share precomputed: two multiply-adds per channel.
  const fill = Math.round(alpha * 256);
  const keep = 256 - fill;
  const [r, g, b] = color;
  const fr = r * fill + 128;
  const fg = g * fill + 128;
  const fb = b * fill + 128;
  const x0 = Math.max(0, mask.x);
  const y0 = Math.max(0, mask.y);
  const x1 = Math.min(canvas.width, mask.x + mask.width);
  const y1 = Math.min(canvas.height, mask.y + mask.height);
  const pixels = canvas.data;
  const inside = mask.data;
  for (let y = y0; y < y1; y++) {
    let m = (y - mask.y) * mask.width + (x0 - mask.x);
    let p = (y * canvas.width + x0) * 3;
    for (let x = x0; x < x1; x++, m++, p += 3) {
      if (inside[m] === 0) continue;
      if (depth[m] <= lineWidth) {
        pixels[p] = r;
        pixels[p + 1] = g;
        pixels[p + 2] = b;
      } else {
        pixels[p] = (pixels[p] * keep + fr) >> 8;
        pixels[p + 1] = (pixels[p + 1] * keep + fg) >> 8;
        pixels[p + 2] = (pixels[p + 2] * keep + fb) >> 8;
      }
    }
  }
}

/** An axis-aligned rectangle outline of the given width, drawn inside [x1, x2) x [y1, y2). */
export function strokeRect(
  canvas: Canvas,
  box: { x1: number; y1: number; x2: number; y2: number },
  color: Rgb,
  lineWidth: number,
  alpha = 1,
): void {
  const x1 = clamp(Math.round(box.x1), 0, canvas.width);
  const y1 = clamp(Math.round(box.y1), 0, canvas.height);
  const x2 = clamp(Math.round(box.x2), 0, canvas.width);
  const y2 = clamp(Math.round(box.y2), 0, canvas.height);
  if (x2 <= x1 || y2 <= y1) return;
  const t = Math.min(lineWidth, Math.ceil((x2 - x1) / 2), Math.ceil((y2 - y1) / 2));
  fillRect(canvas, x1, y1, x2, y1 + t, color, alpha); // top
  fillRect(canvas, x1, y2 - t, x2, y2, color, alpha); // bottom
  fillRect(canvas, x1, y1 + t, x1 + t, y2 - t, color, alpha); // left
  fillRect(canvas, x2 - t, y1 + t, x2, y2 - t, color, alpha); // right
}

export function fillRect(canvas: Canvas, x1: number, y1: number, x2: number, y2: number, color: Rgb, alpha = 1): void {
  const weight = Math.round(alpha * 256);
  const left = clamp(x1, 0, canvas.width);
  const right = clamp(x2, 0, canvas.width);
  for (let y = clamp(y1, 0, canvas.height); y < clamp(y2, 0, canvas.height); y++) {
    for (let x = left, p = (y * canvas.width + left) * 3; x < right; x++, p += 3) blendPixel(canvas.data, p, color, weight);
  }
}

/**
 * City-block distance from each mask pixel to the nearest pixel outside the mask (outside
 * its box counts as outside), capped at cap + 1 (at most 255): callers only ask "within the
 * line width?", and bytes keep the two raster passes cache-friendly. O(box area).
 */
export function distanceToOutside(mask: BinaryMask, cap: number): Uint8Array {
  const { width: w, height: h, data } = mask;
  const far = Math.min(cap + 1, 255);
  const d = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    let left = 0; // distance of the previous pixel in this row; 0 = outside the box
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (data[i] === 0) {
        left = 0;
        continue;
      }
      const up = y > 0 ? d[i - w] : 0;
      let v = (left < up ? left : up) + 1;
      if (v > far) v = far;
      d[i] = v;
      left = v;
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    let right = 0;
    for (let x = w - 1, i = y * w + w - 1; x >= 0; x--, i--) {
      if (data[i] === 0) {
        right = 0;
        continue;
      }
      const down = y < h - 1 ? d[i + w] : 0;
      let v = (right < down ? right : down) + 1;
      if (d[i] < v) v = d[i];
      d[i] = v;
      right = v;
    }
  }
  return d;
}

/** weight in 0..256 (256 = opaque); integer maths keeps the inner loops cheap. */
function blendPixel(data: Uint8Array, p: number, [r, g, b]: Rgb, weight: number): void {
  const keep = 256 - weight;
  data[p] = (data[p] * keep + r * weight + 128) >> 8;
  data[p + 1] = (data[p + 1] * keep + g * weight + 128) >> 8;
  data[p + 2] = (data[p + 2] * keep + b * weight + 128) >> 8;
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}
