// Douglas-Peucker simplification of closed rings (flat [x0, y0, x1, y1, ...]).
// Off by default for polygons: pixel-edge rings are exact, and this only trades exactness
// for fewer vertices on diagonal staircases.

/**
 * Simplifies a closed ring, keeping every dropped vertex within `tolerance` of the result.
 * Returns the input unchanged when simplifying would leave fewer than 3 vertices.
 */
export function simplifyRing(ring: readonly number[], tolerance: number): number[] {
  const n = ring.length / 2;
  if (n <= 3 || tolerance <= 0) return [...ring];
  // Split the closed ring at vertex 0 and the vertex farthest from it: two open paths.
  let far = 0;
  let farDistance = -1;
  for (let i = 1; i < n; i++) {
    const d = (ring[2 * i] - ring[0]) ** 2 + (ring[2 * i + 1] - ring[1]) ** 2;
    if (d > farDistance) {
      farDistance = d;
      far = i;
    }
  }
  const keep = new Uint8Array(n + 1); // index n stands for vertex 0 closing the ring
  keep[0] = keep[far] = keep[n] = 1;
  markPath(ring, 0, far, tolerance, keep);
  markPath(ring, far, n, tolerance, keep);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(ring[2 * i], ring[2 * i + 1]);
  return out.length >= 6 ? out : [...ring];
}

/** Iterative Douglas-Peucker over vertices first..last (index n wraps to vertex 0). */
function markPath(ring: readonly number[], first: number, last: number, tolerance: number, keep: Uint8Array): void {
  const n = ring.length / 2;
  const stack: [number, number][] = [[first, last]];
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    const ax = ring[2 * (a % n)];
    const ay = ring[2 * (a % n) + 1];
    const bx = ring[2 * (b % n)];
    const by = ring[2 * (b % n) + 1];
    let worst = -1;
    let worstDistance = tolerance;
    for (let i = a + 1; i < b; i++) {
      const d = distanceToSegment(ring[2 * i], ring[2 * i + 1], ax, ay, bx, by);
      if (d > worstDistance) {
        worstDistance = d;
        worst = i;
      }
    }
    if (worst < 0) continue;
    keep[worst] = 1;
    stack.push([a, worst], [worst, b]);
  }
}

function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / lengthSquared));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}
