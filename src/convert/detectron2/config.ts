// detectron2 yacs configs (.yaml) -> the settings the graph builder needs. Reads a model zoo yaml
// with its `_BASE_` chain (resolved relative to each file) or the full `config.yaml` a training run
// dumps; keys a file leaves out take detectron2's defaults (DEFAULTS below, detectron2/config/defaults.py).
// Everything the converter cannot build exactly is refused naming the key and its value.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MaskserveError } from '../../errors.js';

type Tree = { [key: string]: unknown };

/** detectron2's defaults for every key the converter reads. */
const DEFAULTS: Tree = {
  MODEL: {
    META_ARCHITECTURE: 'GeneralizedRCNN',
    MASK_ON: false,
    KEYPOINT_ON: false,
    LOAD_PROPOSALS: false,
    PIXEL_MEAN: [103.53, 116.28, 123.675],
    PIXEL_STD: [1.0, 1.0, 1.0],
    BACKBONE: { NAME: 'build_resnet_backbone' },
    RESNETS: {
      DEPTH: 50,
      OUT_FEATURES: ['res4'],
      NUM_GROUPS: 1,
      NORM: 'FrozenBN',
      WIDTH_PER_GROUP: 64,
      STRIDE_IN_1X1: true,
      RES5_DILATION: 1,
      RES2_OUT_CHANNELS: 256,
      STEM_OUT_CHANNELS: 64,
      DEFORM_ON_PER_STAGE: [false, false, false, false],
    },
    FPN: { IN_FEATURES: [], OUT_CHANNELS: 256, NORM: '', FUSE_TYPE: 'sum' },
    PROPOSAL_GENERATOR: { NAME: 'RPN', MIN_SIZE: 0 },
    ANCHOR_GENERATOR: { NAME: 'DefaultAnchorGenerator', SIZES: [[32, 64, 128, 256, 512]], ASPECT_RATIOS: [[0.5, 1.0, 2.0]], OFFSET: 0.0 },
    RPN: {
      HEAD_NAME: 'StandardRPNHead',
      IN_FEATURES: ['res4'],
      BBOX_REG_WEIGHTS: [1.0, 1.0, 1.0, 1.0],
      PRE_NMS_TOPK_TEST: 6000,
      POST_NMS_TOPK_TEST: 1000,
      NMS_THRESH: 0.7,
      CONV_DIMS: [-1],
    },
    ROI_HEADS: { NAME: 'Res5ROIHeads', NUM_CLASSES: 80, IN_FEATURES: ['res4'], SCORE_THRESH_TEST: 0.05, NMS_THRESH_TEST: 0.5 },
    ROI_BOX_HEAD: {
      NAME: '',
      BBOX_REG_WEIGHTS: [10.0, 10.0, 5.0, 5.0],
      NUM_FC: 0,
      FC_DIM: 1024,
      NUM_CONV: 0,
      CONV_DIM: 256,
      NORM: '',
      CLS_AGNOSTIC_BBOX_REG: false,
      POOLER_RESOLUTION: 14,
      POOLER_SAMPLING_RATIO: 0,
      POOLER_TYPE: 'ROIAlignV2',
      USE_SIGMOID_CE: false,
    },
    ROI_MASK_HEAD: {
      NAME: 'MaskRCNNConvUpsampleHead',
      POOLER_RESOLUTION: 14,
      POOLER_SAMPLING_RATIO: 0,
      CONV_DIM: 256,
      NUM_CONV: 0,
      NORM: '',
      CLS_AGNOSTIC_MASK: false,
      POOLER_TYPE: 'ROIAlignV2',
    },
  },
  INPUT: { MIN_SIZE_TEST: 800, MAX_SIZE_TEST: 1333, FORMAT: 'BGR' },
  TEST: { DETECTIONS_PER_IMAGE: 100 },
};

export type PoolerType = 'ROIAlignV2' | 'ROIAlign';

