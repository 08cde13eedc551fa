// COCO run-length encoding, byte-for-byte compatible with pycocotools (maskApi.c).
//
// An RLE describes an h x w image in column-major (Fortran) order as alternating run lengths,
// always starting with a run of 0s (possibly of length 0). The compressed string packs each
// count as a little-endian sequence of 5-bit groups, offset by 48 into printable ASCII:
//   bit 0x20 = "more groups follow", bit 0x10 of the last group = sign.
// From the fourth count on (i > 2) the value stored is the delta to the count two places back
// (the previous run of the same value), which keeps typical strings short.
import { invalidParameter } from '../errors.js';
import type { BinaryMask, CocoRle, Size } from '../types.js';

/** The uncompressed form pycocotools also accepts (`iscrowd` annotations in COCO ground truth). */
export interface UncompressedRle {
  size: [number, number]; // [height, width]
  counts: readonly number[];
}

export type AnyRle = CocoRle | UncompressedRle;

const OFFSET = 48;
const MAX_CHAR = OFFSET + 63;
const LATIN1 = new TextDecoder('latin1');

/** pycocotools rleToString. */
export function encodeRleCounts(counts: ArrayLike<number>): string {
  const chars: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      // Arithmetic shift spelled with floor so values beyond 32 bits cannot wrap.
      let group = x - Math.floor(x / 32) * 32;
      x = Math.floor(x / 32);
      more = group & 0x10 ? x !== -1 : x !== 0;
      if (more) group |= 0x20;
      chars.push(group + OFFSET);
    }
  }
  // TextDecoder, not Buffer: the browser UI imports this codec too. The alphabet is ASCII 48..111.
  return LATIN1.decode(Uint8Array.from(chars));
}

/** pycocotools rleFrString. Throws INVALID_OPTION on characters outside the alphabet. */
export function decodeRleCounts(counts: string): number[] {
  const out: number[] = [];
  let p = 0;
  while (p < counts.length) {
    let x = 0;
    let scale = 1; // 32^k, kept as a float so long counts never overflow a shift
    let more = true;
    while (more) {
      if (p >= counts.length) throw invalidParameter('a COCO compressed RLE string', 'counts', counts);
      const code = counts.charCodeAt(p);
      if (code < OFFSET || code > MAX_CHAR) throw invalidParameter('a COCO compressed RLE string', 'counts', counts);
      const group = code - OFFSET;
      x += (group & 0x1f) * scale;
      scale *= 32;
      more = (group & 0x20) !== 0;
      p++;
      if (!more && group & 0x10) x -= scale; // sign-extend
    }
    if (out.length > 2) x += out[out.length - 2];
    out.push(x);
  }
  return out;
}

/**
 * Full-image RLE of a box-local mask without materialising the image: columns left of and right
 * of the mask's box are one long run of 0s, and inside the box only the box's rows are read.
 * Mask pixels outside the image are ignored.
 */
export function maskToRle(mask: BinaryMask, imageSize: Size): CocoRle {
  return { size: [imageSize.height, imageSize.width], counts: encodeRleCounts(maskToRleCounts(mask, imageSize)) };
}

export function maskToRleCounts(mask: BinaryMask, imageSize: Size): number[] {
  const { width: w, height: h } = imageSize;
  const x0 = Math.max(0, mask.x);
  const x1 = Math.min(w, mask.x + mask.width);
  const y0 = Math.max(0, mask.y);
  const y1 = Math.min(h, mask.y + mask.height);
  if (x1 <= x0 || y1 <= y0) return [w * h];
  // Read the box column by column from a transposed copy: walking a row-major mask down its
  // columns directly strides through memory and misses the cache on every pixel.
  const columns = transposeBox(mask, x0, y0, x1, y1);
  const boxHeight = y1 - y0;
  const runs = new RunBuilder();
  runs.add(0, x0 * h); // whole columns left of the box
  for (let x = x0, p = 0; x < x1; x++) {
    runs.add(0, y0); // rows above the box
    const columnEnd = p + boxHeight;
    while (p < columnEnd) {
      const bit = columns[p];
      const start = p;
      while (p < columnEnd && columns[p] === bit) p++;
      runs.add(bit, p - start);
    }
    runs.add(0, h - y1); // rows below the box
  }
  runs.add(0, (w - x1) * h); // whole columns right of the box
  return runs.finish();
}

/** The box [x0, x1) x [y0, y1) of the mask as 0/1 bytes in column-major order, in cache-sized tiles. */
function transposeBox(mask: BinaryMask, x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const boxWidth = x1 - x0;
  const boxHeight = y1 - y0;
  const out = new Uint8Array(boxWidth * boxHeight);
  const TILE = 64;
  for (let ty = 0; ty < boxHeight; ty += TILE) {
    const tyEnd = Math.min(boxHeight, ty + TILE);
    for (let tx = 0; tx < boxWidth; tx += TILE) {
      const txEnd = Math.min(boxWidth, tx + TILE);
      for (let y = ty; y < tyEnd; y++) {
        const row = (y + y0 - mask.y) * mask.width + (x0 - mask.x);
        for (let x = tx; x < txEnd; x++) out[x * boxHeight + y] = mask.data[row + x] === 0 ? 0 : 1;
      }
    }
  }
  return out;
}

/** Accumulates alternating runs; the first run is always of 0s, as COCO requires. */
class RunBuilder {
  private readonly counts: number[] = [];
  private value = 0;
  private run = 0;

  add(value: number, length: number): void {
    if (length === 0) return;
    if (value === this.value) {
      this.run += length;
      return;
    }
    this.counts.push(this.run);
    this.value = value;
    this.run = length;
  }

  finish(): number[] {
    this.counts.push(this.run);
    return this.counts;
  }
}

/** The counts of either RLE form, checked to cover exactly h*w pixels. */
export function rleCounts(rle: AnyRle): number[] {
  const counts = typeof rle.counts === 'string' ? decodeRleCounts(rle.counts) : Array.from(rle.counts);
  const [h, w] = rle.size;
  let total = 0;
  for (const c of counts) {
    if (!Number.isInteger(c) || c < 0) throw invalidParameter('non-negative run lengths', 'counts', rle.counts);
    total += c;
  }
  if (total !== h * w) throw invalidParameter(`run lengths summing to ${h}*${w}`, 'counts', total);
  return counts;
}

/** Full image, row-major, one byte (0/1) per pixel: length h*w. */
export function rleToMask(rle: AnyRle): Uint8Array {
  const [h, w] = rle.size;
  const out = new Uint8Array(h * w);
  const counts = rleCounts(rle);
  let p = 0; // column-major position
  for (let i = 0; i < counts.length; i++) {
    const end = p + counts[i];
    if (i % 2 === 1) {
      for (let q = p; q < end; q++) out[(q % h) * w + Math.floor(q / h)] = 1;
    }
    p = end;
  }
  return out;
}

/** Number of 1 pixels (pycocotools area). */
export function rleArea(rle: AnyRle): number {
  const counts = rleCounts(rle);
  let area = 0;
  for (let i = 1; i < counts.length; i += 2) area += counts[i];
  return area;
}
