// COCO class lists. The ONNX Model Zoo Mask R-CNN labels index COCO_ZOO_CLASSES (0 = background);
// Ultralytics COCO models use the same 80 names 0-based. COCO results files need the original
// sparse category_id (1..90 with gaps), so any model whose classes are the COCO 80 maps through it.

/** The 81-entry zoo list (text of the model zoo's coco_classes.txt), index 0 = "__background". */
export const COCO_ZOO_CLASSES: readonly string[] = Object.freeze([
  '__background',
  'person',
  'bicycle',
  'car',
  'motorcycle',
  'airplane',
  'bus',
  'train',
  'truck',
  'boat',
  'traffic light',
  'fire hydrant',
  'stop sign',
  'parking meter',
  'bench',
  'bird',
  'cat',
  'dog',
  'horse',
  'sheep',
  'cow',
  'elephant',
  'bear',
  'zebra',
  'giraffe',
  'backpack',
  'umbrella',
  'handbag',
  'tie',
  'suitcase',
  'frisbee',
  'skis',
  'snowboard',
  'sports ball',
  'kite',
  'baseball bat',
  'baseball glove',
  'skateboard',
  'surfboard',
  'tennis racket',
  'bottle',
  'wine glass',
  'cup',
  'fork',
  'knife',
  'spoon',
  'bowl',
  'banana',
  'apple',
  'sandwich',
  'orange',
  'broccoli',
  'carrot',
  'hot dog',
  'pizza',
  'donut',
  'cake',
  'chair',
  'couch',
  'potted plant',
  'bed',
  'dining table',
  'toilet',
  'tv',
  'laptop',
  'mouse',
  'remote',
  'keyboard',
  'cell phone',
  'microwave',
  'oven',
  'toaster',
  'sink',
  'refrigerator',
  'book',
  'clock',
  'vase',
  'scissors',
  'teddy bear',
  'hair drier',
  'toothbrush',
]);

/** The 80 COCO names (0-based, the Ultralytics order). */
export const COCO_80_CLASSES: readonly string[] = Object.freeze(COCO_ZOO_CLASSES.slice(1));

/** COCO category_id of each of the 80 names, in the same order (person 1 ... toothbrush 90). */
export const COCO_80_CATEGORY_IDS: readonly number[] = Object.freeze([
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34,
  35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
  64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90,
]);

const COCO_ID_BY_NAME: ReadonlyMap<string, number> = new Map(COCO_80_CLASSES.map((name, i) => [name, COCO_80_CATEGORY_IDS[i]]));

/** True when the names (ignoring a leading background entry) are exactly the COCO 80, in any order. */
export function isCoco80(classNames: readonly string[], hasBackground: boolean): boolean {
  const names = hasBackground ? classNames.slice(1) : classNames;
  return names.length === 80 && new Set(names).size === 80 && names.every((name) => COCO_ID_BY_NAME.has(name));
}

/**
 * Default category_id per class index: COCO ids when the classes are the COCO 80 (background -> 0),
 * otherwise the class index for 1-based label sets (maskrcnn) or index + 1 for 0-based ones (yolo).
 */
export function defaultCategoryIds(classNames: readonly string[], hasBackground: boolean): number[] {
  if (isCoco80(classNames, hasBackground)) {
    return classNames.map((name, i) => (hasBackground && i === 0 ? 0 : (COCO_ID_BY_NAME.get(name) as number)));
  }
  return classNames.map((_, i) => (hasBackground ? i : i + 1));
}
