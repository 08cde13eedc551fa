// Compare a pipeline BinaryMask with an analytic expected shape over the whole image.
import type { BinaryMask, Size } from '../../src/types.js';

/** Pixel (x, y) is inside the expected shape when its centre (x + 0.5, y + 0.5) is. */
export type ShapeTest = (cx: number, cy: number) => boolean;

export function rectShape(x1: number, y1: number, x2: number, y2: number): ShapeTest {
  return (x, y) => x >= x1 && x < x2 && y >= y1 && y < y2;
}

export function discShape(cx: number, cy: number, r: number): ShapeTest {
  return (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** Intersection over union between a box-local mask and an analytic shape on the full image. */
export function maskIou(mask: BinaryMask, expected: ShapeTest, image: Size): number {
  let intersection = 0;
  let union = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const inMask = x >= mask.x && x < mask.x + mask.width && y >= mask.y && y < mask.y + mask.height
        ? mask.data[(y - mask.y) * mask.width + (x - mask.x)] === 1
        : false;
      const inExpected = expected(x + 0.5, y + 0.5);
      if (inMask && inExpected) intersection++;
      if (inMask || inExpected) union++;
    }
  }
  return union === 0 ? 1 : intersection / union;
}
