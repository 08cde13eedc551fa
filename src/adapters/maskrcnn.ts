// The ONNX Model Zoo Mask R-CNN R-50-FPN contract (and anything exported to it, e.g. detectron2
// checkpoints converted by `maskserve models convert`):
//   input  image  float [3, H, W]  BGR 0..255 minus mean, short side 800 / long <= 1333, zero-padded to 32
//          (channel order, mean, std, resize rule and padding can be set by the card or metadata)
//   outputs boxes float [N, 4] xyxy input px | labels int64 [N] (1-based) | scores float [N]
//           masks float [N, 1, M, M] probabilities inside each box
// Outputs are told apart by dtype and shape, never by name (exporters rename them freely).
import { MaskserveError } from '../errors.js';
import { resizeToShortSide, shortSideBoxesToOriginal, type ShortSideGeometry, type ShortSideRule } from '../geometry/letterbox.js';
import { pasteMaskInBox } from '../geometry/masks.js';
import { argsortDescending, nms } from '../geometry/nms.js';
import type { SegmentOptions } from '../options.js';
import type { BinaryMask, GraphInfo, Instances, ModelCard, Outputs, RawImage, TensorData } from '../types.js';
import type { FamilyAdapter, FamilyDefinition } from './adapter.js';
import { COCO_ZOO_CLASSES, defaultCategoryIds } from './coco-classes.js';
import { cardCategoryIds, cardClasses, classFilter, makeInstances, positiveSetting } from './instances.js';
import { describeNormalisation, normalisedPlanes, pixelNormalisation, resizeSettings, type PixelNormalisation } from './normalise.js';
import {
  checkedLength,
  describeGraph,
  describeOutputs,
  dimFits,
  floatData,
  integerData,
  isFloatType,
  isIntegerType,
  metadataValue,
  staticDim,
} from './tensors.js';

/** Caffe2/detectron BGR pixel means the zoo model was trained with. */
export const MASKRCNN_BGR_MEAN: readonly [number, number, number] = Object.freeze([102.9801, 115.9465, 122.7717]) as readonly [number, number, number];

export type MaskRcnnMeta = ShortSideGeometry;

/** Label 0 is the background: never a detection, never a class to filter on. */
const BACKGROUND: readonly number[] = Object.freeze([0]);

function outputsMatch(graph: GraphInfo): boolean {
  const outs = graph.outputs;
  const has = (test: (o: (typeof outs)[number]) => boolean) => outs.some(test);
  return (
    has((o) => isFloatType(o.type) && o.dims.length === 2 && dimFits(o.dims[1], 4)) &&
    has((o) => isIntegerType(o.type) && o.dims.length === 1) &&
    has((o) => isFloatType(o.type) && o.dims.length === 1) &&
    has((o) => isFloatType(o.type) && o.dims.length === 4 && dimFits(o.dims[1], 1))
  );
}

function imageInput(graph: GraphInfo) {
  return graph.inputs.find((i) => isFloatType(i.type) && i.dims.length === 3 && dimFits(i.dims[0], 3));
}

function matches(graph: GraphInfo): boolean {
  return graph.inputs.length === 1 && imageInput(graph) !== undefined && outputsMatch(graph);
}

function metadataClasses(graph: GraphInfo): readonly string[] | undefined {
  const text = metadataValue(graph, 'maskserve.classes');
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length < 2 || !parsed.every((c) => typeof c === 'string')) {
    throw new MaskserveError('MODEL_FORMAT', 'Model metadata "maskserve.classes" must be a JSON array of class names (background first)');
  }
  return Object.freeze(parsed as string[]);
}

/** The zoo's defaults: BGR minus the Caffe2 means, OpenCV-style bilinear, sizes truncated. */
const ZOO_NORMALISATION: PixelNormalisation = Object.freeze({ channelOrder: 'BGR', mean: MASKRCNN_BGR_MEAN, std: Object.freeze([1, 1, 1]) as readonly [number, number, number] });
const ZOO_RESIZE = Object.freeze({ interpolation: 'bilinear', rounding: 'floor' } as const);

interface RcnnOutputs {
  boxes: Float32Array;
  labels: Int32Array;
  scores: Float32Array;
  masks: Float32Array;
  maskW: number;
  maskH: number;
  /** Values per detection in the masks tensor; channel 0 is the mask ([N, 1, M, M]). */
  maskStride: number;
}

/** Finds the four outputs by dtype and rank; checks they agree on N. */
function readOutputs(outputs: Outputs): RcnnOutputs {
  let boxes: TensorData | undefined;
  let labels: TensorData | undefined;
  let scores: TensorData | undefined;
  let masks: TensorData | undefined;
  for (const t of Object.values(outputs)) {
    if (isFloatType(t.type) && t.dims.length === 2 && t.dims[1] === 4) boxes ??= t;
    else if (isIntegerType(t.type) && t.dims.length === 1) labels ??= t;
    else if (isFloatType(t.type) && t.dims.length === 1) scores ??= t;
    else if (isFloatType(t.type) && t.dims.length === 4) masks ??= t;
  }
  if (!boxes || !labels || !scores || !masks) {
    throw new MaskserveError(
      'MODEL_FORMAT',
      `Mask R-CNN outputs not recognised (need float [N,4], int64 [N], float [N], float [N,1,M,M]); got ${describeOutputs(outputs)}`,
    );
  }
  const n = scores.dims[0];
  for (const [t, what] of [[boxes, 'boxes'], [labels, 'labels'], [scores, 'scores'], [masks, 'masks']] as const) {
    checkedLength(t, what);
    if (t.dims[0] !== n) throw new MaskserveError('MODEL_FORMAT', `Mask R-CNN outputs disagree on N: ${describeOutputs(outputs)}`);
  }
  return {
    boxes: floatData(boxes, 'boxes'),
    labels: integerData(labels, 'labels'),
    scores: floatData(scores, 'scores'),
    masks: floatData(masks, 'masks'),
    maskH: masks.dims[2],
    maskW: masks.dims[3],
    maskStride: masks.dims[1] * masks.dims[2] * masks.dims[3],
  };
}

