// Connected-component labelling of a box-local binary mask (8-connectivity), used to group
// polygon rings into parts. Works on horizontal runs, not pixels: one tight pass finds the
// runs, then union-find joins runs that touch the previous row (diagonals included), so a
// 4 MP blob costs a few thousand unions instead of 36 M neighbour checks.
import type { BinaryMask } from '../types.js';

export interface ComponentLabels {
  /** Number of components. */
  readonly count: number;
  /** Component id (1..count, in row-major order of first pixel) of pixel (x, y); 0 if outside. */
  labelAt(x: number, y: number): number;
}

export function labelComponents(mask: BinaryMask): ComponentLabels {
  const { width: w, height: h, data } = mask;
  const starts: number[] = [];
  const ends: number[] = []; // exclusive
  const rowFirst = new Int32Array(h + 1); // runs of row y are rowFirst[y] .. rowFirst[y+1]-1
  const parent: number[] = [];

  for (let y = 0; y < h; y++) {
    rowFirst[y] = starts.length;
    const row = y * w;
    let x = 0;
    while (x < w) {
      while (x < w && data[row + x] === 0) x++;
      if (x === w) break;
      const start = x;
      while (x < w && data[row + x] !== 0) x++;
      parent.push(starts.length);
      starts.push(start);
      ends.push(x);
    }
    if (y > 0) joinRows(rowFirst[y - 1], rowFirst[y], starts.length);
  }
  rowFirst[h] = starts.length;

  // Renumber roots 1..count in order of first appearance (runs are in row-major order).
  const label = new Int32Array(starts.length);
  let count = 0;
  const rootLabel = new Map<number, number>();
  for (let r = 0; r < starts.length; r++) {
    const root = find(r);
    let id = rootLabel.get(root);
    if (id === undefined) rootLabel.set(root, (id = ++count));
    label[r] = id;
  }

  return {
    count,
    labelAt(x: number, y: number): number {
      if (y < 0 || y >= h) return 0;
      // Binary search the row's runs for the one containing x.
      let low = rowFirst[y];
      let high = rowFirst[y + 1] - 1;
      while (low <= high) {
        const mid = (low + high) >> 1;
        if (x < starts[mid]) high = mid - 1;
        else if (x >= ends[mid]) low = mid + 1;
        else return label[mid];
      }
      return 0;
    },
  };

  /** Unions every run of the current row with the previous row's runs it touches. */
  function joinRows(prevFirst: number, first: number, end: number): void {
    let p = prevFirst;
    for (let c = first; c < end; c++) {
      // 8-connectivity: [a, b) touches [c0, c1) when a <= c1 and c0 <= b (diagonal contact counts).
      while (p < first && ends[p] < starts[c]) p++;
      for (let q = p; q < first && starts[q] <= ends[c]; q++) union(q, c);
    }
  }

  function find(r: number): number {
    while (parent[r] !== r) {
      parent[r] = parent[parent[r]]; // path halving
      r = parent[r];
    }
    return r;
  }

  function union(a: number, b: number): void {
    const ra = find(a);
    const rb = find(b);
    // Keep the smaller (earlier) run as root so labels follow discovery order.
    if (ra < rb) parent[rb] = ra;
    else if (rb < ra) parent[ra] = rb;
  }
}