export interface PoolerSettings {
  readonly resolution: number;
  readonly samplingRatio: number;
  /** ROIAlignV2 = aligned (half-pixel) sampling; ROIAlign = the legacy unaligned one. */
  readonly type: PoolerType;
}

export interface Detectron2Settings {
  readonly input: { readonly format: 'BGR' | 'RGB'; readonly minSize: number; readonly maxSize: number };
  /** In the input format's channel order. */
  readonly pixelMean: readonly [number, number, number];
  readonly pixelStd: readonly [number, number, number];
  readonly resnet: {
    readonly depth: 50 | 101 | 152;
    readonly numGroups: number;
    readonly widthPerGroup: number;
    readonly strideIn1x1: boolean;
    readonly stemOutChannels: number;
    readonly res2OutChannels: number;
    /** FrozenBN, BN and SyncBN all become a per-channel affine folded into the conv at inference. */
    readonly norm: 'FrozenBN' | 'BN' | 'SyncBN';
  };
  readonly fpn: { readonly outChannels: number; readonly fuse: 'sum' | 'avg' };
  readonly anchors: { readonly sizes: readonly (readonly number[])[]; readonly aspectRatios: readonly (readonly number[])[]; readonly offset: number };
  readonly rpn: {
    readonly preNmsTopK: number;
    readonly postNmsTopK: number;
    readonly nmsThreshold: number;
    readonly minBoxSize: number;
    readonly weights: readonly [number, number, number, number];
    readonly convDims: readonly number[];
  };
  readonly roiHeads: { readonly numClasses: number; readonly scoreThreshold: number; readonly nmsThreshold: number; readonly detectionsPerImage: number };
  readonly boxHead: {
    readonly numConv: number;
    readonly convDim: number;
    readonly numFc: number;
    readonly fcDim: number;
    readonly pooler: PoolerSettings;
    readonly weights: readonly [number, number, number, number];
    readonly classAgnostic: boolean;
    readonly sigmoidScores: boolean;
  };
  readonly maskHead: { readonly numConv: number; readonly convDim: number; readonly pooler: PoolerSettings; readonly classAgnostic: boolean };
}

export interface LoadedConfig {
  readonly settings: Detectron2Settings;
  /** sha256 of the merged config (the yaml chain after _BASE_ resolution), for provenance. */
  readonly digest: string;
  /** The files read, child first. */
  readonly files: readonly string[];
}

function configError(source: string, message: string): MaskserveError {
  return new MaskserveError('MODEL_FORMAT', `${source}: ${message}`);
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** yacs merge: dicts merge key by key, anything else replaces. */
function merge(base: Tree, override: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = isTree(value) && isTree(base[key]) ? merge(base[key] as Tree, value) : value;
  }
  return out;
}

