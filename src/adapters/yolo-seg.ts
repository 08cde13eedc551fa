// Ultralytics YOLO segmentation exports:
//   input   images  float [1, 3, S, S]  RGB 0..1, centred letterbox, pad 114
//   output0 v8/v11  float [1, 4+nc+nm, A]  cx,cy,w,h (input px), nc sigmoid class scores, nm coeffs
//           v5      float [1, A, 5+nc+nm]  cx,cy,w,h, objectness, nc class scores, nm coeffs
//   output1 protos  float [1, nm, S/4, S/4]
// Metadata (names, imgsz, stride, task) comes from Ultralytics' metadata_props; the card overrides.
import { invalidParameter, MaskserveError } from '../errors.js';
import { letterboxBoxesToOriginal, letterboxGeometry, type LetterboxGeometry } from '../geometry/letterbox.js';
import { letterboxProtoMapping, protoMaskInBox } from '../geometry/masks.js';
import { resizeBilinearU8 } from '../geometry/resize.js';
import type { SegmentOptions } from '../options.js';
import type { BinaryMask, GraphInfo, Instances, ModelCard, Outputs, RawImage, Size } from '../types.js';
import type { FamilyAdapter, FamilyDefinition } from './adapter.js';
import { COCO_80_CLASSES, defaultCategoryIds } from './coco-classes.js';
import { cardCategoryIds, cardClasses, makeInstances, positiveSetting } from './instances.js';
import { parseImgsz, parseNamesLiteral, parsePositiveInteger } from './python-literal.js';
import { describeGraph, dimFits, isFloatType, metadataValue, staticDim } from './tensors.js';
import { decodePredictions, readYoloOutputs } from './yolo-decode.js';

export type YoloSegMeta = LetterboxGeometry;

const PAD_VALUE = 114;
/** uint8 -> [0, 1] in float32, as Ultralytics' im /= 255 does. */
const UNIT_SCALE = Float32Array.from({ length: 256 }, (_, v) => v / 255);

function imageInput(graph: GraphInfo) {
  return graph.inputs.find((i) => isFloatType(i.type) && i.dims.length === 4 && dimFits(i.dims[1], 3));
}

function matches(graph: GraphInfo): boolean {
  const task = metadataValue(graph, 'task');
  if (task !== undefined && task !== 'segment') return false;
  const preds = graph.outputs.filter((o) => isFloatType(o.type) && o.dims.length === 3);
  const protos = graph.outputs.filter((o) => isFloatType(o.type) && o.dims.length === 4);
  return graph.inputs.length === 1 && imageInput(graph) !== undefined && preds.length === 1 && protos.length === 1 && graph.outputs.length === 2;
}

/**
 * Network input size: static input dims (the graph accepts nothing else) > card imgsz >
 * metadata imgsz > 640.
 */
function inputSize(graph: GraphInfo, card: ModelCard): Size {
  const dims = imageInput(graph)?.dims ?? [];
  const height = staticDim(dims[2]);
  const width = staticDim(dims[3]);
  if (height !== undefined && width !== undefined) return { width, height };
  if (card.imgsz !== undefined) {
    const side = positiveSetting(card.imgsz, undefined, 640, 'model card imgsz');
    if (!Number.isInteger(side)) throw invalidParameter('a positive integer', 'model card imgsz', card.imgsz);
    return { width: side, height: side };
  }
  const imgsz = metadataValue(graph, 'imgsz');
  if (imgsz !== undefined) {
    const [h, w] = parseImgsz(imgsz);
    return { width: w, height: h };
  }
  return { width: 640, height: 640 };
}

/** Class names: card > metadata `names` > derived from static output dims (COCO when nc = 80). */
function classNamesOf(graph: GraphInfo, card: ModelCard): readonly string[] {
  const fromCard = cardClasses(card);
  if (fromCard) return fromCard;
  const names = metadataValue(graph, 'names');
  if (names !== undefined) return Object.freeze(parseNamesLiteral(names));
  const preds = graph.outputs.find((o) => o.dims.length === 3);
  const protos = graph.outputs.find((o) => o.dims.length === 4);
  const d1 = staticDim(preds?.dims[1]);
  const d2 = staticDim(preds?.dims[2]);
  const nm = staticDim(protos?.dims[1]);
  if (d1 !== undefined && d2 !== undefined && nm !== undefined) {
    // Without names, anchors outnumber channels: [1, C, A] is v8/v11, [1, A, C] is v5 (objectness).
    const nc = d1 < d2 ? d1 - 4 - nm : d2 - 5 - nm;
    if (nc === 80) return COCO_80_CLASSES;
    if (nc > 0) return Object.freeze(Array.from({ length: nc }, (_, i) => `class${i}`));
  }
  return COCO_80_CLASSES;
}

