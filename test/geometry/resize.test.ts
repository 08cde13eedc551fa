import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axisTaps, resizeBilinearU8 } from '../../src/geometry/resize.js';

test('axisTaps uses half-pixel centres and clamps at both edges', () => {
  // 2 -> 4: source coords -0.25 (clamped to 0), 0.25, 0.75, 1.25 (past the last cell).
  const taps = axisTaps(2, 4);
  assert.deepEqual([...taps.index0], [0, 0, 0, 1]);
  assert.deepEqual([...taps.index1], [1, 1, 1, 1]);
  assert.deepEqual([...taps.weight1], [0, 0.25, 0.75, 0]);
});

test('upscaling a 2x2 single-channel image matches hand-computed values', () => {
  const image = { data: Uint8Array.from([0, 100, 200, 40]), width: 2, height: 2 };
  const out = resizeBilinearU8(image, { width: 4, height: 4 }, 1);
  // Row 0 interpolates 0..100 at weights 0, .25, .75, 1; row 3 is the clamped bottom row.
  assert.deepEqual([...out.subarray(0, 4)], [0, 25, 75, 100]);
  assert.deepEqual([...out.subarray(12, 16)], [200, 160, 80, 40]);
  // Row 1 (y = 0.25): 0.75 * row0 + 0.25 * row1 at x weight 0.25 -> 0.75*25 + 0.25*160 = 58.75.
  assert.equal(out[5], 59);
});

test('downscaling by 2 averages pixel pairs (no antialias beyond the 2 taps)', () => {
  const image = { data: Uint8Array.from([0, 10, 20, 30, 0, 10, 20, 30]), width: 4, height: 2 };
  const out = resizeBilinearU8(image, { width: 2, height: 1 }, 1);
  assert.deepEqual([...out], [5, 25]);
});

test('RGB channels are resized independently and values round half up', () => {
  const image = { data: Uint8Array.from([0, 255, 7, 2, 255, 9]), width: 2, height: 1 };
  const out = resizeBilinearU8(image, { width: 4, height: 1 });
  assert.deepEqual([...out.subarray(3, 6)], [1, 255, 8]); // 0.5 -> 1, 7.5 -> 8
});

test('same-size resize returns an identical copy', () => {
  const data = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
  const out = resizeBilinearU8({ data, width: 2, height: 2 }, { width: 2, height: 2 });
  assert.deepEqual(out, data);
  assert.notEqual(out, data);
});

test('bad sizes and data lengths are parameter errors', () => {
  assert.throws(() => resizeBilinearU8({ data: new Uint8Array(3), width: 2, height: 2 }, { width: 1, height: 1 }), /Expected 12 bytes/);
  assert.throws(() => resizeBilinearU8({ data: new Uint8Array(12), width: 2, height: 2 }, { width: 0, height: 1 }), /target size/);
});