async function readYamlChain(path: string, seen: string[]): Promise<{ tree: Tree; files: string[] }> {
  const absolute = resolve(path);
  if (seen.includes(absolute)) throw configError(path, `_BASE_ chain loops back to ${absolute}`);
  if (extname(absolute) === '.py') {
    throw configError(path, 'LazyConfig (.py) files are not supported: give the yacs .yaml config (training writes config.yaml)');
  }
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw configError(path, code === 'ENOENT' ? 'no such config file' : `cannot read the config (${code ?? String(error)})`);
  }
  let parsed: unknown;
  try {
    // PyYAML (what yacs uses) reads YAML 1.1: True/False/yes/no are booleans there.
    parsed = parseYaml(text, { version: '1.1', maxAliasCount: 1000 });
  } catch (error) {
    throw configError(path, `not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (parsed === null || parsed === undefined) parsed = {};
  if (!isTree(parsed)) throw configError(path, 'not a detectron2 config (the top level must be a mapping)');
  const { _BASE_: base, ...own } = parsed;
  const files = [absolute];
  if (base === undefined) return { tree: own, files };
  if (typeof base !== 'string') throw configError(path, '_BASE_ must be a file path');
  if (base.startsWith('detectron2://') || base.includes('://')) throw configError(path, `_BASE_ ${JSON.stringify(base)} is a URL; give a local file`);
  const parent = await readYamlChain(resolve(dirname(absolute), base), [...seen, absolute]);
  return { tree: merge(parent.tree, own), files: [...files, ...parent.files] };
}

export async function loadDetectron2Config(path: string): Promise<LoadedConfig> {
  const { tree, files } = await readYamlChain(path, []);
  if (!isTree(tree.MODEL)) throw configError(path, 'not a detectron2 config (no MODEL section)');
  const digest = createHash('sha256').update(JSON.stringify(sortKeys(tree))).digest('hex');
  return { settings: settingsFromTree(tree, path), digest, files };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isTree(value)) return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys(value[key])]));
}

/** Turns a merged config tree (e.g. built in code for the catalog) into checked settings. */
export function settingsFromTree(tree: Tree, source = 'config'): Detectron2Settings {
  const cfg = merge(DEFAULTS, tree);
  const get = (key: string): unknown => key.split('.').reduce<unknown>((node, part) => (isTree(node) ? node[part] : undefined), cfg);
  const fail = (key: string, why: string): never => {
    throw configError(source, `${key} = ${JSON.stringify(get(key))}: ${why}`);
  };
  const require = <T>(key: string, allowed: readonly T[], why: string): T => {
    const value = get(key) as T;
    if (!allowed.includes(value)) fail(key, why);
    return value;
  };
  const number = (key: string, check: (n: number) => boolean = () => true, what = 'a number'): number => {
    const value = get(key);
    if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) fail(key, `expected ${what}`);
    return value as number;
  };
  const integer = (key: string, min = 0): number => number(key, (n) => Number.isInteger(n) && n >= min, `an integer >= ${min}`);
  const bool = (key: string): boolean => {
    const value = get(key);
    if (typeof value !== 'boolean') fail(key, 'expected True or False');
    return value as boolean;
  };
  const numbers = (key: string, length?: number): number[] => {
    const value = get(key);
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v)) || (length !== undefined && value.length !== length)) {
      fail(key, `expected a list of ${length ?? 'some'} numbers`);
    }
    return value as number[];
  };
  const strings = (key: string, expected: readonly string[]): void => {
    const value = get(key);
    if (!Array.isArray(value) || value.length !== expected.length || value.some((v, i) => v !== expected[i])) {
      fail(key, `maskserve converts ${JSON.stringify(expected)}`);
    }
  };

  // The architecture: GeneralizedRCNN + ResNet-FPN + RPN + StandardROIHeads with a mask head.
  require('MODEL.META_ARCHITECTURE', ['GeneralizedRCNN'], 'maskserve converts GeneralizedRCNN (Mask R-CNN); panoptic, RetinaNet and semantic models are not supported');
  require('MODEL.BACKBONE.NAME', ['build_resnet_fpn_backbone'], 'maskserve converts ResNet-FPN backbones (not C4, DC5 or others)');
  require('MODEL.PROPOSAL_GENERATOR.NAME', ['RPN'], 'maskserve converts the standard RPN (not rotated RRPN or precomputed proposals)');
  require('MODEL.RPN.HEAD_NAME', ['StandardRPNHead'], 'maskserve converts StandardRPNHead');
  require('MODEL.ANCHOR_GENERATOR.NAME', ['DefaultAnchorGenerator'], 'maskserve converts DefaultAnchorGenerator (no rotated anchors)');
  require('MODEL.ROI_HEADS.NAME', ['StandardROIHeads'], 'maskserve converts StandardROIHeads (not cascade or Res5 heads)');
  require('MODEL.ROI_BOX_HEAD.NAME', ['FastRCNNConvFCHead'], 'maskserve converts FastRCNNConvFCHead');
  require('MODEL.ROI_MASK_HEAD.NAME', ['MaskRCNNConvUpsampleHead'], 'maskserve converts MaskRCNNConvUpsampleHead');
  require('MODEL.MASK_ON', [true], 'maskserve serves instance segmentation: a Mask R-CNN with MASK_ON: True');
  require('MODEL.KEYPOINT_ON', [false], 'keypoint heads are not supported');
  require('MODEL.LOAD_PROPOSALS', [false], 'precomputed proposals are not supported');
  require('MODEL.RESNETS.RES5_DILATION', [1], 'dilated res5 (DC5) is not supported');
  require('MODEL.RESNETS.NORM', ['FrozenBN', 'BN', 'SyncBN'], 'the backbone norm must be FrozenBN, BN or SyncBN (GN is not supported)');
  for (const key of ['MODEL.FPN.NORM', 'MODEL.ROI_BOX_HEAD.NORM', 'MODEL.ROI_MASK_HEAD.NORM']) require(key, [''], 'normalisation in FPN or ROI heads is not supported');
  const deform = get('MODEL.RESNETS.DEFORM_ON_PER_STAGE');
  if (!Array.isArray(deform) || deform.some((on) => on !== false)) fail('MODEL.RESNETS.DEFORM_ON_PER_STAGE', 'deformable convolutions are not supported');
  strings('MODEL.RESNETS.OUT_FEATURES', ['res2', 'res3', 'res4', 'res5']);
  strings('MODEL.FPN.IN_FEATURES', ['res2', 'res3', 'res4', 'res5']);
  strings('MODEL.RPN.IN_FEATURES', ['p2', 'p3', 'p4', 'p5', 'p6']);
  strings('MODEL.ROI_HEADS.IN_FEATURES', ['p2', 'p3', 'p4', 'p5']);
  const format = require('INPUT.FORMAT', ['BGR', 'RGB'] as const, 'the input format must be BGR or RGB');
  const poolerType = (key: string): PoolerType => require(key, ['ROIAlignV2', 'ROIAlign'] as const, 'the pooler must be ROIAlignV2 or ROIAlign');

  const sizes = get('MODEL.ANCHOR_GENERATOR.SIZES');
  const ratios = get('MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS');
  const isNumberLists = (value: unknown): value is number[][] =>
    Array.isArray(value) && value.every((row) => Array.isArray(row) && row.length > 0 && row.every((v) => typeof v === 'number' && v > 0));
  if (!isNumberLists(sizes) || (sizes.length !== 1 && sizes.length !== 5)) fail('MODEL.ANCHOR_GENERATOR.SIZES', 'expected one list of sizes per RPN level');
  if (!isNumberLists(ratios) || (ratios.length !== 1 && ratios.length !== 5)) fail('MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS', 'expected one list of ratios, or one per level');
  const levelSizes = Array.from({ length: 5 }, (_, l) => (sizes as number[][])[(sizes as number[][]).length === 1 ? 0 : l]);
  const levelRatios = Array.from({ length: 5 }, (_, l) => (ratios as number[][])[(ratios as number[][]).length === 1 ? 0 : l]);
  const perLevel = levelSizes.map((s, l) => s.length * levelRatios[l].length);
  if (perLevel.some((count) => count !== perLevel[0])) fail('MODEL.ANCHOR_GENERATOR.SIZES', 'every level needs the same number of anchors');

  const mean = numbers('MODEL.PIXEL_MEAN', 3);
  const std = numbers('MODEL.PIXEL_STD', 3);
  if (std.some((s) => s === 0)) fail('MODEL.PIXEL_STD', 'a zero standard deviation');
  const depth = require('MODEL.RESNETS.DEPTH', [50, 101, 152] as const, 'maskserve converts ResNet-50, -101 and -152 (bottleneck) backbones');
  const convDims = numbers('MODEL.RPN.CONV_DIMS');
  if (convDims.length === 0 || convDims.some((d) => d !== -1 && !(Number.isInteger(d) && d > 0))) fail('MODEL.RPN.CONV_DIMS', 'expected -1 or positive channel counts');

  return {
    input: { format, minSize: integer('INPUT.MIN_SIZE_TEST', 1), maxSize: integer('INPUT.MAX_SIZE_TEST', 1) },
    pixelMean: mean as [number, number, number],
    pixelStd: std as [number, number, number],
    resnet: {
      depth,
      numGroups: integer('MODEL.RESNETS.NUM_GROUPS', 1),
      widthPerGroup: integer('MODEL.RESNETS.WIDTH_PER_GROUP', 1),
      strideIn1x1: bool('MODEL.RESNETS.STRIDE_IN_1X1'),
      stemOutChannels: integer('MODEL.RESNETS.STEM_OUT_CHANNELS', 1),
      res2OutChannels: integer('MODEL.RESNETS.RES2_OUT_CHANNELS', 1),
      norm: get('MODEL.RESNETS.NORM') as 'FrozenBN' | 'BN' | 'SyncBN',
    },
    fpn: { outChannels: integer('MODEL.FPN.OUT_CHANNELS', 1), fuse: require('MODEL.FPN.FUSE_TYPE', ['sum', 'avg'] as const, 'FUSE_TYPE must be sum or avg') },
    anchors: { sizes: levelSizes, aspectRatios: levelRatios, offset: number('MODEL.ANCHOR_GENERATOR.OFFSET', (n) => n >= 0 && n < 1, 'a number in [0, 1)') },
    rpn: {
      preNmsTopK: integer('MODEL.RPN.PRE_NMS_TOPK_TEST', 1),
      postNmsTopK: integer('MODEL.RPN.POST_NMS_TOPK_TEST', 1),
      nmsThreshold: number('MODEL.RPN.NMS_THRESH', (n) => n > 0 && n <= 1, 'a number in (0, 1]'),
      minBoxSize: number('MODEL.PROPOSAL_GENERATOR.MIN_SIZE', (n) => n >= 0, 'a number >= 0'),
      weights: numbers('MODEL.RPN.BBOX_REG_WEIGHTS', 4) as [number, number, number, number],
      convDims,
    },
    roiHeads: {
      numClasses: integer('MODEL.ROI_HEADS.NUM_CLASSES', 1),
      scoreThreshold: number('MODEL.ROI_HEADS.SCORE_THRESH_TEST', (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
      nmsThreshold: number('MODEL.ROI_HEADS.NMS_THRESH_TEST', (n) => n > 0 && n <= 1, 'a number in (0, 1]'),
      detectionsPerImage: integer('TEST.DETECTIONS_PER_IMAGE', 1),
    },
    boxHead: {
      numConv: integer('MODEL.ROI_BOX_HEAD.NUM_CONV'),
      convDim: integer('MODEL.ROI_BOX_HEAD.CONV_DIM', 1),
      numFc: integer('MODEL.ROI_BOX_HEAD.NUM_FC'),
      fcDim: integer('MODEL.ROI_BOX_HEAD.FC_DIM', 1),
      pooler: {
        resolution: integer('MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION', 1),
        samplingRatio: integer('MODEL.ROI_BOX_HEAD.POOLER_SAMPLING_RATIO'),
        type: poolerType('MODEL.ROI_BOX_HEAD.POOLER_TYPE'),
      },
      weights: numbers('MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS', 4) as [number, number, number, number],
      classAgnostic: bool('MODEL.ROI_BOX_HEAD.CLS_AGNOSTIC_BBOX_REG'),
      sigmoidScores: bool('MODEL.ROI_BOX_HEAD.USE_SIGMOID_CE'),
    },
    maskHead: {
      numConv: integer('MODEL.ROI_MASK_HEAD.NUM_CONV'),
      convDim: integer('MODEL.ROI_MASK_HEAD.CONV_DIM', 1),
      pooler: {
        resolution: integer('MODEL.ROI_MASK_HEAD.POOLER_RESOLUTION', 1),
        samplingRatio: integer('MODEL.ROI_MASK_HEAD.POOLER_SAMPLING_RATIO'),
        type: poolerType('MODEL.ROI_MASK_HEAD.POOLER_TYPE'),
      },
      classAgnostic: bool('MODEL.ROI_MASK_HEAD.CLS_AGNOSTIC_MASK'),
    },
  };
}
