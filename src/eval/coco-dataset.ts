// COCO ground truth and results, loaded and validated like pycocotools' COCO() / COCO.loadRes,
// but failing with a coded INVALID_REQUEST naming the bad entry instead of a KeyError/assert.
import { MaskserveError } from '../errors.js';
import type { CocoRle } from '../types.js';
import type { IouType } from './eval-params.js';
import { rleArea, rleToBbox, type Box, type Rle } from './mask-api.js';
import { rleJsonToRle, type UncompressedRleJson } from './segmentation.js';

export interface GtImage {
  readonly id: number;
  readonly width: number;
  readonly height: number;
  readonly file_name?: string;
}

export interface GtCategory {
  readonly id: number;
  readonly name: string;
  readonly supercategory?: string;
}

export interface GtAnnotation {
  readonly id: number;
  readonly image_id: number;
  readonly category_id: number;
  /** Used as given for the area ranges (pycocotools never recomputes gt area). */
  readonly area: number;
  readonly iscrowd: boolean;
  /** Raw `ignore` flag. COCOeval overwrites it with iscrowd, so it only counts with `useIgnoreFlag`. */
  readonly ignore: boolean;
  readonly bbox?: Box;
  /** Polygons or RLE JSON, rasterised only when segm is evaluated. */
  readonly segmentation?: unknown;
}

export interface CocoGroundTruth {
  readonly images: readonly GtImage[];
  readonly annotations: readonly GtAnnotation[];
  readonly categories: readonly GtCategory[];
  readonly imageById: ReadonlyMap<number, GtImage>;
}

/** One detection as accepted by the evaluator: a CocoResult, or a box-only row for bbox eval. */
export interface DetectionInput {
  readonly image_id: number;
  readonly category_id: number;
  readonly score: number;
  readonly bbox?: readonly number[];
  readonly segmentation?: CocoRle | UncompressedRleJson;
  /** The mask as run lengths, from a model run in this process (used instead of `segmentation`). */
  readonly rle?: Rle;
}

/** A detection ready for one IoU type (loadRes output): id 1..N, area and box filled in. */
export interface LoadedDetection {
  readonly id: number;
  readonly image_id: number;
  readonly category_id: number;
  readonly score: number;
  readonly area: number;
  readonly bbox: Box;
  readonly rle?: Rle;
}

/** Parse and check a COCO ground-truth object (or its JSON text). */
export function loadGroundTruth(source: unknown): CocoGroundTruth {
  const json = typeof source === 'string' ? parseJson(source) : source;
  if (!isObject(json)) invalid('the ground truth', 'a COCO object with images, annotations and categories');
  const images = listField(json, 'images').map((raw, i) => readImage(raw, `images[${i}]`));
  const categories = listField(json, 'categories').map((raw, i) => readCategory(raw, `categories[${i}]`));
  const annotations = listField(json, 'annotations').map((raw, i) => readAnnotation(raw, `annotations[${i}]`));
  const imageById = uniqueById(images, 'image');
  const categoryIds = uniqueById(categories, 'category');
  uniqueById(annotations, 'annotation');
  for (const ann of annotations) {
    // pycocotools would silently never evaluate these; in a hand-made file they are mistakes.
    if (!imageById.has(ann.image_id)) invalid(`annotation ${ann.id}`, `an image_id listed in images (got ${ann.image_id})`);
    if (!categoryIds.has(ann.category_id)) {
      invalid(`annotation ${ann.id}`, `a category_id listed in categories (got ${ann.category_id})`);
    }
  }
  return { images, annotations, categories, imageById };
}

/**
 * COCO.loadRes for one IoU type. bbox: area = w*h of the given box (a mask-only result gets box
 * and area from its mask, as loadRes does). segm: area and box come from
 * the mask, which is what detectron2 arranges by dropping `bbox` before loadRes (otherwise
 * pycocotools would take the box area and shift the small/medium/large split for masks).
 * Every image_id must belong to the ground truth; detections of unknown categories are kept
 * and, as in COCOeval, simply never evaluated.
 */
