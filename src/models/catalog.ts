// The models maskserve knows how to fetch: frozen data keyed by id (transformers.js style).
//  - kind 'detectron2': detectron2 model zoo checkpoints (the seed's own model family), converted
//    to ONNX on the user's machine after download. The zoo publishes no checksums, so the sha256
//    of the first download is recorded in the converted model's card and required from then on.
//  - kind 'onnx': ONNX Model Zoo exports; sizes and sha256 come from the publisher's Git LFS
//    pointers, so a download is verified without trusting the server that delivered it.
// Order matters: the first cached entry is the default model (detectron2's R50-FPN 3x first).
import { MaskserveError } from '../errors.js';
import type { ModelFamily } from '../types.js';
import type { ZooBackbone } from '../convert/detectron2/zoo.js';

export interface PublishedAccuracy {
  /** COCO val2017 box mAP@[.5:.95] as published. */
  readonly boxMap: number;
  /** COCO val2017 mask mAP@[.5:.95] as published (absent when not published). */
  readonly maskMap?: number;
}

interface EntryBase {
  readonly id: string;
  readonly url: string;
  /** File name inside the cache directory (and on the mirror). */
  readonly file: string;
  readonly license: string;
  readonly family: ModelFamily;
  readonly accuracy: PublishedAccuracy;
  readonly description: string;
}

export interface OnnxCatalogEntry extends EntryBase {
  readonly kind: 'onnx';
  readonly bytes: number;
  readonly sha256: string;
}

export interface Detectron2CatalogEntry extends EntryBase {
  readonly kind: 'detectron2';
  readonly backbone: ZooBackbone;
  /** The converted model in the cache (its card `<id>.json` beside it). */
  readonly onnxFile: string;
}

export type CatalogEntry = OnnxCatalogEntry | Detectron2CatalogEntry;

const ZOO_BASE_URL =
  'https://github.com/onnx/models/raw/main/validated/vision/object_detection_segmentation/mask-rcnn/model/';
const ZOO_LICENSE = 'Apache-2.0 (ONNX Model Zoo)';

const DETECTRON2_BASE_URL = 'https://dl.fbaipublicfiles.com/detectron2/COCO-InstanceSegmentation/';
const DETECTRON2_LICENSE = 'Apache-2.0 (detectron2 model zoo)';

function detectron2Entry(fields: { id: string; path: string; backbone: ZooBackbone; accuracy: PublishedAccuracy; description: string }): Detectron2CatalogEntry {
  return Object.freeze({
    kind: 'detectron2' as const,
    id: fields.id,
    url: DETECTRON2_BASE_URL + fields.path,
    file: `${fields.id}.pkl`,
    onnxFile: `${fields.id}.onnx`,
    backbone: fields.backbone,
    license: DETECTRON2_LICENSE,
    family: 'maskrcnn' as const,
    accuracy: Object.freeze({ ...fields.accuracy }),
    description: fields.description,
  });
}

function zooEntry(fields: Omit<OnnxCatalogEntry, 'url' | 'license' | 'family' | 'kind'>): OnnxCatalogEntry {
  return Object.freeze({
    ...fields,
    kind: 'onnx' as const,
    url: ZOO_BASE_URL + fields.file,
    license: ZOO_LICENSE,
    family: 'maskrcnn' as const,
    accuracy: Object.freeze({ ...fields.accuracy }),
  });
}

export const CATALOG: Readonly<Record<string, CatalogEntry>> = Object.freeze({
  'detectron2-mask-rcnn-r50-fpn-3x': detectron2Entry({
    id: 'detectron2-mask-rcnn-r50-fpn-3x',
    path: 'mask_rcnn_R_50_FPN_3x/137849600/model_final_f10217.pkl',
    backbone: 'R-50',
    accuracy: { boxMap: 0.41, maskMap: 0.372 },
    description: "detectron2 Mask R-CNN R-50-FPN 3x: the Detectron2 web app's own model; converted on download; 80 COCO classes.",
  }),
  'detectron2-mask-rcnn-r50-fpn-1x': detectron2Entry({
    id: 'detectron2-mask-rcnn-r50-fpn-1x',
    path: 'mask_rcnn_R_50_FPN_1x/137260431/model_final_a54504.pkl',
    backbone: 'R-50',
    accuracy: { boxMap: 0.386, maskMap: 0.352 },
    description: 'detectron2 Mask R-CNN R-50-FPN 1x schedule; converted on download; 80 COCO classes.',
  }),
  'detectron2-mask-rcnn-r101-fpn-3x': detectron2Entry({
    id: 'detectron2-mask-rcnn-r101-fpn-3x',
    path: 'mask_rcnn_R_101_FPN_3x/138205316/model_final_a3ec72.pkl',
    backbone: 'R-101',
    accuracy: { boxMap: 0.429, maskMap: 0.386 },
    description: 'detectron2 Mask R-CNN R-101-FPN 3x; converted on download; 80 COCO classes.',
  }),
  'detectron2-mask-rcnn-x101-fpn-3x': detectron2Entry({
    id: 'detectron2-mask-rcnn-x101-fpn-3x',
    path: 'mask_rcnn_X_101_32x8d_FPN_3x/139653917/model_final_2d9806.pkl',
    backbone: 'X-101-32x8d',
    accuracy: { boxMap: 0.443, maskMap: 0.395 },
    description: 'detectron2 Mask R-CNN X-101-32x8d-FPN 3x (most accurate, slowest); converted on download; 80 COCO classes.',
  }),
  'mask-rcnn-r50-fpn': zooEntry({
    id: 'mask-rcnn-r50-fpn',
    file: 'MaskRCNN-12.onnx',
    bytes: 177_970_010,
    sha256: '5bf940c124d9117f6fae350c4e0d46df180cbb01981832b35fdbed148078b946',
    accuracy: { boxMap: 0.361, maskMap: 0.327 },
    description: 'Mask R-CNN R-50-FPN, fp32, opset 12 (the Detectron2 web app model family); 80 COCO classes.',
  }),
  'mask-rcnn-r50-fpn-int8': zooEntry({
    id: 'mask-rcnn-r50-fpn-int8',
    file: 'MaskRCNN-12-int8.onnx',
    bytes: 45_769_352,
    sha256: '4409935e855719fd6cd986f7ec2a3de840d0bd9c9cf7a0cba84ce95377f5b476',
    accuracy: { boxMap: 0.331 },
    description: 'Mask R-CNN R-50-FPN, int8 quantised, opset 12: a quarter of the size, faster on CPU.',
  }),
  'mask-rcnn-r50-fpn-opset10': zooEntry({
    id: 'mask-rcnn-r50-fpn-opset10',
    file: 'MaskRCNN-10.onnx',
    bytes: 177_925_424,
    sha256: 'a519d8102cb162e78cbf123615aa5a8f3bf9d0fa1dec61a2fbbb42fa3f0e0757',
    accuracy: { boxMap: 0.361, maskMap: 0.327 },
    description: 'Mask R-CNN R-50-FPN, fp32, opset 10 export of the same weights (for older runtimes).',
  }),
});

export const CATALOG_IDS: readonly string[] = Object.freeze(Object.keys(CATALOG));

export function isCatalogId(id: string): boolean {
  return Object.hasOwn(CATALOG, id);
}

export function catalogEntry(id: string): CatalogEntry {
  if (!isCatalogId(id)) {
    throw new MaskserveError('UNKNOWN_MODEL', `Unknown model ${JSON.stringify(id)}: expected one of ${CATALOG_IDS.join(', ')}`);
  }
  return CATALOG[id];
}
