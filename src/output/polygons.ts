// Mask -> polygons that keep parts and holes.
//
// Structure (also documented in the README):
//   PolygonPart[]: one entry per 8-connected component of the mask, in row-major order of
//   each component's first pixel (not sorted by size).
//   part.outer:  the component's outer boundary, flat [x0, y0, x1, y1, ...].
//   part.holes:  one ring per hole (background enclosed by the part; holes are 4-connected,
//                the complement of 8-connected foreground, so every pixel is counted once).
// Rings trace pixel EDGES in original-image coordinates, so the pixel (x, y) is the unit
// square (x, y)-(x+1, y+1) and a ring's shoelace area equals its pixel count exactly
// (outer minus holes = mask area). Rings are closed implicitly (first vertex not repeated)
// and hold only corners (collinear vertices dropped). Outer rings are clockwise as seen on
// screen (positive shoelace area with y pointing down), holes counter-clockwise.
// COCO consumers that want plain `segmentation` polygons can take the `outer` rings (holes
// then count as filled: prefer the RLE `mask` for exact areas).
import { invalidParameter } from '../errors.js';
import type { BinaryMask, PolygonPart } from '../types.js';
import { labelComponents } from './components.js';
import { simplifyRing } from './simplify.js';

export interface PolygonOptions {
  /**
   * Douglas-Peucker tolerance in pixels (default 0 = exact pixel edges). The corners of a
   * one-pixel 45-degree staircase stick out 0.71 px from its diagonal, so 1 turns staircases
   * into straight lines while every dropped corner stays within a pixel of the result.
   */
  tolerance?: number;
}

// Walking directions on the pixel-corner grid, clockwise on screen (y down).
const DX = [1, 0, -1, 0]; // right, down, left, up
const DY = [0, 1, 0, -1];
const RIGHT = 0;
const DOWN = 1;
const LEFT = 2;
const UP = 3;
// Visited flags per pixel, one per side; a boundary edge belongs to the pixel on its right.
const SIDE_FLAG = [1, 2, 4, 8]; // edge direction -> side: right->top, down->right, left->bottom, up->left

export function maskToPolygons(mask: BinaryMask, options: PolygonOptions = {}): PolygonPart[] {
  const tolerance = options.tolerance ?? 0;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw invalidParameter('a non-negative number of pixels', 'tolerance', tolerance);
  }
  const { width: w, height: h, data } = mask;
  const inside = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < w && y < h && data[y * w + x] !== 0;
  const components = labelComponents(mask);
  const visited = new Uint8Array(w * h);
  const parts = new Map<number, PolygonPart>();

  // Every ring contains at least one top edge walked rightwards, so scanning for unvisited top
  // edges (pixel inside, pixel above outside) finds each ring exactly once.
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (data[i] === 0 || (y > 0 && data[i - w] !== 0) || visited[i] & SIDE_FLAG[RIGHT]) continue;
      const ring = traceRing(x, y);
      const finished = tolerance > 0 ? simplifyRing(ring, tolerance) : ring;
      const flat = toImageCoordinates(finished, mask.x, mask.y);
      const label = components.labelAt(x, y);
      // A component's first pixel in row-major order starts its outer ring, so the part
      // always exists before the scan reaches any of its holes.
      if (ringArea(ring) > 0) parts.set(label, { outer: flat, holes: [] });
      else parts.get(label)?.holes.push(flat);
    }
  }
  return [...parts.values()];

  /** Walks one ring with the inside on the right; returns box-local corner coordinates. */
  function traceRing(startX: number, startY: number): number[] {
    const corners: number[] = [startX, startY];
    let vx = startX;
    let vy = startY;
    let dir = RIGHT;
    for (;;) {
      markVisited(vx, vy, dir);
      vx += DX[dir];
      vy += DY[dir];
      const next = nextDirection(vx, vy, dir);
      if (vx === startX && vy === startY && next === RIGHT) break;
      if (next !== dir) corners.push(vx, vy);
      dir = next;
    }
    // The start vertex is a corner only if the ring arrives there going some other way.
    if (dir === RIGHT) corners.splice(0, 2);
    return corners;
  }

  function markVisited(vx: number, vy: number, dir: number): void {
    // The pixel on the right of the edge leaving (vx, vy) in direction dir.
    const px = dir === DOWN || dir === LEFT ? vx - 1 : vx;
    const py = dir === LEFT || dir === UP ? vy - 1 : vy;
    visited[py * w + px] |= SIDE_FLAG[dir];
  }

  /**
   * The boundary edge leaving corner (vx, vy). At a saddle (two diagonal pixels inside, two
   * outside) turn left: that joins diagonal pixels, i.e. the foreground is 8-connected, which
   * matches the component labelling.
   */
  function nextDirection(vx: number, vy: number, arriving: number): number {
    const topLeft = inside(vx - 1, vy - 1);
    const topRight = inside(vx, vy - 1);
    const bottomLeft = inside(vx - 1, vy);
    const bottomRight = inside(vx, vy);
    if (topLeft === bottomRight && topRight === bottomLeft && topLeft !== topRight) return (arriving + 3) % 4;
    if (bottomRight && !topRight) return RIGHT;
    if (bottomLeft && !bottomRight) return DOWN;
    if (topLeft && !bottomLeft) return LEFT;
    return UP; // topRight && !topLeft: the only edge left at a non-saddle boundary corner
  }
}

/** Shoelace area of a flat ring (positive = clockwise on screen, y down). */
export function ringArea(ring: readonly number[]): number {
  let twice = 0;
  const n = ring.length;
  for (let i = 0; i < n; i += 2) {
    const j = (i + 2) % n;
    twice += ring[i] * ring[j + 1] - ring[j] * ring[i + 1];
  }
  return twice / 2;
}

/** Area covered by parts: outer rings minus holes. */
export function polygonsArea(parts: readonly PolygonPart[]): number {
  let area = 0;
  for (const part of parts) {
    area += Math.abs(ringArea(part.outer));
    for (const hole of part.holes) area -= Math.abs(ringArea(hole));
  }
  return area;
}

function toImageCoordinates(ring: number[], offsetX: number, offsetY: number): number[] {
  const out = new Array<number>(ring.length);
  for (let i = 0; i < ring.length; i += 2) {
    out[i] = ring[i] + offsetX;
    out[i + 1] = ring[i + 1] + offsetY;
  }
  return out;
}
