// Decoding YOLO raw predictions (segment and detect exports) (Ultralytics non_max_suppression, single label per anchor):
// best class per anchor, score threshold, class filter, class-aware or agnostic NMS, max_det.
// Boxes stay in letterbox input px here; the adapter maps them back to the original image.
import { MaskserveError } from '../errors.js';
import type { Prototypes } from '../geometry/masks.js';
import { argsortDescending, nms } from '../geometry/nms.js';
import type { SegmentOptions } from '../options.js';
import type { Outputs, TensorData } from '../types.js';
import { classFilter } from './instances.js';
import { checkedLength, describeOutputs, floatData, isFloatType } from './tensors.js';

/** Ultralytics max_nms: at most this many boxes (best scores) enter NMS. */
export const MAX_NMS_CANDIDATES = 30_000;

/**
 * v8:      [1, 4+nc+nm, A]  cx,cy,w,h, class scores, coeffs (v8/v11 export)
 * v8-rows: [1, A, 4+nc+nm]  the same, transposed
 * v5:      [1, A, 5+nc+nm]  cx,cy,w,h, objectness, class scores, coeffs
 * end2end: [1, K, 6+nm]     x1,y1,x2,y2, score, class id, coeffs (export nms=True, NMS-free models)
 */
export type YoloLayout = 'v8' | 'v8-rows' | 'v5' | 'end2end';

export interface YoloOutputs {
  readonly layout: YoloLayout;
  /** Batch 0 of output0. */
  readonly predictions: Float32Array;
  readonly anchors: number;
  readonly channels: number;
  /** Mask prototypes (segmentation exports); undefined for detection exports. */
  readonly protos?: Prototypes;
}

/**
 * Finds output0 (rank 3) and, with `masks`, the prototypes (rank 4), and works out the layout from
 * nc and nm (nm = 0 for detection exports).
 */
export function readYoloOutputs(outputs: Outputs, nc: number, { masks }: { readonly masks: boolean }): YoloOutputs {
  let preds: TensorData | undefined;
  let protos: TensorData | undefined;
  for (const t of Object.values(outputs)) {
    if (isFloatType(t.type) && t.dims.length === 3) preds ??= t;
    else if (isFloatType(t.type) && t.dims.length === 4) protos ??= t;
  }
  // A detection export's head has no prototypes to read, whatever else the graph outputs.
  const prototypes = masks ? protos : undefined;
  if (!preds || (masks && !prototypes)) {
    const wanted = masks ? 'float [1,C,A] and [1,nm,h,w]' : 'float [1,C,A]';
    throw new MaskserveError('MODEL_FORMAT', `YOLO outputs not recognised (need ${wanted}); got ${describeOutputs(outputs)}`);
  }
  checkedLength(preds, 'output0');
  if (prototypes) checkedLength(prototypes, 'prototypes');
  const [, d1, d2] = preds.dims;
  const [, nm, height, width] = prototypes?.dims ?? [1, 0, 0, 0];
  const candidates: [boolean, YoloLayout][] = [
    [d1 === 4 + nc + nm, 'v8'],
    [d2 === 5 + nc + nm, 'v5'],
    [d2 === 6 + nm && d1 <= 1000, 'end2end'],
    [d2 === 4 + nc + nm, 'v8-rows'],
  ];
  const layout = candidates.find(([fits]) => fits)?.[1];
  if (layout === undefined) {
    throw new MaskserveError(
      'MODEL_FORMAT',
      `YOLO output [${preds.dims.join(',')}] does not fit ${nc} classes and ${nm} mask coefficients ` +
        '(4+nc+nm channels, or 5+nc+nm for YOLOv5); set "classes" in the model card to the model\'s class names',
    );
  }
  const channelsFirst = layout === 'v8';
  return {
    layout,
    predictions: floatData(preds, 'output0').subarray(0, d1 * d2),
    anchors: channelsFirst ? d2 : d1,
    channels: channelsFirst ? d1 : d2,
    ...(prototypes ? { protos: { data: floatData(prototypes, 'prototypes').subarray(0, nm * height * width), channels: nm, width, height } } : {}),
  };
}

export interface Detections {
  readonly boxes: Float32Array; // [K*4] xyxy, input px
  readonly scores: Float32Array; // [K], descending
  readonly classIds: Int32Array; // [K]
  readonly coefficients: Float32Array; // [K*nm]; empty for detection exports
}

