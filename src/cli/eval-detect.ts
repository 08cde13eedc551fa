// The model half of `maskserve eval`: segment every annotated image (the CLI's one batch runner)
// and turn the instances into detections carrying the annotation's image id. Masks stay run
// lengths: the evaluator reads them as they are, no string encoding and decoding in between.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CocoGroundTruth } from '../eval/coco-eval.js';
import type { SegmentOptions } from '../options.js';
import { toCocoDetections, type CocoDetection } from '../output/coco.js';
import type { ModelRef } from '../types.js';
import { runBatch } from './batch.js';
import { UsageError } from './exit-codes.js';
import type { InputProblem } from './predict-inputs.js';

export interface DetectRequest {
  readonly gt: CocoGroundTruth;
  readonly imagesDir: string;
  readonly model?: string;
  readonly family?: string;
  readonly options: SegmentOptions;
  /** The caller was asked for segm explicitly: a box-only model is refused before any image runs. */
  readonly needsMasks: boolean;
  readonly concurrency: number;
  readonly stderr: NodeJS.WriteStream;
}

export interface DetectOutcome {
  readonly model: ModelRef;
  /** The model's family gives boxes only (no masks in its detections). */
  readonly boxesOnly: boolean;
  readonly detections: CocoDetection[];
  readonly failures: InputProblem[];
}

export async function detectAnnotatedImages(request: DetectRequest): Promise<DetectOutcome> {
  const { gt, stderr } = request;
  const perImage: CocoDetection[][] = [];
  const { model, failures } = await runBatch({
    ...(request.model === undefined ? {} : { model: request.model }),
    ...(request.family === undefined ? {} : { family: request.family }),
    items: gt.images.map((image, position) => ({
      image,
      position,
      label: image.file_name ?? `image ${image.id}`,
      read: () => {
        if (!image.file_name) throw new Error(`image ${image.id} has no file_name in the annotations`);
        return readFile(join(request.imagesDir, image.file_name));
      },
    })),
    concurrency: request.concurrency,
    options: request.options,
    progress: 'eval',
    stderr,
    beforeImages: (loaded) => {
      if (request.needsMasks && !loaded.adapter.givesMasks) {
        throw new UsageError(`--iou-type segm needs masks and ${loaded.ref.id} (${loaded.ref.family}) gives boxes only; use --iou-type bbox`);
      }
    },
    accept: ({ image, position, label }, result) => {
      if (result.image.width !== image.width || result.image.height !== image.height) {
        // Boxes would be compared in different pixel grids: usually an EXIF rotation the annotations ignored.
        stderr.write(`maskserve: warning: ${label} decodes to ${result.image.width}x${result.image.height} but the annotations say ${image.width}x${image.height}\n`);
      }
      perImage[position] = toCocoDetections(result.instances, image.id);
    },
  });
  return { model: model.ref, boxesOnly: !model.adapter.givesMasks, detections: perImage.flatMap((rows) => rows ?? []), failures };
}
