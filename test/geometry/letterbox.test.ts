import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  letterboxBoxesToOriginal,
  letterboxGeometry,
  letterboxPointToInput,
  letterboxPointToOriginal,
  pythonRound,
  resizeToShortSide,
  shortSideBoxesToOriginal,
  shortSideGeometry,
} from '../../src/geometry/letterbox.js';

const S640 = { width: 640, height: 640 };

test('pythonRound rounds halves to even like Python 3', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, 318.4, 318.6, 2.4999].map(pythonRound), [0, 2, 2, 4, 0, -2, 318, 319, 2]);
});

test('landscape 640x480 letterbox pads 80 px top and bottom', () => {
  const g = letterboxGeometry({ width: 640, height: 480 }, S640);
  assert.equal(g.scale, 1);
  assert.deepEqual(g.resized, { width: 640, height: 480 });
  assert.equal(g.padLeft, 0);
  assert.equal(g.padTop, 80);
});

test('resized size uses half-to-even rounding (Python round, not Math.round)', () => {
  // r = 0.5 exactly: 5 * 0.5 = 2.5 -> 2, 7 * 0.5 = 3.5 -> 4.
  const a = letterboxGeometry({ width: 1280, height: 5 }, S640);
  assert.deepEqual(a.resized, { width: 640, height: 2 });
  assert.equal(a.padTop, 319);
  const b = letterboxGeometry({ width: 1280, height: 7 }, S640);
  assert.deepEqual(b.resized, { width: 640, height: 4 });
  assert.equal(b.padTop, 318);
});

test('odd padding puts the extra pixel at the bottom/right (round(dh -/+ 0.1))', () => {
  const g = letterboxGeometry({ width: 1280, height: 6 }, S640); // resized height 3, dh = 318.5
  assert.equal(g.resized.height, 3);
  assert.equal(g.padTop, 318); // bottom = 319 = 640 - 3 - 318
  const tall = letterboxGeometry({ width: 3, height: 1 }, { width: 8, height: 8 }); // 8 x 2.67 -> 8 x 3
  assert.deepEqual(tall.resized, { width: 8, height: 3 });
  assert.equal(tall.padTop, 2);
});

test('round trip original -> input -> original stays within 1 px (downscale, upscale, non-square)', () => {
  const cases = [
    { original: { width: 4000, height: 3000 }, input: S640 },
    { original: { width: 300, height: 500 }, input: S640 },
    { original: { width: 1000, height: 600 }, input: { width: 640, height: 384 } },
    { original: { width: 17, height: 911 }, input: { width: 320, height: 320 } },
  ];
  for (const { original, input } of cases) {
    const g = letterboxGeometry(original, input);
    assert.ok(g.padLeft + g.resized.width <= input.width && g.padTop + g.resized.height <= input.height);
    for (const [fx, fy] of [[0, 0], [0.25, 0.75], [0.5, 0.5], [1, 1]]) {
      const x = fx * original.width;
      const y = fy * original.height;
      const [ix, iy] = letterboxPointToInput(g, x, y);
      assert.ok(ix >= g.padLeft - 1e-9 && ix <= g.padLeft + g.resized.width + 1);
      const [ox, oy] = letterboxPointToOriginal(g, ix, iy);
      assert.ok(Math.abs(ox - x) <= 1 && Math.abs(oy - y) <= 1, `${ox},${oy} vs ${x},${y}`);
    }
  }
});

test('boxes map back through the letterbox and are clipped to the original', () => {
  const g = letterboxGeometry({ width: 1280, height: 720 }, S640); // r = 0.5, padTop = 140
  const boxes = Float32Array.from([100, 140, 200, 240, -10, 100, 700, 600]);
  letterboxBoxesToOriginal(g, boxes);
  assert.deepEqual([...boxes], [200, 0, 400, 200, 0, 0, 1280, 720]);
});

test('short-side rule floors like int() and pads to 32', () => {
  const cases: [number, number, number, number][] = [
    [640, 480, 1066, 800],
    [480, 640, 800, 1066],
    [2000, 500, 1333, 333], // long-side cap wins
    [333, 777, 571, 1333],
    [1280, 720, 1333, 749],
  ];
  for (const [w, h, rw, rh] of cases) {
    const g = shortSideGeometry({ width: w, height: h }, { minSize: 800, maxSize: 1333 });
    assert.deepEqual(g.resized, { width: rw, height: rh }, `${w}x${h}`);
    assert.deepEqual(g.padded, { width: Math.ceil(rw / 32) * 32, height: Math.ceil(rh / 32) * 32 });
    assert.equal(g.scaleX, rw / w);
  }
});

test('short-side rule with a fixed input size fits inside it', () => {
  const g = shortSideGeometry({ width: 400, height: 100 }, { minSize: 800, maxSize: 1333, divisor: 32, fixed: { width: 512, height: 512 } });
  assert.deepEqual(g.resized, { width: 512, height: 128 });
  assert.deepEqual(g.padded, { width: 512, height: 512 });
});

test('short-side boxes map back per axis and clip', () => {
  const g = shortSideGeometry({ width: 640, height: 480 }, { minSize: 800, maxSize: 1333 });
  const boxes = Float32Array.from([0, 0, 1066, 800, 533, 400, 2000, 900]);
  shortSideBoxesToOriginal(g, boxes);
  assert.deepEqual([...boxes], [0, 0, 640, 480, 320, 240, 640, 480]);
});

test('resizeToShortSide returns the unpadded resized pixels', () => {
  const data = new Uint8Array(8 * 4 * 3).fill(50);
  const { data: out, geometry } = resizeToShortSide({ data, width: 8, height: 4 }, { minSize: 8, maxSize: 100, divisor: 32 });
  assert.deepEqual(geometry.resized, { width: 16, height: 8 });
  assert.deepEqual(geometry.padded, { width: 32, height: 32 });
  assert.equal(out.length, 16 * 8 * 3);
  assert.ok(out.every((v) => v === 50));
});

test('an extreme aspect ratio still gets a one-pixel-high resized image', () => {
  const g = letterboxGeometry({ width: 100000, height: 1 }, S640);
  assert.deepEqual(g.resized, { width: 640, height: 1 });
  assert.equal(g.padTop, 319);
});

test('invalid sizes are rejected with parameter errors', () => {
  assert.throws(() => letterboxGeometry({ width: 0, height: 10 }, S640), /original size/);
  assert.throws(() => shortSideGeometry({ width: 10, height: 10 }, { minSize: 800, maxSize: 100 }), /maxSize/);
});
