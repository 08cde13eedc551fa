// One inference on a small synthetic image before the server reports ready: it proves the
// session really runs (not just loads) and pays one-off costs (allocator, kernels, the pixel
// pool's threads loading their code) up front, so the first real request does not.
import { DEFAULT_OPTIONS } from '../options.js';
import { segment, type LoadedModel } from '../pipeline.js';
import type { PixelWork } from '../pixels/work.js';
import type { RawImage } from '../types.js';

const WARM_UP_SIDE = 64;

/** A mid-grey square with a lighter block, so preprocessing sees a non-constant image. */
export function warmUpImage(side = WARM_UP_SIDE): RawImage {
  const data = new Uint8Array(side * side * 3).fill(128);
  for (let y = side / 4; y < (3 * side) / 4; y++) {
    for (let x = side / 4; x < (3 * side) / 4; x++) data.fill(200, (y * side + x) * 3, (y * side + x) * 3 + 3);
  }
  return { data, width: side, height: side, source: { format: 'png', orientation: 1, bytes: data.byteLength } };
}

/** Resolves with the warm-up time in ms; rejects with the model's error if it cannot run. */
export async function warmUp(model: LoadedModel, pixels: PixelWork): Promise<number> {
  const started = performance.now();
  const result = await segment(warmUpImage(), model, DEFAULT_OPTIONS, { pixels });
  await pixels.encode('json', result, { maskFormat: 'rle', imageId: 0 });
  return performance.now() - started;
}
