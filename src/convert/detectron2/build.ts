// The whole detectron2 Mask R-CNN as one ONNX graph in maskserve's maskrcnn contract:
//   input  image  float [3, H, W]  normalised ((x - PIXEL_MEAN) / PIXEL_STD, INPUT.FORMAT order),
//                 resized by ResizeShortestEdge, not padded (the graph pads to 32 and clips to H x W)
//   outputs boxes [N, 4] input px | labels int64 [N] (1-based) | scores [N] | masks [N, 1, M, M]
import { MaskserveError } from '../../errors.js';
import { GraphBuilder } from '../../onnx/graph-builder.js';
import type { ModelSpec } from '../../onnx/writer.js';
import type { WeightTensor } from '../tensor-types.js';
import { resnetFpn } from './backbone.js';
import type { Detectron2Settings } from './config.js';
import { StateDict } from './layers.js';
import { roiHeads } from './roi-heads.js';
import { rpnProposals } from './rpn.js';

/** RoiAlign's coordinate_transformation_mode needs opset 16. */
export const CONVERTED_OPSET = 16;
const SIZE_DIVISIBILITY = 32;

export function buildDetectron2Graph(
  weights: ReadonlyMap<string, WeightTensor>,
  settings: Detectron2Settings,
  source: string,
  metadata: Readonly<Record<string, string>>,
): ModelSpec {
  const sd = new StateDict(weights, source);
  const checkpointClasses = sd.dim('roi_heads.box_predictor.cls_score.weight', 0);
  if (checkpointClasses !== undefined && checkpointClasses - 1 !== settings.roiHeads.numClasses) {
    throw new MaskserveError(
      'MODEL_FORMAT',
      `${source}: the checkpoint has ${checkpointClasses - 1} classes but the config says MODEL.ROI_HEADS.NUM_CLASSES = ${settings.roiHeads.numClasses}`,
    );
  }
  const g = new GraphBuilder();
  const image = g.input('image', 'float32', [3, 'height', 'width']);
  const { padded, limits } = g.within('input', () => {
    const shape = g.op('Shape', [image]);
    const hw = g.op('Slice', [shape, g.ints([1]), g.ints([3])]); // [H, W]
    const divisor = g.ints([SIZE_DIVISIBILITY]);
    const pad = g.op('Mod', [g.op('Sub', [divisor, g.op('Mod', [hw, divisor])]), divisor]); // [padH, padW]
    const pads = g.op('Concat', [g.ints([0, 0, 0, 0, 0, 0]), pad], { axis: { int: 0 } });
    const batch = g.op('Unsqueeze', [image, g.ints([0])]);
    const padded = g.op('Pad', [batch, pads], { mode: { string: 'constant' } });
    const wh = g.op('Cast', [g.op('Concat', [g.op('Slice', [hw, g.ints([1]), g.ints([2])]), g.op('Slice', [hw, g.ints([0]), g.ints([1])])], { axis: { int: 0 } })], { to: { int: 1 } });
    return { padded, limits: g.op('Tile', [wh, g.ints([2])]) }; // [W, H, W, H]
  });
  const backbone = g.within('backbone', () => resnetFpn(g, sd, settings, padded));
  const proposals = rpnProposals(g, sd, settings, backbone.levels, backbone.channels, limits);
  const detections = roiHeads(g, sd, settings, backbone.levels, backbone.channels, proposals, limits);
  const unused = sd.unused();
  if (unused.length > 0) {
    const shown = unused.slice(0, 5).join(', ');
    throw new MaskserveError(
      'MODEL_FORMAT',
      `${source}: ${unused.length} checkpoint tensors are not part of the network the config describes (${shown}${unused.length > 5 ? ', ...' : ''}); does the config match the checkpoint?`,
    );
  }
  const maskSize = 2 * settings.maskHead.pooler.resolution;
  g.output(detections.boxes, 'boxes', 'float32', ['detections', 4]);
  g.output(detections.labels, 'labels', 'int64', ['detections']);
  g.output(detections.scores, 'scores', 'float32', ['detections']);
  g.output(detections.masks, 'masks', 'float32', ['detections', 1, maskSize, maskSize]);
  return g.build({ metadata, opset: CONVERTED_OPSET, producerName: 'maskserve-convert', graphName: 'detectron2_mask_rcnn' });
}
