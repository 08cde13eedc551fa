// The detectron2 model zoo's COCO Mask R-CNN FPN configurations, as data: Base-RCNN-FPN plus each
// model's backbone settings. `models pull` converts the zoo checkpoints with these, so no yaml
// (and no Python) is needed on the user's machine.
import { createHash } from 'node:crypto';
import { settingsFromTree, type Detectron2Settings } from './config.js';

/** What COCO-InstanceSegmentation/Base-RCNN-FPN.yaml sets at inference, with MASK_ON. */
const BASE_RCNN_FPN = {
  MODEL: {
    META_ARCHITECTURE: 'GeneralizedRCNN',
    MASK_ON: true,
    BACKBONE: { NAME: 'build_resnet_fpn_backbone' },
    RESNETS: { OUT_FEATURES: ['res2', 'res3', 'res4', 'res5'] },
    FPN: { IN_FEATURES: ['res2', 'res3', 'res4', 'res5'] },
    ANCHOR_GENERATOR: { SIZES: [[32], [64], [128], [256], [512]], ASPECT_RATIOS: [[0.5, 1.0, 2.0]] },
    RPN: { IN_FEATURES: ['p2', 'p3', 'p4', 'p5', 'p6'], PRE_NMS_TOPK_TEST: 1000, POST_NMS_TOPK_TEST: 1000 },
    ROI_HEADS: { NAME: 'StandardROIHeads', IN_FEATURES: ['p2', 'p3', 'p4', 'p5'] },
    ROI_BOX_HEAD: { NAME: 'FastRCNNConvFCHead', NUM_FC: 2, POOLER_RESOLUTION: 7 },
    ROI_MASK_HEAD: { NAME: 'MaskRCNNConvUpsampleHead', NUM_CONV: 4, POOLER_RESOLUTION: 14 },
  },
};

export type ZooBackbone = 'R-50' | 'R-101' | 'X-101-32x8d';

const BACKBONES: Readonly<Record<ZooBackbone, Record<string, unknown>>> = Object.freeze({
  'R-50': { RESNETS: { DEPTH: 50 } },
  'R-101': { RESNETS: { DEPTH: 101 } },
  // FAIR's ResNeXt: stride in the 3x3 conv and its own pixel std.
  'X-101-32x8d': { PIXEL_STD: [57.375, 57.12, 58.395], RESNETS: { DEPTH: 101, STRIDE_IN_1X1: false, NUM_GROUPS: 32, WIDTH_PER_GROUP: 8 } },
});

export interface ZooConfig {
  readonly settings: Detectron2Settings;
  readonly digest: string;
  readonly name: string;
}

export function zooConfig(backbone: ZooBackbone, name: string): ZooConfig {
  const overrides = BACKBONES[backbone];
  const tree = {
    ...BASE_RCNN_FPN,
    MODEL: {
      ...BASE_RCNN_FPN.MODEL,
      ...overrides,
      RESNETS: { ...BASE_RCNN_FPN.MODEL.RESNETS, ...(overrides.RESNETS as Record<string, unknown>) },
    },
  };
  return {
    settings: settingsFromTree(tree, name),
    digest: createHash('sha256').update(JSON.stringify(tree)).digest('hex'),
    name,
  };
}
