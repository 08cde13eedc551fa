// StandardROIHeads at inference: multi-level RoIAlign pooling, the FastRCNNConvFCHead box head
// with class-specific regression and per-class NMS, then the MaskRCNNConvUpsampleHead on the
// final detections.
//   proposals [R, 4] -> boxes [N, 4] (input px, clipped), labels int64 [N] (1-based),
//                       scores [N], masks [N, 1, M, M] probabilities of the predicted class.
import type { GraphBuilder } from '../../onnx/graph-builder.js';
import { applyDeltas, clipBoxes, gatherRows, topK, whereTrue } from './box-ops.js';
import type { Detectron2Settings, PoolerSettings } from './config.js';
import { conv, linear, type StateDict } from './layers.js';

/** Strides of the pooled levels p2..p5. */
const POOLER_STRIDES = [4, 8, 16, 32];
/** assign_boxes_to_levels: canonical box size 224 maps to level 4. */
const CANONICAL_BOX_SIZE = 224;
const CANONICAL_LEVEL = 4;

/**
 * ROIPooler: each box goes to level floor(4 + log2(sqrt(area) / 224 + 1e-8)) clamped to [2, 5],
 * and is pooled there. Returns the pooled features grouped by level and `order`, the box index
 * of each pooled row (callers reorder their per-box tensors with it; no scatter needed).
 */
function poolByLevel(g: GraphBuilder, features: readonly string[], boxes: string, pooler: PoolerSettings): { pooled: string; order: string } {
  const x1 = g.op('Slice', [boxes, g.ints([0]), g.ints([1]), g.ints([1])]);
  const y1 = g.op('Slice', [boxes, g.ints([1]), g.ints([2]), g.ints([1])]);
  const x2 = g.op('Slice', [boxes, g.ints([2]), g.ints([3]), g.ints([1])]);
  const y2 = g.op('Slice', [boxes, g.ints([3]), g.ints([4]), g.ints([1])]);
  const size = g.op('Sqrt', [g.op('Mul', [g.op('Sub', [x2, x1]), g.op('Sub', [y2, y1])])]);
  const log2 = g.op('Div', [g.op('Log', [g.op('Add', [g.op('Div', [size, g.scalarFloat(CANONICAL_BOX_SIZE)]), g.scalarFloat(1e-8)])]), g.scalarFloat(Math.LN2)]);
  const level = g.op('Reshape', [g.op('Floor', [g.op('Add', [log2, g.scalarFloat(CANONICAL_LEVEL)])]), g.ints([-1])]);
  const clamped = g.op('Clip', [level, g.scalarFloat(2), g.scalarFloat(2 + features.length - 1)]);
  const pooled: string[] = [];
  const order: string[] = [];
  features.forEach((feature, i) => {
    const index = whereTrue(g, g.op('Equal', [clamped, g.scalarFloat(2 + i)]));
    const levelBoxes = gatherRows(g, boxes, index);
    const batch = g.op('Mul', [index, g.scalarInt(0)]); // one image: batch index 0 for every box
    pooled.push(
      g.op('RoiAlign', [feature, levelBoxes, batch], {
        mode: { string: 'avg' },
        output_height: { int: pooler.resolution },
        output_width: { int: pooler.resolution },
        sampling_ratio: { int: pooler.samplingRatio },
        spatial_scale: { float: 1 / POOLER_STRIDES[i] },
        // ROIAlignV2 is torchvision's aligned=True (-0.5 px); legacy ROIAlign is aligned=False.
        coordinate_transformation_mode: { string: pooler.type === 'ROIAlignV2' ? 'half_pixel' : 'output_half_pixel' },
      }),
    );
    order.push(index);
  });
  return { pooled: g.op('Concat', pooled, { axis: { int: 0 } }), order: g.op('Concat', order, { axis: { int: 0 } }) };
}

export interface Detections {
  readonly boxes: string;
  readonly labels: string;
  readonly scores: string;
  readonly masks: string;
}

