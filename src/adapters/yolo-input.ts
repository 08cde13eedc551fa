// The stages every Ultralytics YOLO export shares (yolo-seg, yolo-detect): the image input, its
// size, class names and stride from the card or Ultralytics' metadata_props, and the letterbox
// preprocess.
//   input   images  float [1, 3, S_h, S_w]  RGB 0..1, centred letterbox, pad 114
// The card can describe another normalisation (inputFormat, pixelMean, pixelStd: see normalise.ts).
import { invalidParameter, MaskserveError } from '../errors.js';
import { letterboxGeometry, type LetterboxGeometry } from '../geometry/letterbox.js';
import { resizeBilinearU8 } from '../geometry/resize.js';
import type { GraphInfo, ModelCard, RawImage, Size, ValueInfo } from '../types.js';
import type { Preprocessed } from './adapter.js';
import { COCO_80_CLASSES } from './coco-classes.js';
import { cardClasses, positiveSetting } from './instances.js';
import { describeNormalisation, normalisedPlanes, pixelNormalisation, type PixelNormalisation } from './normalise.js';
import { parseImgsz, parseNamesLiteral, parsePositiveInteger } from './python-literal.js';
import { describeGraph, dimFits, isFloatType, metadataValue, staticDim } from './tensors.js';

/** Ultralytics' letterbox padding, a uint8 grey. */
export const PAD_PIXEL = 114;
/** uint8 RGB -> [0, 1], as Ultralytics' `im /= 255` does. */
export const ULTRALYTICS_NORMALISATION: PixelNormalisation = Object.freeze({
  channelOrder: 'RGB',
  mean: Object.freeze([0, 0, 0]) as readonly [number, number, number],
  std: Object.freeze([255, 255, 255]) as readonly [number, number, number],
});

export function yoloImageInput(graph: GraphInfo): ValueInfo | undefined {
  return graph.inputs.find((i) => isFloatType(i.type) && i.dims.length === 4 && dimFits(i.dims[1], 3));
}

/** Ultralytics' `task` metadata, when the export wrote one ("segment", "detect", "pose", ...). */
export function ultralyticsTask(graph: GraphInfo): string | undefined {
  return metadataValue(graph, 'task');
}

/**
 * Network input size: static input dims (the graph accepts nothing else) > card imgsz >
 * metadata imgsz > 640.
 */
function inputSize(graph: GraphInfo, card: ModelCard): Size {
  const dims = yoloImageInput(graph)?.dims ?? [];
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

/**
 * Class names: card > metadata `names` > counted from the head's static dims, given the `nm` mask
 * coefficients per anchor the family's head carries (0 for detection): COCO when nc = 80.
 */
export function yoloClassNames(graph: GraphInfo, card: ModelCard, nm: number | undefined): readonly string[] {
  const fromCard = cardClasses(card);
  if (fromCard) return fromCard;
  const names = metadataValue(graph, 'names');
  if (names !== undefined) return Object.freeze(parseNamesLiteral(names));
  const nc = headClassCount(graph, nm);
  if (nc === 80 || nc === undefined || nc <= 0) return COCO_80_CLASSES;
  return Object.freeze(Array.from({ length: nc }, (_, i) => `class${i}`));
}

/** nc from the rank-3 head's static dims: anchors outnumber channels, so [1, C, A] is v8/v11 and [1, A, C] v5 (objectness). */
function headClassCount(graph: GraphInfo, nm: number | undefined): number | undefined {
  const head = graph.outputs.find((o) => o.dims.length === 3);
  const d1 = staticDim(head?.dims[1]);
  const d2 = staticDim(head?.dims[2]);
  if (d1 === undefined || d2 === undefined || nm === undefined) return undefined;
  return d1 < d2 ? d1 - 4 - nm : d2 - 5 - nm;
}

export interface YoloInput {
  readonly size: Size;
  readonly stride: number;
  readonly normalisation: PixelNormalisation;
  preprocess(image: RawImage): Preprocessed<LetterboxGeometry>;
  describe(classes: number): string;
}

/** The letterbox input stage of a YOLO export; `what` names the family in errors. */
export function yoloInput(graph: GraphInfo, card: ModelCard, what: string): YoloInput {
  const input = yoloImageInput(graph);
  if (input === undefined) throw new MaskserveError('MODEL_FORMAT', `A ${what} model needs a float [1,3,S,S] input (${describeGraph(graph)})`);
  const inputName = input.name;
  const size = inputSize(graph, card);
  const strideText = metadataValue(graph, 'stride');
  const stride =
    card.stride !== undefined
      ? positiveSetting(card.stride, undefined, 32, 'model card stride')
      : strideText === undefined
        ? 32
        : parsePositiveInteger(strideText, 'stride');
  const normalisation = pixelNormalisation(card, graph, ULTRALYTICS_NORMALISATION);
  return Object.freeze({
    size,
    stride,
    normalisation,
    preprocess(image: RawImage) {
      const geometry = letterboxGeometry(image, size);
      const resized = resizeBilinearU8(image, geometry.resized);
      const placement = { left: geometry.padLeft, top: geometry.padTop, padPixel: PAD_PIXEL };
      // [1, 3, S_h, S_w] planes in the card's channel order (RGB), 0..1 by default.
      const data = normalisedPlanes(resized, geometry.resized, size, normalisation, placement);
      return { feeds: { [inputName]: { type: 'float32' as const, dims: [1, 3, size.height, size.width], data } }, meta: geometry };
    },
    describe(classes: number) {
      const pixels = isUltralyticsDefault(normalisation) ? 'RGB 0..1' : describeNormalisation(normalisation);
      return `${pixels}, letterbox ${size.width}x${size.height} (pad ${PAD_PIXEL}, stride ${stride}), ${classes} classes`;
    },
  });
}

function isUltralyticsDefault(n: PixelNormalisation): boolean {
  const d = ULTRALYTICS_NORMALISATION;
  return n.channelOrder === d.channelOrder && n.mean.every((v, i) => v === d.mean[i]) && n.std.every((v, i) => v === d.std[i]);
}