function create(graph: GraphInfo, card: ModelCard): FamilyAdapter<MaskRcnnMeta> {
  const input = imageInput(graph);
  if (input === undefined) {
    throw new MaskserveError('MODEL_FORMAT', `A Mask R-CNN model needs one float [3,H,W] image input (${describeGraph(graph)})`);
  }
  const inputName = input.name;
  const classNames = cardClasses(card) ?? metadataClasses(graph) ?? COCO_ZOO_CLASSES;
  const categoryIds = cardCategoryIds(card, classNames, () => defaultCategoryIds(classNames, true));
  const minSize = positiveSetting(card.minSize, metadataValue(graph, 'maskserve.min_size'), 800, 'minSize');
  const maxSize = positiveSetting(card.maxSize, metadataValue(graph, 'maskserve.max_size'), 1333, 'maxSize');
  const divisor = positiveSetting(undefined, metadataValue(graph, 'maskserve.size_divisible'), 32, 'size_divisible');
  const normalisation = pixelNormalisation(card, graph, ZOO_NORMALISATION);
  const { interpolation, rounding } = resizeSettings(card, graph, ZOO_RESIZE);
  const fixedHeight = staticDim(input.dims[1]);
  const fixedWidth = staticDim(input.dims[2]);
  const fixed = fixedHeight !== undefined && fixedWidth !== undefined ? { width: fixedWidth, height: fixedHeight } : undefined;
  const rule: ShortSideRule = Object.freeze({ minSize, maxSize, divisor, rounding, interpolation, ...(fixed === undefined ? {} : { fixed }) });

  function preprocess(image: RawImage) {
    const { data: rgb, geometry } = resizeToShortSide(image, rule);
    const { padded } = geometry;
    const data = normalisedPlanes(rgb, geometry.resized, padded, normalisation);
    return { feeds: { [inputName]: { type: 'float32' as const, dims: [3, padded.height, padded.width], data } }, meta: geometry };
  }

  function postprocess(outputs: Outputs, meta: MaskRcnnMeta, options: SegmentOptions): Instances {
    const out = readOutputs(outputs);
    const allowed = classFilter(classNames, options.classes, BACKGROUND);
    const kept: number[] = [];
    for (let i = 0; i < out.scores.length; i++) {
      const label = out.labels[i];
      if (label < 0 || label >= classNames.length) {
        throw new MaskserveError('MODEL_FORMAT', `Model returned label ${label} but only ${classNames.length} class names are known; set "classes" in the model card`);
      }
      if (out.scores[i] >= options.threshold && (allowed === undefined || allowed[label] === 1)) kept.push(i);
    }
    const sorted = Array.from(argsortDescending(kept.map((i) => out.scores[i])), (k) => kept[k]);
    const scaled = new Float32Array(sorted.length * 4);
    sorted.forEach((i, k) => scaled.set(out.boxes.subarray(i * 4, i * 4 + 4), k * 4));
    shortSideBoxesToOriginal(meta, scaled);
    // detectron2's detector_postprocess: boxes empty after scaling and clipping are dropped.
    const byScore: number[] = [];
    const nonEmpty = new Float32Array(scaled.length);
    sorted.forEach((i, k) => {
      const box = scaled.subarray(k * 4, k * 4 + 4);
      if (!(box[2] > box[0] && box[3] > box[1])) return;
      nonEmpty.set(box, byScore.length * 4);
      byScore.push(i);
    });
    const boxes = nonEmpty.subarray(0, byScore.length * 4);
    const order = options.agnosticNms
      ? Array.from(nms(boxes, byScore.map((i) => out.scores[i]), options.iou, { maxDetections: options.maxDetections }))
      : byScore.slice(0, options.maxDetections).map((_, k) => k);
    const maskSize = out.maskW * out.maskH;
    const stride = out.maskStride;
    const finalBoxes = new Float32Array(order.length * 4);
    const masks: BinaryMask[] = [];
    order.forEach((k, j) => {
      const box = boxes.subarray(k * 4, k * 4 + 4);
      finalBoxes.set(box, j * 4);
      const i = byScore[k];
      masks.push(pasteMaskInBox(out.masks.subarray(i * stride, i * stride + maskSize), out.maskW, out.maskH, box, meta.original, options.maskThreshold));
    });
    return makeInstances({
      imageSize: meta.original,
      classNames,
      categoryIds,
      boxes: finalBoxes,
      scores: Float32Array.from(order, (k) => out.scores[byScore[k]]),
      classIds: Int32Array.from(order, (k) => out.labels[byScore[k]]),
      masks,
    });
  }

  return Object.freeze({
    classNames,
    categoryIds,
    reservedClassIds: BACKGROUND,
    givesMasks: true,
    inputDescription: fixed
      ? `${describeNormalisation(normalisation)}, short side ${minSize}, long side <= ${maxSize}, fitted and zero-padded to ${fixed.width}x${fixed.height}`
      : `${describeNormalisation(normalisation)}, short side ${minSize}, long side <= ${maxSize}${divisor > 1 ? `, zero-padded to multiples of ${divisor}` : ''}`,
    preprocess,
    postprocess,
  });
}

export const MASKRCNN: FamilyDefinition = Object.freeze({
  matches,
  create: create as (graph: GraphInfo, card: ModelCard) => FamilyAdapter,
});
