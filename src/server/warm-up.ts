// One inference on a small synthetic image before the server reports ready: it proves the
// session really runs (not just loads) and pays one-off costs (allocator, kernels) up front.
import { segment, type LoadedModel } from '../pipeline.js';
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
export async function warmUp(model: LoadedModel): Promise<number> {
  const started = performance.now();
  await segment(warmUpImage(), model);
  return performance.now() - started;
}
