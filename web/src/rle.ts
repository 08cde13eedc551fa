// COCO compressed RLE -> mask, in the browser. The string codec is the server's own
// (src/output/rle.ts, pycocotools-compatible), so the UI and the API can never disagree.
import { decodeRleCounts } from '../../src/output/rle.js';
import type { CocoRle, MaskRegion } from './types.js';

/** pycocotools rleFrString: column-major runs alternating 0s and 1s, starting with 0s. */
export const decodeCounts = decodeRleCounts;

/**
 * The mask restricted to its bounding region: a 40 MP photo with 100 instances would need
 * 4 GB as full-image masks, the regions are a few MB. Empty masks give a 0x0 region.
 */
export function decodeMaskRegion(rle: CocoRle): MaskRegion {
  const [height, width] = rle.size;
  const runs = decodeCounts(rle.counts);
  // Pass 1: bounds of the 1-runs (a run may wrap over several columns).
  let minX = width, minY = height, maxX = -1, maxY = -1, area = 0;
  for (let i = 1, start = runs[0] ?? 0; i < runs.length; i += 2) {
    const length = runs[i];
    if (length > 0) {
      const end = start + length - 1;
      const firstColumn = Math.floor(start / height), lastColumn = Math.floor(end / height);
      minX = Math.min(minX, firstColumn);
      maxX = Math.max(maxX, lastColumn);
      minY = Math.min(minY, firstColumn === lastColumn ? start % height : 0);
      maxY = Math.max(maxY, firstColumn === lastColumn ? end % height : height - 1);
      area += length;
    }
    start += length + (runs[i + 1] ?? 0);
  }
  if (maxX < 0) return { x: 0, y: 0, width: 0, height: 0, data: new Uint8Array(0), area: 0 };
  const region = { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
  // Pass 2: paint the 1-runs into the region (column-major walk -> row-major bytes).
  const data = new Uint8Array(region.width * region.height);
  for (let i = 1, start = runs[0] ?? 0; i < runs.length; i += 2) {
    for (let p = start, end = start + runs[i]; p < end; p++) {
      const column = Math.floor(p / height);
      const row = p - column * height;
      data[(row - region.y) * region.width + (column - region.x)] = 1;
    }
    start += runs[i] + (runs[i + 1] ?? 0);
  }
  return { ...region, data, area };
}

/**
 * City-block distance (in 4-connected steps) from each mask pixel to the nearest pixel outside
 * the mask; 0 outside. Two raster passes, so the cost does not grow with the outline width
 * (a 12 MP photo wants 10 px outlines). Pixels beyond the region's edge count as outside.
 */
export function distanceToEdge(mask: MaskRegion): Uint16Array {
  const { width, height, data } = mask;
  const distance = new Uint16Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (data[i] === 0) continue;
      const up = y > 0 ? distance[i - width] : 0;
      const left = x > 0 ? distance[i - 1] : 0;
      distance[i] = Math.min(up, left) + 1;
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = y * width + x;
      if (data[i] === 0) continue;
      const down = y < height - 1 ? distance[i + width] : 0;
      const right = x < width - 1 ? distance[i + 1] : 0;
      distance[i] = Math.min(distance[i], Math.min(down, right) + 1);
    }
  }
  return distance;
}

/** Mask pixels within `thickness` steps of the mask's edge: the outline to stroke. */
export function maskOutline(distance: Uint16Array, thickness: number): Uint8Array {
  const outline = new Uint8Array(distance.length);
  for (let i = 0; i < distance.length; i++) outline[i] = distance[i] > 0 && distance[i] <= thickness ? 1 : 0;
  return outline;
}
