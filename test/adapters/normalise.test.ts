// The normalisation stage every family shares: channel order, mean and std, and where the image
// sits in the network input (top-left with zero padding after normalisation, as detectron2 pads;
// or placed with a pixel value before it, as Ultralytics' letterbox pads with 114).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalisedPlanes } from '../../src/adapters/normalise.js';

// A 2x1 image: red, then blue.
const RGB = Uint8Array.of(255, 0, 0, 0, 0, 255);
const SIZE = { width: 2, height: 1 };

test('top-left, zero padding after normalisation, BGR minus mean', () => {
  const planes = normalisedPlanes(RGB, SIZE, { width: 3, height: 2 }, { channelOrder: 'BGR', mean: [10, 20, 30], std: [1, 1, 1] });
  // Plane 0 is blue: 0 - 10, 255 - 10, then padding 0.
  assert.deepEqual([...planes.subarray(0, 6)], [-10, 245, 0, 0, 0, 0]);
  assert.deepEqual([...planes.subarray(12, 18)], [225, -30, 0, 0, 0, 0], 'plane 2 is red');
});

test('placed at (left, top), padding with a pixel value before normalisation (RGB / 255)', () => {
  const unit = { channelOrder: 'RGB', mean: [0, 0, 0], std: [255, 255, 255] } as const;
  const planes = normalisedPlanes(RGB, SIZE, { width: 4, height: 3 }, unit, { left: 1, top: 1, padPixel: 114 });
  const pad = Math.fround(114 / 255);
  assert.deepEqual([...planes.subarray(0, 12)], [pad, pad, pad, pad, pad, 1, 0, pad, pad, pad, pad, pad], 'red plane');
  assert.deepEqual([...planes.subarray(24, 36)], [pad, pad, pad, pad, pad, 0, 1, pad, pad, pad, pad, pad], 'blue plane');
});