/** Best class per anchor (first on ties, like argmax) and its score (times objectness for v5). */
function bestClasses(yolo: YoloOutputs, nc: number): { score: Float32Array; cls: Int32Array } {
  const { predictions: p, anchors: A, channels: C, layout } = yolo;
  const score = new Float32Array(A).fill(Number.NEGATIVE_INFINITY);
  const cls = new Int32Array(A);
  if (layout === 'v8') {
    // Class-major loop keeps reads sequential over the [C, A] layout.
    for (let c = 0; c < nc; c++) {
      const base = (4 + c) * A;
      for (let a = 0; a < A; a++) {
        if (p[base + a] > score[a]) {
          score[a] = p[base + a];
          cls[a] = c;
        }
      }
    }
  } else if (layout === 'end2end') {
    for (let a = 0; a < A; a++) {
      const id = Math.round(p[a * C + 5]);
      score[a] = id >= 0 && id < nc ? p[a * C + 4] : Number.NEGATIVE_INFINITY; // padding rows
      cls[a] = id >= 0 && id < nc ? id : 0;
    }
  } else {
    const classOffset = layout === 'v5' ? 5 : 4;
    for (let a = 0; a < A; a++) {
      const base = a * C + classOffset;
      let best = Number.NEGATIVE_INFINITY;
      let bestClass = 0;
      for (let c = 0; c < nc; c++) {
        if (p[base + c] > best) {
          best = p[base + c];
          bestClass = c;
        }
      }
      score[a] = layout === 'v5' ? best * p[a * C + 4] : best;
      cls[a] = bestClass;
    }
  }
  return { score, cls };
}

const COEFFICIENT_OFFSET = { v8: 4, 'v8-rows': 4, v5: 5, end2end: 6 } as const;

export function decodePredictions(yolo: YoloOutputs, classNames: readonly string[], options: SegmentOptions): Detections {
  const nc = classNames.length;
  const nm = yolo.protos?.channels ?? 0;
  const { predictions: p, anchors: A, channels: C, layout } = yolo;
  const at = (a: number, c: number): number => (layout === 'v8' ? p[c * A + a] : p[a * C + c]);
  const allowed = classFilter(classNames, options.classes);
  const { score, cls } = bestClasses(yolo, nc);
  let candidates: number[] = [];
  for (let a = 0; a < A; a++) {
    if (score[a] >= options.threshold && (allowed === undefined || allowed[cls[a]] === 1)) candidates.push(a);
  }
  if (candidates.length > MAX_NMS_CANDIDATES) {
    const order = argsortDescending(candidates.map((a) => score[a]));
    candidates = Array.from(order.subarray(0, MAX_NMS_CANDIDATES), (k) => candidates[k]);
  }
  const boxes = new Float32Array(candidates.length * 4);
  candidates.forEach((a, k) => {
    const [b0, b1, b2, b3] = [at(a, 0), at(a, 1), at(a, 2), at(a, 3)];
    if (layout === 'end2end') boxes.set([b0, b1, b2, b3], k * 4);
    else boxes.set([b0 - b2 / 2, b1 - b3 / 2, b0 + b2 / 2, b1 + b3 / 2], k * 4); // cx,cy,w,h -> xyxy
  });
  const candidateScores = Float32Array.from(candidates, (a) => score[a]);
  // End-to-end outputs are already de-duplicated; NMS again is harmless and honours agnosticNms.
  const keep = nms(boxes, candidateScores, options.iou, {
    classIds: options.agnosticNms ? undefined : Int32Array.from(candidates, (a) => cls[a]),
    maxDetections: options.maxDetections,
  });
  const coeffOffset = layout === 'end2end' ? COEFFICIENT_OFFSET.end2end : COEFFICIENT_OFFSET[layout] + nc;
  const kept = Array.from(keep, (k) => candidates[k]);
  const coefficients = new Float32Array(keep.length * nm);
  const keptBoxes = new Float32Array(keep.length * 4);
  keep.forEach((k, j) => keptBoxes.set(boxes.subarray(k * 4, k * 4 + 4), j * 4));
  kept.forEach((a, j) => {
    for (let m = 0; m < nm; m++) coefficients[j * nm + m] = at(a, coeffOffset + m);
  });
  return {
    boxes: keptBoxes,
    scores: Float32Array.from(keep, (k) => candidateScores[k]),
    classIds: Int32Array.from(kept, (a) => cls[a]),
    coefficients,
  };
}
