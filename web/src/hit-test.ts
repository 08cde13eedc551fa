// Which instance is under a point: the smallest one whose mask covers it, so a small object on top
// of a big one stays reachable. Instances with an empty mask (rare, tiny boxes) are hit by box.
import type { MaskRegion } from './types.js';

export interface Hittable {
  readonly id: number;
  readonly region: MaskRegion;
  /** COCO xywh in image pixels. */
  readonly bbox: readonly [number, number, number, number];
}

export function instanceAt<T extends Hittable>(candidates: readonly T[], x: number, y: number): T | undefined {
  let best: T | undefined;
  let bestSize = Infinity;
  const px = Math.floor(x);
  const py = Math.floor(y);
  for (const candidate of candidates) {
    const { region, bbox } = candidate;
    let size: number;
    if (region.area > 0) {
      const localX = px - region.x;
      const localY = py - region.y;
      if (localX < 0 || localY < 0 || localX >= region.width || localY >= region.height) continue;
      if (region.data[localY * region.width + localX] === 0) continue;
      size = region.area;
    } else {
      const [bx, by, bw, bh] = bbox;
      if (x < bx || y < by || x >= bx + bw || y >= by + bh) continue;
      size = bw * bh;
    }
    if (size < bestSize) {
      best = candidate;
      bestSize = size;
    }
  }
  return best;
}
