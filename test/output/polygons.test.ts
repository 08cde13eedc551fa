import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labelComponents } from '../../src/output/components.js';
import { maskToPolygons, polygonsArea, ringArea } from '../../src/output/polygons.js';
import type { BinaryMask, PolygonPart } from '../../src/types.js';
import { maskFromArt, randomMask, seededRandom } from './helpers.js';

function pixelCount(mask: BinaryMask): number {
  return mask.data.reduce((sum, v) => sum + v, 0);
}

/** Even-odd test of a pixel centre against every ring: rebuilds the mask from its polygons. */
function insidePolygons(parts: readonly PolygonPart[], px: number, py: number): boolean {
  let inside = false;
  for (const ring of parts.flatMap((part) => [part.outer, ...part.holes])) {
    for (let i = 0, n = ring.length; i < n; i += 2) {
      const [x1, y1, x2, y2] = [ring[i], ring[i + 1], ring[(i + 2) % n], ring[(i + 3) % n]];
      if (y1 > py !== y2 > py && px < x1 + ((py - y1) * (x2 - x1)) / (y2 - y1)) inside = !inside;
    }
  }
  return inside;
}

describe('maskToPolygons', () => {
  it('traces a single pixel as its unit square, in image coordinates, clockwise on screen', () => {
    const parts = maskToPolygons(maskFromArt(5, 7, ['#']));
    assert.deepEqual(parts, [{ outer: [5, 7, 6, 7, 6, 8, 5, 8], holes: [] }]);
    assert.equal(ringArea(parts[0].outer), 1);
  });

  it('keeps only corners of straight edges', () => {
    const parts = maskToPolygons(maskFromArt(0, 0, ['####', '####']));
    assert.deepEqual(parts[0].outer, [0, 0, 4, 0, 4, 2, 0, 2]);
  });

  it('traces a disc with a hole as one part with one hole', () => {
    const mask = maskFromArt(10, 20, [
      '..###..',
      '.#####.',
      '##...##',
      '##...##',
      '##...##',
      '.#####.',
      '..###..',
    ]);
    const parts = maskToPolygons(mask);
    assert.equal(parts.length, 1);
    assert.equal(parts[0].holes.length, 1);
    assert.equal(ringArea(parts[0].holes[0]), -9); // holes run counter-clockwise
    // A hole ring starts on the top edge of the part pixel just below the hole.
    assert.deepEqual(parts[0].holes[0], [12, 25, 15, 25, 15, 22, 12, 22]);
    assert.equal(polygonsArea(parts), pixelCount(mask));
  });

  it('gives two separate blobs two parts', () => {
    const parts = maskToPolygons(maskFromArt(0, 0, ['##...', '##..#', '....#']));
    assert.equal(parts.length, 2);
    assert.deepEqual(parts[0].outer, [0, 0, 2, 0, 2, 2, 0, 2]);
    assert.deepEqual(parts[1].outer, [4, 1, 5, 1, 5, 3, 4, 3]);
  });

  it('treats diagonal neighbours as one part (8-connectivity)', () => {
    const parts = maskToPolygons(maskFromArt(0, 0, ['#.', '.#']));
    assert.equal(parts.length, 1);
    assert.deepEqual(parts[0].outer, [0, 0, 1, 0, 1, 1, 2, 1, 2, 2, 1, 2, 1, 1, 0, 1]);
    assert.equal(ringArea(parts[0].outer), 2);
  });

  it('keeps two holes of one blob, and splits a hole pinched at a corner', () => {
    const twoHoles = maskFromArt(0, 0, ['#######', '#.###.#', '#######']);
    const parts = maskToPolygons(twoHoles);
    assert.equal(parts.length, 1);
    assert.equal(parts[0].holes.length, 2);
    assert.equal(polygonsArea(parts), pixelCount(twoHoles));
    // The two background pixels touch only diagonally: 4-connected background = 2 holes.
    const pinched = maskFromArt(0, 0, ['####', '#.##', '##.#', '####']);
    const pinchedParts = maskToPolygons(pinched);
    assert.equal(pinchedParts[0].holes.length, 2);
    assert.equal(polygonsArea(pinchedParts), pixelCount(pinched));
  });

  it('puts an island inside a hole in its own part', () => {
    const mask = maskFromArt(0, 0, ['#####', '#...#', '#.#.#', '#...#', '#####']);
    const parts = maskToPolygons(mask);
    assert.equal(parts.length, 2);
    assert.equal(parts[0].holes.length, 1);
    assert.deepEqual(parts[1], { outer: [2, 2, 3, 2, 3, 3, 2, 3], holes: [] });
    assert.equal(polygonsArea(parts), pixelCount(mask));
  });

  it('returns no parts for an empty mask', () => {
    assert.deepEqual(maskToPolygons(maskFromArt(0, 0, ['...', '...'])), []);
    assert.deepEqual(maskToPolygons({ x: 0, y: 0, width: 0, height: 0, data: new Uint8Array(0) }), []);
  });

  it('reproduces random masks exactly: area and every pixel', () => {
    const random = seededRandom(11);
    for (let trial = 0; trial < 30; trial++) {
      const mask = randomMask(random, { width: 24, height: 24 }, 0.3 + random() * 0.4);
      const parts = maskToPolygons(mask);
      const components = labelComponents(mask);
      assert.equal(parts.length, components.count, `trial ${trial}`);
      for (const [index, part] of parts.entries()) {
        assert.equal(components.labelAt(part.outer[0] - mask.x, part.outer[1] - mask.y), index + 1);
      }
      assert.equal(polygonsArea(parts), pixelCount(mask), `trial ${trial}`);
      for (const part of parts) {
        assert.ok(ringArea(part.outer) > 0);
        for (const hole of part.holes) assert.ok(ringArea(hole) < 0);
      }
      for (let y = 0; y < mask.height; y++) {
        for (let x = 0; x < mask.width; x++) {
          const expected = mask.data[y * mask.width + x] === 1;
          const got = insidePolygons(parts, mask.x + x + 0.5, mask.y + y + 0.5);
          assert.equal(got, expected, `trial ${trial} pixel ${x},${y}`);
        }
      }
    }
  });

  it('simplifies staircases with a Douglas-Peucker tolerance', () => {
    const rows = Array.from({ length: 20 }, (_, y) => '#'.repeat(y + 1).padEnd(20, '.'));
    const mask = maskFromArt(0, 0, rows);
    const exact = maskToPolygons(mask);
    // One-pixel steps stick out 0.71 px from the diagonal, so a tolerance of 1 removes them.
    const smooth = maskToPolygons(mask, { tolerance: 1 });
    assert.ok(exact[0].outer.length > 40);
    assert.ok(smooth[0].outer.length <= 10, `got ${smooth[0].outer.length / 2} vertices`);
    assert.ok(Math.abs(polygonsArea(smooth) - pixelCount(mask)) <= 20 * 0.5 + 1);
    assert.throws(() => maskToPolygons(mask, { tolerance: -1 }), /Expected a non-negative number of pixels for tolerance/);
  });
});