function create(graph: GraphInfo, card: ModelCard): FamilyAdapter<YoloSegMeta> {
  const input = imageInput(graph);
  if (input === undefined) throw new MaskserveError('MODEL_FORMAT', `YOLO-seg model needs a float [1,3,S,S] input (${describeGraph(graph)})`);
  const task = metadataValue(graph, 'task');
  if (task !== undefined && task !== 'segment') {
    throw new MaskserveError('MODEL_FORMAT', `This Ultralytics model is a "${task}" model; maskserve needs a segmentation ("segment") model`);
  }
  const inputName = input.name;
  const size = inputSize(graph, card);
  const classNames = classNamesOf(graph, card);
  const categoryIds = cardCategoryIds(card, classNames, () => defaultCategoryIds(classNames, false));
  const strideText = metadataValue(graph, 'stride');
  const stride =
    card.stride !== undefined
      ? positiveSetting(card.stride, undefined, 32, 'model card stride')
      : strideText === undefined
        ? 32
        : parsePositiveInteger(strideText, 'stride');

  function preprocess(image: RawImage) {
    const geometry = letterboxGeometry(image, size);
    const resized = resizeBilinearU8(image, geometry.resized);
    const { width: iw, height: ih } = size;
    const plane = iw * ih;
    // [1, 3, S_h, S_w] planes R, G, B in 0..1; padding 114/255.
    const data = new Float32Array(3 * plane).fill(UNIT_SCALE[PAD_VALUE]);
    const rw = geometry.resized.width;
    for (let y = 0; y < geometry.resized.height; y++) {
      for (let x = 0; x < rw; x++) {
        const src = (y * rw + x) * 3;
        const dst = (y + geometry.padTop) * iw + x + geometry.padLeft;
        data[dst] = UNIT_SCALE[resized[src]];
        data[plane + dst] = UNIT_SCALE[resized[src + 1]];
        data[2 * plane + dst] = UNIT_SCALE[resized[src + 2]];
      }
    }
    return { feeds: { [inputName]: { type: 'float32' as const, dims: [1, 3, ih, iw], data } }, meta: geometry };
  }

  function postprocess(outputs: Outputs, meta: YoloSegMeta, options: SegmentOptions): Instances {
    const yolo = readYoloOutputs(outputs, classNames.length);
    const detections = decodePredictions(yolo, classNames, options);
    letterboxBoxesToOriginal(meta, detections.boxes);
    const protoSize = { width: yolo.protos.width, height: yolo.protos.height };
    const mapping = letterboxProtoMapping(meta, protoSize);
    const masks: BinaryMask[] = [];
    for (let k = 0; k < detections.scores.length; k++) {
      const box = detections.boxes.subarray(k * 4, k * 4 + 4);
      const coeffs = detections.coefficients.subarray(k * yolo.protos.channels, (k + 1) * yolo.protos.channels);
      masks.push(protoMaskInBox(yolo.protos, coeffs, box, meta.original, mapping, options.maskThreshold));
    }
    return makeInstances({
      imageSize: meta.original,
      classNames,
      categoryIds,
      boxes: detections.boxes,
      scores: detections.scores,
      classIds: detections.classIds,
      masks,
    });
  }

  return Object.freeze({
    classNames,
    categoryIds,
    reservedClassIds: [],
    inputDescription: `RGB 0..1, letterbox ${size.width}x${size.height} (pad 114, stride ${stride}), ${classNames.length} classes`,
    preprocess,
    postprocess,
  });
}

export const YOLO_SEG: FamilyDefinition = Object.freeze({
  matches,
  create: create as (graph: GraphInfo, card: ModelCard) => FamilyAdapter,
});
