// StandardRPNHead + DefaultAnchorGenerator + find_top_rpn_proposals (inference):
//   per level: top PRE_NMS_TOPK_TEST logits -> decode their anchors -> clip -> drop empty -> NMS;
//   then the POST_NMS_TOPK_TEST best over all levels.  -> proposals [R, 4] xyxy in input px.
// Only the top-k anchors of each level are decoded (decoding is element-wise, so the result is
// the same as decoding all of them first, as detectron2 does).
import type { GraphBuilder } from '../../onnx/graph-builder.js';
import { applyDeltas, clipBoxes, gatherRows, nonEmpty, topK, whereTrue } from './box-ops.js';
import type { Detectron2Settings } from './config.js';
import { conv, type StateDict } from './layers.js';

/** FPN level strides p2..p6. */
export const RPN_STRIDES: readonly number[] = Object.freeze([4, 8, 16, 32, 64]);

/** Cell anchors of one level centred on 0: for each size, for each ratio, [-w/2, -h/2, w/2, h/2]. */
export function cellAnchors(sizes: readonly number[], ratios: readonly number[]): number[] {
  const anchors: number[] = [];
  for (const size of sizes) {
    const area = size * size;
    for (const ratio of ratios) {
      const w = Math.sqrt(area / ratio);
      const h = ratio * w;
      anchors.push(-w / 2, -h / 2, w / 2, h / 2);
    }
  }
  return anchors;
}

/** Anchors [H*W*A, 4] for a feature map: grid shifts (location-major) + the level's cell anchors. */
function levelAnchors(g: GraphBuilder, feature: string, stride: number, offset: number, cells: readonly number[]): string {
  const shape = g.op('Shape', [feature]);
  const axis = (i: number) => g.op('Squeeze', [g.op('Slice', [shape, g.ints([i]), g.ints([i + 1])]), g.ints([0])]);
  const coords = (length: string) =>
    g.op('Add', [g.op('Mul', [g.op('Cast', [g.op('Range', [g.scalarInt(0), length, g.scalarInt(1)])], { to: { int: 1 } }), g.scalarFloat(stride)]), g.scalarFloat(offset * stride)]);
  const h = axis(2);
  const w = axis(3);
  const grid = g.op('Concat', [g.op('Unsqueeze', [h, g.ints([0])]), g.op('Unsqueeze', [w, g.ints([0])])], { axis: { int: 0 } });
  const shiftX = g.op('Expand', [g.op('Unsqueeze', [coords(w), g.ints([0])]), grid]); // [H, W]
  const shiftY = g.op('Expand', [g.op('Unsqueeze', [coords(h), g.ints([1])]), grid]); // [H, W]
  const stacked = [shiftX, shiftY, shiftX, shiftY].map((s) => g.op('Unsqueeze', [s, g.ints([2])]));
  const shifts = g.op('Reshape', [g.op('Concat', stacked, { axis: { int: 2 } }), g.ints([-1, 1, 4])]); // [H*W, 1, 4]
  const anchors = g.op('Add', [shifts, g.floats(cells, [1, cells.length / 4, 4])]); // [H*W, A, 4]
  return g.op('Reshape', [anchors, g.ints([-1, 4])]);
}

/** NonMaxSuppression over one set of boxes [n, 4] / scores [n]: kept indices [m], best first. */
export function nmsIndices(g: GraphBuilder, boxes: string, scores: string, iouThreshold: number): string {
  const selected = g.op('NonMaxSuppression', [
    g.op('Unsqueeze', [boxes, g.ints([0])]),
    g.op('Unsqueeze', [scores, g.ints([0, 1])]),
    g.ints([1 << 30]),
    g.floats([iouThreshold]),
  ]);
  return g.op('Reshape', [g.op('Slice', [selected, g.ints([2]), g.ints([3]), g.ints([1])]), g.ints([-1])]);
}

export function rpnProposals(g: GraphBuilder, sd: StateDict, settings: Detectron2Settings, levels: readonly string[], channels: number, limits: string): string {
  const { anchors: anchorSettings, rpn } = settings;
  const anchorCount = anchorSettings.sizes[0].length * anchorSettings.aspectRatios[0].length;
  const keptBoxes: string[] = [];
  const keptScores: string[] = [];
  levels.forEach((feature, l) => {
    g.within(`rpn_p${l + 2}`, () => {
      // Shared head: conv(s) + relu, then objectness [1, A, H, W] and deltas [1, 4A, H, W].
      let x = feature;
      let inChannels = channels;
      rpn.convDims.forEach((dim, k) => {
        const outChannels = dim === -1 ? channels : dim;
        const name = rpn.convDims.length === 1 ? 'proposal_generator.rpn_head.conv' : `proposal_generator.rpn_head.conv.conv${k}`;
        x = conv(g, sd, name, x, { inChannels, outChannels, kernel: 3, padding: 1, relu: true });
        inChannels = outChannels;
      });
      const logits = conv(g, sd, 'proposal_generator.rpn_head.objectness_logits', x, { inChannels, outChannels: anchorCount, kernel: 1 });
      const deltas = conv(g, sd, 'proposal_generator.rpn_head.anchor_deltas', x, { inChannels, outChannels: anchorCount * 4, kernel: 1 });
      const flatLogits = g.op('Reshape', [g.op('Transpose', [logits], { perm: { ints: [0, 2, 3, 1] } }), g.ints([-1])]); // [H*W*A]
      const flatDeltas = g.op('Reshape', [g.op('Transpose', [deltas], { perm: { ints: [0, 2, 3, 1] } }), g.ints([-1, 4])]); // [H*W*A, 4]
      const cells = cellAnchors(anchorSettings.sizes[l], anchorSettings.aspectRatios[l]);
      const anchors = levelAnchors(g, feature, RPN_STRIDES[l], anchorSettings.offset, cells);
      const [scores, index] = topK(g, flatLogits, rpn.preNmsTopK);
      const decoded = applyDeltas(g, gatherRows(g, anchors, index), gatherRows(g, flatDeltas, index), rpn.weights);
      const clipped = clipBoxes(g, decoded, limits);
      const valid = whereTrue(g, nonEmpty(g, clipped, rpn.minBoxSize));
      const boxes = gatherRows(g, clipped, valid);
      const validScores = gatherRows(g, scores, valid);
      const keep = nmsIndices(g, boxes, validScores, rpn.nmsThreshold);
      keptBoxes.push(gatherRows(g, boxes, keep));
      keptScores.push(gatherRows(g, validScores, keep));
    });
  });
  return g.within('rpn_top', () => {
    const boxes = g.op('Concat', keptBoxes, { axis: { int: 0 } });
    const scores = g.op('Concat', keptScores, { axis: { int: 0 } });
    const [, best] = topK(g, scores, rpn.postNmsTopK);
    return gatherRows(g, boxes, best);
  });
}
