import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MaskserveError } from '../../src/errors.js';
import {
  decodeRleCounts,
  encodeRleCounts,
  maskToRle,
  maskToRleCounts,
  rleArea,
  rleToMask,
} from '../../src/output/rle.js';
import type { BinaryMask } from '../../src/types.js';
import { randomMask, seededRandom } from './helpers.js';

// Expected strings are derived by hand with pycocotools' rleToString algorithm:
//   for each count i: x = cnts[i] - (i > 2 ? cnts[i-2] : 0)
//   repeat: c = x & 0x1f; x >>= 5 (arithmetic); more = (c & 0x10) ? x != -1 : x != 0
//           if more: c |= 0x20;  emit chr(c + 48)
const KNOWN: { name: string; counts: number[]; text: string }[] = [
  // 4x4 image, 2x2 square at (1,1). Column-major pixels: 0000 0110 0110 0000 -> runs [5,2,2,2,5].
  // i0: 5 -> '5'; i1: 2 -> '2'; i2: 2 -> '2'; i3: 2-2=0 -> '0'; i4: 5-2=3 -> '3'.
  { name: '2x2 square in 4x4', counts: [5, 2, 2, 2, 5], text: '52203' },
  // i0: 40 -> c=8, x=1, more -> 8|32=40 -> 'X'; then 1 -> '1'.  i1: '3'.  i2: '1'.
  // i3: 50-3=47 -> c=15, x=1, more -> 47 -> '_'; then '1'.  i4: 6-1=5 -> '5'.
  { name: 'runs longer than 31', counts: [40, 3, 1, 50, 6], text: 'X131_15' },
  // i1: 30 -> c=30 has the sign bit 0x10 but x=0 != -1, so more -> 62 -> 'n'; then 0 -> '0'.
  // i3: 1-30=-29 -> c=3, x=-1; 3&0x10=0 and x!=0 -> more -> 35 -> 'S'; then c=31, x=-1 -> stop -> 'O'.
  // i4: 64-2=62 -> c=30, x=1 -> more -> 30|32=62 -> 'n'; then '1'.
  { name: 'negative delta and a count with bit 4 set', counts: [3, 30, 2, 1, 64], text: '3n02SOn1' },
  // i3: 2-5=-3 -> c=29 (0b11101), x=-1 -> sign bit set and x==-1 -> stop -> 29+48=77 -> 'M'.
  { name: 'small negative delta', counts: [2, 5, 3, 2, 4], text: '253M1' },
  // Empty 3x4 image: one run of 12 zeros -> '<' (60).
  { name: 'empty mask', counts: [12], text: '<' },
  // Full 2x3 image: a 0-length run of zeros, then 6 ones -> '0', '6'.
  { name: 'full mask', counts: [0, 6], text: '06' },
];

function box(x: number, y: number, width: number, height: number, rows: string[]): BinaryMask {
  const data = Uint8Array.from(rows.join('').split(''), (c) => (c === '#' ? 1 : 0));
  assert.equal(data.length, width * height);
  return { x, y, width, height, data };
}

describe('encodeRleCounts / decodeRleCounts', () => {
  for (const { name, counts, text } of KNOWN) {
    it(`encodes ${name}`, () => assert.equal(encodeRleCounts(counts), text));
    it(`decodes ${name}`, () => assert.deepEqual(decodeRleCounts(text), counts));
  }

  it('round-trips counts up to a 40 MP image', () => {
    const counts = [39_999_000, 1, 0, 999, 0];
    assert.deepEqual(decodeRleCounts(encodeRleCounts(counts)), counts);
  });

  it('rejects characters outside the alphabet and truncated groups', () => {
    assert.throws(() => decodeRleCounts('5 2'), MaskserveError);
    assert.throws(() => decodeRleCounts('X'), /COCO compressed RLE/); // 'X' says "more follows"
  });
});

describe('maskToRle', () => {
  it('encodes a box-local mask over the full image, column-major', () => {
    const mask = box(1, 1, 2, 2, ['##', '##']);
    assert.deepEqual(maskToRle(mask, { width: 4, height: 4 }), { size: [4, 4], counts: '52203' });
  });

  it('matches the hand-derived runs of a non-square image', () => {
    // 10x10 image whose column-major pixels are runs [40,3,1,50,6] (see KNOWN): column 4 holds
    // rows 0-2 and 4-9, columns 5-8 are full, column 9 holds rows 0-3.
    const rows: string[] = [];
    for (let y = 0; y < 10; y++) {
      let row = '';
      for (let x = 4; x < 10; x++) row += (x === 4 && y !== 3) || (x > 4 && x < 9) || (x === 9 && y < 4) ? '#' : '.';
      rows.push(row);
    }
    const rle = maskToRle(box(4, 0, 6, 10, rows), { width: 10, height: 10 });
    assert.deepEqual(rle, { size: [10, 10], counts: 'X131_15' });
  });

  it('encodes an empty mask as one run of zeros and a full mask as [0, h*w]', () => {
    assert.deepEqual(maskToRle(box(0, 0, 2, 1, ['..']), { width: 4, height: 3 }), { size: [3, 4], counts: '<' });
    assert.deepEqual(maskToRleCounts(box(0, 0, 3, 2, ['###', '###']), { width: 3, height: 2 }), [0, 6]);
    assert.deepEqual(maskToRle(box(0, 0, 3, 2, ['###', '###']), { width: 3, height: 2 }).counts, '06');
  });

  it('ignores mask pixels outside the image', () => {
    const mask = box(-1, -1, 3, 3, ['###', '###', '###']);
    assert.deepEqual(maskToRleCounts(mask, { width: 3, height: 3 }), [0, 2, 1, 2, 4]);
  });

  it('round-trips random masks at random places through rleToMask', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 40; trial++) {
      const size = { width: 1 + Math.floor(random() * 40), height: 1 + Math.floor(random() * 40) };
      const mask = randomMask(random, size, 0.5);
      const rle = maskToRle(mask, size);
      const full = rleToMask(rle);
      let ones = 0;
      for (let y = 0; y < size.height; y++) {
        for (let x = 0; x < size.width; x++) {
          const inBox = x >= mask.x && x < mask.x + mask.width && y >= mask.y && y < mask.y + mask.height;
          const expected = inBox ? mask.data[(y - mask.y) * mask.width + (x - mask.x)] : 0;
          assert.equal(full[y * size.width + x], expected, `trial ${trial} pixel ${x},${y}`);
          ones += expected;
        }
      }
      assert.equal(rleArea(rle), ones);
      assert.deepEqual(decodeRleCounts(rle.counts), maskToRleCounts(mask, size));
    }
  });
});

describe('RLE helpers', () => {
  const size = { width: 4, height: 4 };
  const square = maskToRle(box(1, 1, 2, 2, ['##', '##']), size);

  it('rleToMask accepts uncompressed counts too', () => {
    assert.deepEqual(rleToMask({ size: [4, 4], counts: [5, 2, 2, 2, 5] }), rleToMask(square));
  });

  it('rejects counts that do not cover the image', () => {
    assert.throws(() => rleToMask({ size: [4, 4], counts: [5, 2] }), /summing to 4\*4/);
  });

  it('computes the area', () => {
    assert.equal(rleArea(square), 4);
  });
});
