// The models maskserve knows how to fetch: frozen data keyed by id (transformers.js style).
// Sizes and sha256 come from the publisher's Git LFS pointers, so a download can be verified
// without trusting the server that delivered it.
import { MaskserveError } from '../errors.js';
import type { ModelFamily } from '../types.js';
import { COCO_ZOO_CLASSES } from '../adapters/coco-classes.js';

export interface PublishedAccuracy {
  /** COCO val2017 box mAP@[.5:.95] as published. */
  readonly boxMap: number;
  /** COCO val2017 mask mAP@[.5:.95] as published (absent when not published). */
  readonly maskMap?: number;
}

export interface CatalogEntry {
  readonly id: string;
  readonly url: string;
  /** File name inside the cache directory (and on the mirror). */
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly license: string;
  readonly family: ModelFamily;
  /** Indexed by the model's label id; index 0 is the background. */
  readonly classes: readonly string[];
  readonly accuracy: PublishedAccuracy;
  readonly description: string;
}

const ZOO_BASE_URL =
  'https://github.com/onnx/models/raw/main/validated/vision/object_detection_segmentation/mask-rcnn/model/';
const ZOO_LICENSE = 'Apache-2.0 (ONNX Model Zoo)';

function zooEntry(fields: Omit<CatalogEntry, 'url' | 'license' | 'family' | 'classes'>): CatalogEntry {
  return Object.freeze({
    ...fields,
    url: ZOO_BASE_URL + fields.file,
    license: ZOO_LICENSE,
    family: 'maskrcnn' as const,
    classes: COCO_ZOO_CLASSES,
    accuracy: Object.freeze({ ...fields.accuracy }),
  });
}

export const CATALOG: Readonly<Record<string, CatalogEntry>> = Object.freeze({
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
