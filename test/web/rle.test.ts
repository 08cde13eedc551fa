// The browser's RLE decoder against the server's encoder: every mask the API can send must
// decode to exactly the pixels the server meant.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeRleCounts, maskToRle, rleToMask } from '../../src/output/rle.js';
import { decodeCounts, decodeMaskRegion, distanceToEdge, maskOutline } from '../../web/src/rle.js';

/** A deterministic pseudo-random blob mask inside a w x h image. */
function blobMask(seed: number, width: number, height: number) {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const data = new Uint8Array(width * height);
  const cx = random() * width, cy = random() * height, r = 2 + random() * Math.min(width, height) * 0.4;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = (x - cx) ** 2 + (y - cy) ** 2 < r * r || random() < 0.02 ? 1 : 0;
  return { x: 0, y: 0, width, height, data };
}

describe('decodeMaskRegion', () => {
  it('matches the server encoder pixel for pixel on random masks', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const width = 20 + ((seed * 37) % 90), height = 15 + ((seed * 53) % 70);
      const mask = blobMask(seed, width, height);
      const region = decodeMaskRegion(maskToRle(mask, { width, height }));
      const full = rleToMask(maskToRle(mask, { width, height }));
      let area = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const inside = x >= region.x && y >= region.y && x < region.x + region.width && y < region.y + region.height;
          const bit = inside ? region.data[(y - region.y) * region.width + (x - region.x)] : 0;
          assert.equal(bit, full[y * width + x], `seed ${seed} pixel ${x},${y}`);
          area += bit;
        }
      }
      assert.equal(region.area, area);
    }
  });

  it('returns the tight bounding region of a box-shaped mask', () => {
    const data = new Uint8Array(10 * 8);
    for (let y = 2; y < 5; y++) for (let x = 3; x < 7; x++) data[y * 10 + x] = 1;
    const region = decodeMaskRegion(maskToRle({ x: 0, y: 0, width: 10, height: 8, data }, { width: 10, height: 8 }));
    assert.deepEqual([region.x, region.y, region.width, region.height, region.area], [3, 2, 4, 3, 12]);
    assert.ok(region.data.every((bit) => bit === 1));
  });

  it('decodes an empty mask to an empty region', () => {
    const region = decodeMaskRegion({ size: [4, 5], counts: '<' }); // one run of 20 zeros
    assert.deepEqual([region.width, region.height, region.area], [0, 0, 0]);
  });

  it('decodes long runs and negative deltas exactly as the server encodes them', () => {
    const counts = [1_000_000, 5, 999_990, 5, 3_000_000_000, 1]; // 999_990 - 1_000_000 is a negative delta
    assert.deepEqual(decodeCounts(encodeRleCounts(counts)), counts);
  });

  it('rejects characters outside the alphabet', () => {
    assert.throws(() => decodeCounts('ab~'), /Expected a COCO compressed RLE string for counts/);
  });
});

describe('maskOutline', () => {
  /** The definition: pixels removed by `thickness` 4-neighbour erosions (the border is outside). */
  function erosionOutline(mask: { width: number; height: number; data: Uint8Array }, thickness: number): Uint8Array {
    const { width, height } = mask;
    let inner = mask.data;
    for (let step = 0; step < thickness; step++) {
      const next = new Uint8Array(inner.length);
      for (let y = 1; y < height - 1; y++) {
        for (let x = 1; x < width - 1; x++) {
          const i = y * width + x;
          next[i] = inner[i] && inner[i - 1] && inner[i + 1] && inner[i - width] && inner[i + width] ? 1 : 0;
        }
      }
      inner = next;
    }
    return mask.data.map((bit, i) => (bit && !inner[i] ? 1 : 0));
  }

  it('keeps a one-pixel ring of a filled square and empties its inside', () => {
    const data = new Uint8Array(25).fill(1);
    const outline = maskOutline(distanceToEdge({ x: 0, y: 0, width: 5, height: 5, data, area: 25 }), 1);
    assert.equal(outline.filter(Boolean).length, 16);
    assert.equal(outline[2 * 5 + 2], 0);
  });

  it('equals repeated erosion for every thickness on random masks', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const mask = blobMask(seed, 40, 30);
      const distance = distanceToEdge({ ...mask, area: 0 });
      for (const thickness of [1, 2, 3, 7]) {
        assert.deepEqual(maskOutline(distance, thickness), erosionOutline(mask, thickness), `seed ${seed} thickness ${thickness}`);
      }
    }
  });
});
