// Ultralytics YOLO segmentation exports (input stage shared with yolo-detect: yolo-input.ts):
//   output0 v8/v11  float [1, 4+nc+nm, A]  cx,cy,w,h (input px), nc sigmoid class scores, nm coeffs
//           v5      float [1, A, 5+nc+nm]  cx,cy,w,h, objectness, nc class scores, nm coeffs
//   output1 protos  float [1, nm, S/4, S/4]
// Metadata (names, imgsz, stride, task) comes from Ultralytics' metadata_props; the card overrides.
import { MaskserveError } from '../errors.js';
import { letterboxBoxesToOriginal, type LetterboxGeometry } from '../geometry/letterbox.js';
import { letterboxProtoMapping, protoMaskInBox } from '../geometry/masks.js';
import type { SegmentOptions } from '../options.js';
import type { BinaryMask, GraphInfo, Instances, ModelCard, Outputs } from '../types.js';
import type { FamilyAdapter, FamilyDefinition } from './adapter.js';
import { defaultCategoryIds } from './coco-classes.js';
import { cardCategoryIds, makeInstances } from './instances.js';
import { isFloatType, staticDim } from './tensors.js';
import { decodePredictions, readYoloOutputs } from './yolo-decode.js';
import { ultralyticsTask, yoloClassNames, yoloImageInput, yoloInput } from './yolo-input.js';

export type YoloSegMeta = LetterboxGeometry;

function matches(graph: GraphInfo): boolean {
  const task = ultralyticsTask(graph);
  if (task !== undefined && task !== 'segment') return false;
  const preds = graph.outputs.filter((o) => isFloatType(o.type) && o.dims.length === 3);
  const protos = graph.outputs.filter((o) => isFloatType(o.type) && o.dims.length === 4);
  return graph.inputs.length === 1 && yoloImageInput(graph) !== undefined && preds.length === 1 && protos.length === 1 && graph.outputs.length === 2;
}

function create(graph: GraphInfo, card: ModelCard): FamilyAdapter<YoloSegMeta> {
  const task = ultralyticsTask(graph);
  if (task !== undefined && task !== 'segment') {
    const hint = task === 'detect' ? ' (for boxes only, use --family yolo-detect)' : '';
    throw new MaskserveError('MODEL_FORMAT', `This Ultralytics model is a "${task}" model; the yolo-seg family needs a segmentation ("segment") model${hint}`);
  }
  const input = yoloInput(graph, card, 'YOLO-seg');
  // nm, the mask coefficients per anchor, is the prototypes' channel count.
  const classNames = yoloClassNames(graph, card, staticDim(graph.outputs.find((o) => o.dims.length === 4)?.dims[1]));
  const categoryIds = cardCategoryIds(card, classNames, () => defaultCategoryIds(classNames, false));

  function postprocess(outputs: Outputs, meta: YoloSegMeta, options: SegmentOptions): Instances {
    const yolo = readYoloOutputs(outputs, classNames.length, { masks: true });
    const protos = yolo.protos;
    if (protos === undefined) throw new MaskserveError('INTERNAL', 'YOLO-seg outputs read without prototypes');
    const detections = decodePredictions(yolo, classNames, options);
    letterboxBoxesToOriginal(meta, detections.boxes);
    const mapping = letterboxProtoMapping(meta, { width: protos.width, height: protos.height });
    const masks: BinaryMask[] = [];
    for (let k = 0; k < detections.scores.length; k++) {
      const box = detections.boxes.subarray(k * 4, k * 4 + 4);
      const coeffs = detections.coefficients.subarray(k * protos.channels, (k + 1) * protos.channels);
      masks.push(protoMaskInBox(protos, coeffs, box, meta.original, mapping, options.maskThreshold));
    }
    return makeInstances({ imageSize: meta.original, classNames, categoryIds, boxes: detections.boxes, scores: detections.scores, classIds: detections.classIds, masks });
  }

  return Object.freeze({
    classNames,
    categoryIds,
    reservedClassIds: [],
    givesMasks: true,
    inputDescription: input.describe(classNames.length),
    preprocess: input.preprocess,
    postprocess,
  });
}

export const YOLO_SEG: FamilyDefinition = Object.freeze({
  matches,
  create: create as (graph: GraphInfo, card: ModelCard) => FamilyAdapter,
});
