import assert from 'node:assert/strict';
import { test } from 'node:test';
import { letterboxGeometry, letterboxPointToInput } from '../../src/geometry/letterbox.js';
import { letterboxProtoMapping, pasteMaskInBox, probabilityToLogit, protoMaskInBox, type Prototypes } from '../../src/geometry/masks.js';
import type { BinaryMask } from '../../src/types.js';

const ones28 = new Float32Array(28 * 28).fill(1);

function count(mask: BinaryMask): number {
  return mask.data.reduce((sum, v) => sum + v, 0);
}

function at(mask: BinaryMask, x: number, y: number): number {
  if (x < mask.x || y < mask.y || x >= mask.x + mask.width || y >= mask.y + mask.height) return 0;
  return mask.data[(y - mask.y) * mask.width + (x - mask.x)];
}

test('a full 28x28 mask fills exactly the pixels of an integer box', () => {
  const mask = pasteMaskInBox(ones28, 28, 28, [10, 20, 50, 40], { width: 100, height: 100 }, 0.5);
  assert.deepEqual([mask.x, mask.y, mask.width, mask.height], [10, 20, 40, 20]);
  assert.equal(count(mask), 800);
});

test('a fractional box keeps the pixels whose centres lie inside it', () => {
  const mask = pasteMaskInBox(ones28, 28, 28, [10.3, 20.6, 50.2, 39.4], { width: 100, height: 100 }, 0.5);
  assert.deepEqual([mask.x, mask.y, mask.width, mask.height], [10, 20, 41, 20]);
  // columns 10..49 (centres 10.5..49.5), rows 21..38 (centres 21.5..38.5)
  assert.equal(count(mask), 40 * 18);
  assert.equal(at(mask, 10, 21), 1);
  assert.equal(at(mask, 50, 21), 0);
  assert.equal(at(mask, 10, 20), 0);
});

test('a left-half mask fills the left half of the box (within one column)', () => {
  const half = new Float32Array(28 * 28);
  for (let y = 0; y < 28; y++) half.fill(1, y * 28, y * 28 + 14);
  const mask = pasteMaskInBox(half, 28, 28, [0, 0, 56, 28], { width: 64, height: 64 }, 0.5);
  for (let y = 0; y < 28; y++) {
    let filled = 0;
    for (let x = 0; x < 56; x++) filled += at(mask, x, y);
    assert.ok(Math.abs(filled - 28) <= 1, `row ${y}: ${filled}`);
    assert.equal(at(mask, 0, y), 1);
    assert.equal(at(mask, 55, y), 0);
  }
});

test('boxes past the image edge are clipped; degenerate boxes give an empty mask', () => {
  const clipped = pasteMaskInBox(ones28, 28, 28, [-10, -10, 30, 30], { width: 20, height: 20 }, 0.5);
  assert.deepEqual([clipped.x, clipped.y, clipped.width, clipped.height], [0, 0, 20, 20]);
  assert.equal(count(clipped), 400);
  const empty = pasteMaskInBox(ones28, 28, 28, [5, 5, 5, 9], { width: 20, height: 20 }, 0.5);
  assert.equal(count(empty), 0);
  assert.throws(() => pasteMaskInBox(new Float32Array(10), 28, 28, [0, 0, 1, 1], { width: 2, height: 2 }, 0.5), /28x28/);
});

test('probabilityToLogit inverts the sigmoid and handles the ends', () => {
  assert.equal(probabilityToLogit(0.5), 0);
  assert.ok(Math.abs(1 / (1 + Math.exp(-probabilityToLogit(0.8))) - 0.8) < 1e-12);
  assert.equal(probabilityToLogit(0), Number.NEGATIVE_INFINITY);
  assert.equal(probabilityToLogit(1), Number.POSITIVE_INFINITY);
});

/** Prototypes for a 1280x720 photo letterboxed to 640: channel 0 = +8 inside `inside`, -8 outside; channel 1 = noise. */
function shapePrototypes(inside: (x: number, y: number) => boolean): { protos: Prototypes; geometry: ReturnType<typeof letterboxGeometry> } {
  const geometry = letterboxGeometry({ width: 1280, height: 720 }, { width: 640, height: 640 });
  const size = 160;
  const data = new Float32Array(2 * size * size);
  for (let cy = 0; cy < size; cy++) {
    for (let cx = 0; cx < size; cx++) {
      // proto cell centre -> input px -> original px
      const ox = ((cx + 0.5) * 4 - geometry.padLeft) / geometry.scale;
      const oy = ((cy + 0.5) * 4 - geometry.padTop) / geometry.scale;
      data[cy * size + cx] = inside(ox, oy) ? 8 : -8;
      data[size * size + cy * size + cx] = Math.sin(cx * 12.9898 + cy * 78.233) * 100;
    }
  }
  return { protos: { data, channels: 2, width: size, height: size }, geometry };
}

function iouWithShape(mask: BinaryMask, inside: (x: number, y: number) => boolean, size: { width: number; height: number }): number {
  let inter = 0;
  let union = 0;
  for (let y = 0; y < size.height; y++) {
    for (let x = 0; x < size.width; x++) {
      const a = at(mask, x, y) === 1;
      const b = inside(x + 0.5, y + 0.5);
      if (a && b) inter++;
      if (a || b) union++;
    }
  }
  return inter / union;
}

test('prototype masks reproduce a rectangle and a circle at original resolution (IoU >= 0.95)', () => {
  const rect = (x: number, y: number) => x >= 200 && x < 600 && y >= 100 && y < 500;
  const circle = (x: number, y: number) => (x - 900) ** 2 + (y - 360) ** 2 < 200 ** 2;
  for (const [inside, box] of [
    [rect, [150, 50, 700, 600]],
    [circle, [650, 100, 1150, 620]],
  ] as const) {
    const { protos, geometry } = shapePrototypes(inside);
    const mapping = letterboxProtoMapping(geometry, protos);
    const mask = protoMaskInBox(protos, [1, 0], box, geometry.original, mapping, 0.5);
    const iou = iouWithShape(mask, inside, geometry.original);
    assert.ok(iou >= 0.95, `IoU ${iou}`);
  }
});

test('prototype masks are cropped to the box by pixel centre', () => {
  const { protos, geometry } = shapePrototypes(() => true);
  const mapping = letterboxProtoMapping(geometry, protos);
  const mask = protoMaskInBox(protos, [1, 0], [100.7, 50, 200.2, 80], geometry.original, mapping, 0.5);
  assert.deepEqual([mask.x, mask.y, mask.width, mask.height], [100, 50, 101, 30]);
  assert.equal(count(mask), 99 * 30); // columns 101..199 (centres 101.5..199.5)
  assert.equal(at(mask, 100, 60), 0);
  assert.equal(at(mask, 101, 60), 1);
  assert.equal(at(mask, 200, 60), 0);
  // A higher threshold than every logit leaves nothing.
  assert.equal(count(protoMaskInBox(protos, [1, 0], [0, 0, 50, 50], geometry.original, mapping, 0.9999)), 0);
});

test('the proto mapping sends an original pixel centre to the proto cell under its input position', () => {
  const geometry = letterboxGeometry({ width: 1280, height: 720 }, { width: 640, height: 640 });
  const m = letterboxProtoMapping(geometry, { width: 160, height: 160 });
  const [ix, iy] = letterboxPointToInput(geometry, 400.5, 300.5);
  assert.ok(Math.abs((400.5 * m.scaleX + m.offsetX) - ix / 4) < 1e-9);
  assert.ok(Math.abs((300.5 * m.scaleY + m.offsetY) - iy / 4) < 1e-9);
});
