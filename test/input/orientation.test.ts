// EXIF orientation: for each of the 8 tags, store the pixels the way a camera would (so that a
// viewer applying the tag shows `displayed`), then check the decoder hands back `displayed`.
// The stored layouts come from the EXIF definitions below, independent of sharp's own rotation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { decodeImage } from '../../src/input/decode.js';
import { maxDifference, patternRgb, pixelAt, type Pixels } from './image-fixtures.js';

/**
 * For a displayed pixel (x, y) of a Wd x Hd image, the stored pixel it comes from.
 * EXIF says where stored row 0 / column 0 appear on screen; e.g. 6 = "row 0 is the visual right
 * side, column 0 the visual top", i.e. the stored image must be turned 90 degrees clockwise.
 */
const STORED_FROM_DISPLAYED: Record<number, (x: number, y: number, wd: number, hd: number) => [number, number]> = {
  1: (x, y) => [x, y],
  2: (x, y, wd) => [wd - 1 - x, y],
  3: (x, y, wd, hd) => [wd - 1 - x, hd - 1 - y],
  4: (x, y, _wd, hd) => [x, hd - 1 - y],
  5: (x, y) => [y, x],
  6: (x, y, wd) => [y, wd - 1 - x],
  7: (x, y, wd, hd) => [hd - 1 - y, wd - 1 - x],
  8: (x, y, _wd, hd) => [hd - 1 - y, x],
};

function storedLayout(displayed: Pixels, orientation: number): Pixels {
  const { width: wd, height: hd } = displayed;
  const transposed = orientation >= 5;
  const width = transposed ? hd : wd;
  const height = transposed ? wd : hd;
  const data = new Uint8Array(displayed.data.length);
  for (let y = 0; y < hd; y++) {
    for (let x = 0; x < wd; x++) {
      const [sx, sy] = STORED_FROM_DISPLAYED[orientation](x, y, wd, hd);
      data.set(displayed.data.subarray((y * wd + x) * 3, (y * wd + x) * 3 + 3), (sy * width + sx) * 3);
    }
  }
  return { data, width, height, channels: 3 };
}

function encodeWithOrientation(stored: Pixels, orientation: number): Sharp {
  return sharp(stored.data, { raw: { width: stored.width, height: stored.height, channels: 3 } }).withMetadata({ orientation });
}

/** Scales each pixel to a block x block square so lossy JPEG keeps each colour at block centres. */
function blocks(image: Pixels, block: number): Pixels {
  const width = image.width * block;
  const height = image.height * block;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (Math.floor(y / block) * image.width + Math.floor(x / block)) * 3;
      data.set(image.data.subarray(from, from + 3), (y * width + x) * 3);
    }
  }
  return { data, width, height, channels: 3 };
}

const displayed = patternRgb(5, 3); // asymmetric: every pixel distinct, width != height

describe('EXIF orientation is applied (PNG, lossless)', () => {
  for (let orientation = 1; orientation <= 8; orientation++) {
    it(`orientation ${orientation} decodes to the displayed frame`, async () => {
      const stored = storedLayout(displayed, orientation);
      const bytes = await encodeWithOrientation(stored, orientation).png().toBuffer();
      assert.equal((await sharp(bytes).metadata()).orientation ?? 1, orientation, 'precondition: tag stored');
      const image = await decodeImage(bytes);
      assert.deepEqual([image.width, image.height], [5, 3]);
      assert.deepEqual(image.data, displayed.data);
      assert.equal(image.source.orientation, orientation);
    });
  }
});

describe('EXIF orientation is applied (JPEG, the camera case)', () => {
  const block = 8;
  for (let orientation = 1; orientation <= 8; orientation++) {
    it(`orientation ${orientation} decodes to the displayed frame`, async () => {
      const stored = blocks(storedLayout(displayed, orientation), block);
      const bytes = await encodeWithOrientation(stored, orientation).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
      const image = await decodeImage(bytes);
      assert.deepEqual([image.width, image.height], [5 * block, 3 * block]);
      assert.equal(image.source.orientation, orientation);
      for (let y = 0; y < 3; y++) {
        for (let x = 0; x < 5; x++) {
          const centre = pixelAt(image, x * block + block / 2, y * block + block / 2);
          const expected = Uint8Array.from(pixelAt(displayed, x, y));
          assert.ok(maxDifference(Uint8Array.from(centre), expected) <= 6, `pixel ${x},${y}: ${centre} vs ${[...expected]}`);
        }
      }
    });
  }
});
