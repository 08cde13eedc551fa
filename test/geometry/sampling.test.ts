// The run-based row filler must give exactly what per-pixel bilinear sampling gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pasteMaskInBox, protoMaskInBox } from '../../src/geometry/masks.js';

/** Small deterministic PRNG so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** grid_sample(bilinear, zeros, align_corners=False) at one pixel centre, the naive way. */
function naivePaste(probs: Float32Array, m: number, box: number[], x: number, y: number): number {
  const ix = ((x + 0.5 - box[0]) / (box[2] - box[0])) * m - 0.5;
  const iy = ((y + 0.5 - box[1]) / (box[3] - box[1])) * m - 0.5;
  const x0 = Math.floor(ix);
  const y0 = Math.floor(iy);
  const get = (cx: number, cy: number) => (cx >= 0 && cy >= 0 && cx < m && cy < m ? probs[cy * m + cx] : 0);
  const fx = ix - x0;
  const fy = iy - y0;
  return (get(x0, y0) * (1 - fx) + get(x0 + 1, y0) * fx) * (1 - fy) + (get(x0, y0 + 1) * (1 - fx) + get(x0 + 1, y0 + 1) * fx) * fy;
}

test('pasteMaskInBox equals naive per-pixel grid_sample on random masks and boxes', () => {
  const next = random(7);
  const size = { width: 120, height: 90 };
  for (let trial = 0; trial < 40; trial++) {
    const m = 28;
    // Smooth-ish random field so there are real crossings inside runs.
    const probs = Float32Array.from({ length: m * m }, (_, i) => 0.5 + 0.5 * Math.sin((i % m) * next() + Math.floor(i / m) * next()));
    const x1 = next() * 100 - 10;
    const y1 = next() * 80 - 10;
    const box = [x1, y1, x1 + 2 + next() * 80, y1 + 2 + next() * 60];
    const mask = pasteMaskInBox(probs, m, m, box, size, 0.5);
    for (let y = mask.y; y < mask.y + mask.height; y++) {
      for (let x = mask.x; x < mask.x + mask.width; x++) {
        const expected = naivePaste(probs, m, box, x, y);
        if (Math.abs(expected - 0.5) < 1e-5) continue; // float-order ties
        assert.equal(mask.data[(y - mask.y) * mask.width + x - mask.x], expected >= 0.5 ? 1 : 0, `trial ${trial} at ${x},${y}`);
      }
    }
  }
});

test('protoMaskInBox equals naive per-pixel sampling of the logits', () => {
  const next = random(11);
  const nm = 3;
  const p = 20;
  const protos = Float32Array.from({ length: nm * p * p }, (_, i) => Math.sin(i * 0.37) * 2 + Math.cos(i * 0.11));
  const mapping = { scaleX: 0.13, offsetX: 1.5, scaleY: 0.11, offsetY: 2.25 };
  const size = { width: 150, height: 160 };
  for (let trial = 0; trial < 30; trial++) {
    const coeffs = [next() - 0.5, next() - 0.5, next() - 0.5];
    const x1 = next() * 140;
    const y1 = next() * 150;
    const box = [x1, y1, x1 + 1 + next() * 60, y1 + 1 + next() * 60];
    const mask = protoMaskInBox({ data: protos, channels: nm, width: p, height: p }, coeffs, box, size, mapping, 0.5);
    const logit = (cx: number, cy: number) => coeffs.reduce((sum, c, k) => sum + c * protos[k * p * p + cy * p + cx], 0);
    for (let y = mask.y; y < mask.y + mask.height; y++) {
      for (let x = mask.x; x < mask.x + mask.width; x++) {
        const inBox = x + 0.5 >= box[0] && x + 0.5 <= box[2] && y + 0.5 >= box[1] && y + 0.5 <= box[3];
        const px = Math.min(Math.max((x + 0.5) * mapping.scaleX + mapping.offsetX - 0.5, 0), p - 1);
        const py = Math.min(Math.max((y + 0.5) * mapping.scaleY + mapping.offsetY - 0.5, 0), p - 1);
        const x0 = Math.floor(px);
        const y0 = Math.floor(py);
        const x1i = Math.min(x0 + 1, p - 1);
        const y1i = Math.min(y0 + 1, p - 1);
        const fx = px - x0;
        const fy = py - y0;
        const v = (logit(x0, y0) * (1 - fx) + logit(x1i, y0) * fx) * (1 - fy) + (logit(x0, y1i) * (1 - fx) + logit(x1i, y1i) * fx) * fy;
        if (Math.abs(v) < 1e-5) continue;
        assert.equal(mask.data[(y - mask.y) * mask.width + x - mask.x], inBox && v > 0 ? 1 : 0, `trial ${trial} at ${x},${y}`);
      }
    }
  }
});
