// What the download buttons save, built in the browser from the instances currently shown, so a
// file always matches what the user sees: result JSON (same contract as the API) and COCO results.
import type { CocoResult, ResultInstance, ResultJson } from './types.js';

/** The result JSON restricted to `instances`, with `counts` recomputed to match them. */
export function filteredResultJson(result: ResultJson, instances: readonly ResultInstance[]): ResultJson {
  const counts: Record<string, number> = {};
  for (const instance of instances) counts[instance.label] = (counts[instance.label] ?? 0) + 1;
  return { ...result, instances: [...instances], counts };
}

/**
 * COCO results rows (pycocotools loadRes format). category_id comes from the model's mapping as
 * GET /api/v1/models lists it; without a model it is the class id.
 */
export function cocoResults(instances: readonly ResultInstance[], categoryIds: readonly number[] = [], imageId = 1): CocoResult[] {
  // The UI always asks for RLE, so a row lacks a segmentation only for a box-only model (bbox results).
  return instances.map((instance) => ({
    image_id: imageId,
    category_id: categoryIds[instance.classId] ?? instance.classId,
    bbox: instance.bbox,
    score: instance.score,
    ...(instance.mask === undefined ? {} : { segmentation: instance.mask }),
  }));
}

/** "holiday photo.JPG" -> "holiday photo"; used to name the downloads after the input. */
export function baseName(name: string): string {
  const last = name.split(/[/\\]/).pop() ?? '';
  const stem = last.replace(/\.[^.]*$/, '').replace(/[^\w .-]+/g, '_').trim();
  return stem === '' ? 'image' : stem.slice(0, 80);
}
