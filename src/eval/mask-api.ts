// The parts of pycocotools' maskApi.c that COCO evaluation needs, working on run lengths
// (never on full images):
//   rle-ops.ts     rleEncode / rleDecode / rleArea / rleMerge / rleToBbox
//   poly-to-rle.ts rleFrPoly / rleFrBbox (polygon rasterisation, bit-exact)
//   iou.ts         bbIou / rleIou (with the crowd rule)
// Compressed strings are decoded / encoded by src/output/rle.ts (see segmentation.ts).
export type { Box, Rle } from './rle-ops.js';
export { rleArea, rleDecode, rleEncode, rleMerge, rleToBbox } from './rle-ops.js';
export { rleFrBbox, rleFrPoly } from './poly-to-rle.js';
export { bbIou, rleIou } from './iou.js';
