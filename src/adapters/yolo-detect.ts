// Ultralytics YOLO detection exports: boxes only, no masks (input stage shared with yolo-seg:
// yolo-input.ts; decoding shared too: yolo-decode.ts with no mask coefficients).
//   output0 v8/v11   float [1, 4+nc, A]  cx,cy,w,h (input px), nc class scores
//           v5       float [1, A, 5+nc]  cx,cy,w,h, objectness, nc class scores
//           end2end  float [1, K, 6]     x1,y1,x2,y2, score, class id (export nms=True)
import { letterboxBoxesToOriginal, type LetterboxGeometry } from '../geometry/letterbox.js';
import type { SegmentOptions } from '../options.js';
import type { GraphInfo, Instances, ModelCard, Outputs } from '../types.js';
import type { FamilyAdapter, FamilyDefinition } from './adapter.js';
import { defaultCategoryIds } from './coco-classes.js';
import { cardCategoryIds, makeInstances } from './instances.js';
import { isFloatType } from './tensors.js';
import { decodePredictions, readYoloOutputs } from './yolo-decode.js';
import { ultralyticsTask, yoloClassNames, yoloImageInput, yoloInput } from './yolo-input.js';

function matches(graph: GraphInfo): boolean {
  const task = ultralyticsTask(graph);
  if (task !== undefined && task !== 'detect') return false;
  const [output] = graph.outputs;
  return graph.inputs.length === 1 && yoloImageInput(graph) !== undefined && graph.outputs.length === 1 && isFloatType(output.type) && output.dims.length === 3;
}

function create(graph: GraphInfo, card: ModelCard): FamilyAdapter<LetterboxGeometry> {
  const input = yoloInput(graph, card, 'YOLO detection');
  const classNames = yoloClassNames(graph, card, 0);
  const categoryIds = cardCategoryIds(card, classNames, () => defaultCategoryIds(classNames, false));

  function postprocess(outputs: Outputs, meta: LetterboxGeometry, options: SegmentOptions): Instances {
    const detections = decodePredictions(readYoloOutputs(outputs, classNames.length, { masks: false }), classNames, options);
    letterboxBoxesToOriginal(meta, detections.boxes);
    return makeInstances({ imageSize: meta.original, classNames, categoryIds, boxes: detections.boxes, scores: detections.scores, classIds: detections.classIds });
  }

  return Object.freeze({
    classNames,
    categoryIds,
    reservedClassIds: [],
    givesMasks: false,
    inputDescription: `${input.describe(classNames.length)}, boxes only`,
    preprocess: input.preprocess,
    postprocess,
  });
}

export const YOLO_DETECT: FamilyDefinition = Object.freeze({
  matches,
  create: create as (graph: GraphInfo, card: ModelCard) => FamilyAdapter,
});
