// Deterministic test data for the output tests (no Math.random: failures must reproduce).
import { makeInstances as makeFamilyInstances } from '../../src/adapters/instances.js';
import type { BinaryMask, Instances, Size } from '../../src/types.js';

/** mulberry32: tiny seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random box inside the image filled with random bits of the given density. */
export function randomMask(random: () => number, image: Size, density: number): BinaryMask {
  const x = Math.floor(random() * image.width);
  const y = Math.floor(random() * image.height);
  const width = 1 + Math.floor(random() * (image.width - x));
  const height = 1 + Math.floor(random() * (image.height - y));
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = random() < density ? 1 : 0;
  return { x, y, width, height, data };
}

/** A mask from ASCII art: '#' is inside, anything else outside. */
export function maskFromArt(x: number, y: number, rows: readonly string[]): BinaryMask {
  const width = rows[0]?.length ?? 0;
  const data = new Uint8Array(width * rows.length);
  rows.forEach((row, r) => {
    for (let c = 0; c < width; c++) data[r * width + c] = row[c] === '#' ? 1 : 0;
  });
  return { x, y, width, height: rows.length, data };
}

export interface FakeInstance {
  box: [number, number, number, number]; // x1, y1, x2, y2
  score: number;
  classId: number;
  mask: BinaryMask;
}

/** Builds an Instances value (parallel arrays, sorted by score as families hand them on) from a readable list of detections. */
export function makeInstances(
  imageSize: Size,
  list: readonly FakeInstance[],
  classNames: readonly string[] = ['background', 'person', 'car', 'dog'],
  categoryIds: readonly number[] = [0, 1, 3, 18],
): Instances {
  return makeFamilyInstances({
    imageSize,
    classNames,
    categoryIds,
    boxes: Float32Array.from(list.flatMap((item) => item.box)),
    scores: Float32Array.from(list.map((item) => item.score)),
    classIds: Int32Array.from(list.map((item) => item.classId)),
    masks: list.map((item) => item.mask),
  });
}

/** A filled rectangle mask covering the box [x1, x2) x [y1, y2). */
export function rectMask(x1: number, y1: number, x2: number, y2: number): BinaryMask {
  const width = x2 - x1;
  const height = y2 - y1;
  return { x: x1, y: y1, width, height, data: new Uint8Array(width * height).fill(1) };
}

/** A filled ellipse inscribed in the box [x1, x2) x [y1, y2), tested at pixel centres. */
export function ellipseMask(x1: number, y1: number, x2: number, y2: number): BinaryMask {
  const width = x2 - x1;
  const height = y2 - y1;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = (x + 0.5 - width / 2) / (width / 2);
      const v = (y + 0.5 - height / 2) / (height / 2);
      data[y * width + x] = u * u + v * v <= 1 ? 1 : 0;
    }
  }
  return { x: x1, y: y1, width, height, data };
}
