// The model half of `maskserve eval`: segment every annotated image and turn the instances into
// COCO result rows carrying the annotation's image id.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CocoGroundTruth, DetectionInput } from '../eval/coco-eval.js';
import { resolveModelSpec } from '../models/resolve.js';
import type { SegmentOptions } from '../options.js';
import { toCocoResults } from '../output/coco.js';
import { loadModel, segment } from '../pipeline.js';
import { createInferencePool, defaultRuntimeOptions } from '../runtime/worker-pool.js';
import type { ModelRef } from '../types.js';
import { describeError } from './exit-codes.js';
import type { InputProblem } from './predict-inputs.js';
import { createItemProgress } from './progress.js';

export interface DetectRequest {
  readonly gt: CocoGroundTruth;
  readonly imagesDir: string;
  readonly model?: string;
  readonly family?: string;
  readonly options: SegmentOptions;
  readonly concurrency: number;
  readonly stderr: NodeJS.WriteStream;
}

export interface DetectOutcome {
  readonly model: ModelRef;
  readonly detections: DetectionInput[];
  readonly failures: InputProblem[];
}

export async function detectAnnotatedImages(request: DetectRequest): Promise<DetectOutcome> {
  const { gt, stderr } = request;
  await resolveModelSpec(request.model); // fail fast (exit 3) before starting workers
  const pool = createInferencePool({ maxQueue: Math.max(request.concurrency, defaultRuntimeOptions().maxQueue) });
  try {
    const model = await loadModel(request.model, { pool, ...(request.family ? { family: request.family } : {}) });
    const progress = createItemProgress('eval', gt.images.length, stderr);
    const perImage: DetectionInput[][] = [];
    const failures: InputProblem[] = [];
    let next = 0;
    const lane = async () => {
      while (next < gt.images.length) {
        const index = next++;
        const image = gt.images[index];
        const label = image.file_name ?? `image ${image.id}`;
        try {
          if (!image.file_name) throw new Error(`image ${image.id} has no file_name in the annotations`);
          const bytes = await readFile(join(request.imagesDir, image.file_name));
          const result = await segment(bytes, model, request.options);
          if (result.image.width !== image.width || result.image.height !== image.height) {
            // Boxes would be compared in different pixel grids: usually an EXIF rotation the annotations ignored.
            stderr.write(
              `maskserve: warning: ${label} decodes to ${result.image.width}x${result.image.height} but the annotations say ${image.width}x${image.height}\n`,
            );
          }
          perImage[index] = toCocoResults(result.instances, image.id);
          progress.tick(label, true);
        } catch (error) {
          failures.push({ label, reason: describeError(error) });
          progress.tick(label, false);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(request.concurrency, gt.images.length) }, lane));
    progress.stop();
    return { model: model.ref, detections: perImage.flatMap((rows) => rows ?? []), failures };
  } finally {
    await pool.close();
  }
}