export function roiHeads(
  g: GraphBuilder,
  sd: StateDict,
  settings: Detectron2Settings,
  features: readonly string[],
  channels: number,
  proposals: string,
  limits: string,
): Detections {
  const { boxHead, maskHead, roiHeads: heads } = settings;
  const classes = heads.numClasses;
  const p2p5 = features.slice(0, 4);

  const boxes = g.within('box_head', () => {
    const { pooled, order } = poolByLevel(g, p2p5, proposals, boxHead.pooler);
    const rois = gatherRows(g, proposals, order);
    let x = pooled;
    let inChannels = channels;
    for (let i = 0; i < boxHead.numConv; i++) {
      x = conv(g, sd, `roi_heads.box_head.conv${i + 1}`, x, { inChannels, outChannels: boxHead.convDim, kernel: 3, padding: 1, relu: true });
      inChannels = boxHead.convDim;
    }
    let features = inChannels * boxHead.pooler.resolution ** 2;
    x = g.op('Flatten', [x], { axis: { int: 1 } });
    for (let i = 0; i < boxHead.numFc; i++) {
      x = linear(g, sd, `roi_heads.box_head.fc${i + 1}`, x, features, boxHead.fcDim, true);
      features = boxHead.fcDim;
    }
    const regressed = boxHead.classAgnostic ? 1 : classes;
    const logits = linear(g, sd, 'roi_heads.box_predictor.cls_score', x, features, classes + 1);
    const deltas = linear(g, sd, 'roi_heads.box_predictor.bbox_pred', x, features, regressed * 4);
    // Probabilities [R, K+1]; detectron2's background is the LAST column.
    const probabilities = boxHead.sigmoidScores ? g.op('Sigmoid', [logits]) : g.op('Softmax', [logits], { axis: { int: -1 } });
    const scores = g.op('Slice', [probabilities, g.ints([0]), g.ints([classes]), g.ints([1])]); // [R, K]
    // Class-specific boxes [R, K', 4] (K' = 1 when class-agnostic), clipped to the image.
    const perClass = applyDeltas(
      g,
      g.op('Unsqueeze', [rois, g.ints([1])]),
      g.op('Reshape', [deltas, g.ints([0, regressed, 4])]),
      boxHead.weights,
    );
    const clipped = clipBoxes(g, perClass, limits);
    // Per-class NMS with the classes as NMS batches: boxes [K, R, 4], scores [K, 1, R].
    const byClass = g.op('Transpose', [clipped], { perm: { ints: [1, 0, 2] } });
    const classBoxes = boxHead.classAgnostic ? g.op('Expand', [byClass, g.ints([classes, 1, 1])]) : byClass;
    const classScores = g.op('Transpose', [scores], { perm: { ints: [1, 0] } }); // [K, R]
    const selected = g.op('NonMaxSuppression', [
      classBoxes,
      g.op('Unsqueeze', [classScores, g.ints([1])]),
      g.ints([1 << 30]),
      g.floats([heads.nmsThreshold]),
      g.floats([heads.scoreThreshold]),
    ]); // [M, 3] = (class, 0, roi)
    const classOf = g.op('Reshape', [g.op('Slice', [selected, g.ints([0]), g.ints([1]), g.ints([1])]), g.ints([-1])]);
    const roiOf = g.op('Reshape', [g.op('Slice', [selected, g.ints([2]), g.ints([3]), g.ints([1])]), g.ints([-1])]);
    const roiCount = g.op('Slice', [g.op('Shape', [rois]), g.ints([0]), g.ints([1])]);
    const flatIndex = g.op('Add', [g.op('Mul', [classOf, roiCount]), roiOf]); // into [K * R]
    const candidateScores = gatherRows(g, g.op('Reshape', [classScores, g.ints([-1])]), flatIndex);
    const candidateBoxes = gatherRows(g, g.op('Reshape', [classBoxes, g.ints([-1, 4])]), flatIndex);
    const [topScores, best] = topK(g, candidateScores, heads.detectionsPerImage);
    return { boxes: gatherRows(g, candidateBoxes, best), scores: topScores, classes: gatherRows(g, classOf, best) };
  });

  return g.within('mask_head', () => {
    const { pooled, order } = poolByLevel(g, p2p5, boxes.boxes, maskHead.pooler);
    let x = pooled;
    let inChannels = channels;
    for (let i = 0; i < maskHead.numConv; i++) {
      x = conv(g, sd, `roi_heads.mask_head.mask_fcn${i + 1}`, x, { inChannels, outChannels: maskHead.convDim, kernel: 3, padding: 1, relu: true });
      inChannels = maskHead.convDim;
    }
    const deconvWeight = sd.take('roi_heads.mask_head.deconv.weight', [inChannels, maskHead.convDim, 2, 2]);
    const deconvBias = sd.take('roi_heads.mask_head.deconv.bias', [maskHead.convDim]);
    x = g.op(
      'ConvTranspose',
      [x, g.weight('roi_heads.mask_head.deconv.weight', deconvWeight.shape, deconvWeight.data), g.weight('roi_heads.mask_head.deconv.bias', [maskHead.convDim], deconvBias.data)],
      { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } },
    );
    x = g.op('Relu', [x]);
    const maskClasses = maskHead.classAgnostic ? 1 : classes;
    const logits = conv(g, sd, 'roi_heads.mask_head.predictor', x, { inChannels: maskHead.convDim, outChannels: maskClasses, kernel: 1 }); // [N, K, M, M]
    const classes_ = gatherRows(g, boxes.classes, order);
    let chosen: string;
    if (maskHead.classAgnostic) chosen = g.op('Slice', [logits, g.ints([0]), g.ints([1]), g.ints([1])]);
    else {
      // logits of each detection's own class: row n * K + class_n of [N * K, M, M]
      const count = g.op('Slice', [g.op('Shape', [logits]), g.ints([0]), g.ints([1])]);
      const rows = g.op('Range', [g.scalarInt(0), g.op('Squeeze', [count, g.ints([0])]), g.scalarInt(1)]);
      const flat = g.op('Add', [g.op('Mul', [rows, g.scalarInt(maskClasses)]), classes_]);
      const size = 2 * maskHead.pooler.resolution;
      const perRow = g.op('Reshape', [logits, g.ints([-1, size, size])]);
      chosen = g.op('Unsqueeze', [gatherRows(g, perRow, flat), g.ints([1])]);
    }
    return {
      boxes: gatherRows(g, boxes.boxes, order),
      scores: gatherRows(g, boxes.scores, order),
      labels: g.op('Add', [classes_, g.scalarInt(1)]),
      masks: g.op('Sigmoid', [chosen]),
    };
  });
}