export function loadResults(gt: CocoGroundTruth, results: readonly DetectionInput[], iouType: IouType): LoadedDetection[] {
  if (!Array.isArray(results)) invalid('the results', 'an array of detections');
  const unknownImages = new Set<number>();
  const loaded = results.map((raw, i): LoadedDetection => {
    const what = `results[${i}]`;
    if (!isObject(raw)) invalid(what, 'a detection object');
    const imageId = integerField(raw, 'image_id', what);
    const categoryId = integerField(raw, 'category_id', what);
    const score = raw.score;
    if (typeof score !== 'number' || !Number.isFinite(score)) invalid(`${what}.score`, 'a finite number');
    if (!gt.imageById.has(imageId)) unknownImages.add(imageId);
    const base = { id: i + 1, image_id: imageId, category_id: categoryId, score };
    const decoded = isRle(raw.rle) ? raw.rle : undefined;
    if (iouType === 'bbox' && (raw.bbox !== undefined || (raw.segmentation === undefined && decoded === undefined))) {
      const bbox = readBox(raw.bbox, `${what}.bbox`, 'an [x, y, width, height] box (bbox evaluation)');
      return { ...base, bbox, area: bbox[2] * bbox[3] };
    }
    // segm, or bbox evaluation of a mask-only result (loadRes' segmentation branch): box and
    // area both come from the mask.
    if (raw.segmentation === undefined && decoded === undefined) invalid(`${what}.segmentation`, 'an RLE mask (segm evaluation)');
    const rle = decoded ?? rleJsonToRle(raw.segmentation, `${what}.segmentation`);
    return { ...base, rle, area: rleArea(rle), bbox: rleToBbox(rle) };
  });
  if (unknownImages.size > 0) {
    const ids = [...unknownImages].slice(0, 10).join(', ');
    throw new MaskserveError(
      'INVALID_REQUEST',
      `Results refer to ${unknownImages.size} image id(s) not in the ground truth: ${ids}${unknownImages.size > 10 ? ', ...' : ''}`,
    );
  }
  return loaded;
}

function readImage(raw: unknown, what: string): GtImage {
  if (!isObject(raw)) invalid(what, 'an image object');
  const width = integerField(raw, 'width', what);
  const height = integerField(raw, 'height', what);
  if (width <= 0 || height <= 0) invalid(what, `a positive width and height (got ${width}x${height})`);
  const fileName = typeof raw.file_name === 'string' ? raw.file_name : undefined;
  return { id: integerField(raw, 'id', what), width, height, ...(fileName === undefined ? {} : { file_name: fileName }) };
}

function readCategory(raw: unknown, what: string): GtCategory {
  if (!isObject(raw)) invalid(what, 'a category object');
  const id = integerField(raw, 'id', what);
  const name = typeof raw.name === 'string' ? raw.name : String(id);
  return typeof raw.supercategory === 'string' ? { id, name, supercategory: raw.supercategory } : { id, name };
}

function readAnnotation(raw: unknown, what: string): GtAnnotation {
  if (!isObject(raw)) invalid(what, 'an annotation object');
  const area = raw.area;
  if (typeof area !== 'number' || !Number.isFinite(area)) invalid(`${what}.area`, 'a finite number (COCOeval needs gt area)');
  const ann: GtAnnotation = {
    id: integerField(raw, 'id', what),
    image_id: integerField(raw, 'image_id', what),
    category_id: integerField(raw, 'category_id', what),
    area,
    iscrowd: Boolean(raw.iscrowd), // pycocotools tests truthiness
    ignore: Boolean(raw.ignore),
    ...(raw.bbox === undefined ? {} : { bbox: readBox(raw.bbox, `${what}.bbox`, 'an [x, y, width, height] box') }),
    ...(raw.segmentation === undefined ? {} : { segmentation: raw.segmentation }),
  };
  return ann;
}

function readBox(value: unknown, what: string, expected: string): [number, number, number, number] {
  if (!Array.isArray(value) || value.length !== 4 || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    invalid(what, expected);
  }
  return [value[0], value[1], value[2], value[3]];
}

function uniqueById<T extends { id: number }>(items: readonly T[], kind: string): Map<number, T> {
  const byId = new Map<number, T>();
  for (const item of items) {
    if (byId.has(item.id)) invalid(`${kind} ${item.id}`, `a unique ${kind} id (it appears twice)`);
    byId.set(item.id, item);
  }
  return byId;
}

function listField(json: Record<string, unknown>, key: string): unknown[] {
  const value = json[key];
  if (value === undefined && key === 'annotations') return []; // an image set with no objects is valid
  if (!Array.isArray(value)) invalid(`the ground truth's ${key}`, 'an array');
  return value;
}

function integerField(raw: Record<string, unknown>, key: string, what: string): number {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isInteger(value)) invalid(`${what}.${key}`, `an integer (got ${JSON.stringify(value)})`);
  return value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MaskserveError('INVALID_REQUEST', `Ground truth is not valid JSON: ${(error as Error).message}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(what: string, expected: string): never {
  throw new MaskserveError('INVALID_REQUEST', `Expected ${expected} for ${what}`);
}

/** An in-process detection's run lengths (never read from a file: results files carry strings). */
function isRle(value: unknown): value is Rle {
  return isObject(value) && typeof value.h === 'number' && typeof value.w === 'number' && Array.isArray(value.counts);
}
