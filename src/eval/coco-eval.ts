// COCO evaluation with pycocotools' COCOeval semantics, behind detectron2's evaluator shape:
//   const evaluator = new CocoEvaluator(gt, { iouTypes: ['bbox', 'segm'] });
//   evaluator.reset(); for (...) evaluator.process(detections); const result = evaluator.evaluate();
// evaluate() runs COCOeval's evaluate -> accumulate -> summarize once per IoU type.
import { invalidParameter, MaskserveError } from '../errors.js';
import { toCocoResults } from '../output/coco.js';
import type { Instances } from '../types.js';
import { accumulate, type Accumulated } from './accumulate.js';
import { loadGroundTruth, loadResults, type CocoGroundTruth, type DetectionInput, type GtAnnotation } from './coco-dataset.js';
import { defaultEvalParams, IOU_TYPES, resolveEvalParams, type EvalParams, type EvalParamsInput, type IouType } from './eval-params.js';
import { evaluateImages, type GeometryLookup } from './evaluate-image.js';
import { rleToBbox, type Box, type Rle } from './mask-api.js';
import { segmentationToRle } from './segmentation.js';
import { formatSummary, perCategoryAp, STAT_NAMES, summarizeStats, type CategoryAp } from './summary.js';

export { formatSummary } from './summary.js';
export type { CategoryAp } from './summary.js';
export type { IouType, EvalParams, EvalParamsInput } from './eval-params.js';
export type { DetectionInput, CocoGroundTruth } from './coco-dataset.js';

export interface EvaluatorOptions {
  /** Default ['bbox', 'segm']. */
  readonly iouTypes?: readonly IouType[];
  /** COCOeval.params overrides (imgIds, catIds, iouThrs, recThrs, maxDets, areaRng, areaRngLbl). */
  readonly params?: EvalParamsInput;
  /**
   * Honour a gt `ignore` flag. Off by default because pycocotools overwrites `ignore` with
   * `iscrowd` before matching, so the flag has no effect there.
   */
  readonly useIgnoreFlag?: boolean;
}

export interface IouTypeEvaluation {
  readonly iouType: IouType;
  /** The 12 numbers of COCOeval.stats, in pycocotools' order (see `metrics` for names). */
  readonly stats: readonly number[];
  /** The same 12 numbers by detectron2 name: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl. */
  readonly metrics: Readonly<Record<(typeof STAT_NAMES)[number], number>>;
  readonly perCategory: readonly CategoryAp[];
  /** COCOeval.eval: precision [T,R,K,A,M], recall [T,K,A,M], scores; for PR curves. */
  readonly accumulated: Accumulated;
  readonly params: EvalParams;
  /** The 12 lines pycocotools prints. */
  readonly summary: string;
}

export type CocoEvalResult = Partial<Record<IouType, IouTypeEvaluation>>;

export class CocoEvaluator {
  readonly gt: CocoGroundTruth;
  private readonly iouTypes: readonly IouType[];
  private readonly options: EvaluatorOptions;
  private detections: DetectionInput[] = [];
  private readonly gtMasks = new Map<number, { rle: Rle; box: Box }>(); // rasterised once, kept across evaluations

  constructor(gt: CocoGroundTruth | unknown, options: EvaluatorOptions = {}) {
    this.gt = isLoadedGroundTruth(gt) ? gt : loadGroundTruth(gt);
    this.iouTypes = checkIouTypes(options.iouTypes ?? IOU_TYPES);
    this.options = options;
  }

  /** Forget every processed detection (the ground truth stays). */
  reset(): void {
    this.detections = [];
  }

  /** Add detections, e.g. one image's CocoResult[]; they are validated when evaluated. */
  process(detections: readonly DetectionInput[]): void {
    if (!Array.isArray(detections)) throw invalidParameter('an array of detections', 'detections', detections);
    for (const detection of detections) this.detections.push(detection);
  }

  /** detectron2's process(inputs, outputs): one image's model output, as COCO results rows. */
  processInstances(imageId: number, instances: Instances): void {
    if (!Number.isInteger(imageId)) throw invalidParameter('an integer image id', 'imageId', imageId);
    this.process(toCocoResults(instances, imageId));
  }

  /** Run COCOeval for every IoU type on everything processed since the last reset(). */
  evaluate(): CocoEvalResult {
    const result: CocoEvalResult = {};
    for (const iouType of this.iouTypes) result[iouType] = this.evaluateIouType(iouType);
    return result;
  }

  private evaluateIouType(iouType: IouType): IouTypeEvaluation {
    const gt = this.gt;
    const params = resolveEvalParams(
      defaultEvalParams(gt.images.map((i) => i.id), gt.categories.map((c) => c.id)),
      this.options.params,
    );
    const detections = loadResults(gt, this.detections, iouType);
    const evalImgs = evaluateImages(gt, detections, params, iouType, this.lookup(), this.options.useIgnoreFlag ?? false);
    const accumulated = accumulate(evalImgs, params);
    const stats = summarizeStats(accumulated, params);
    return {
      iouType,
      stats,
      metrics: Object.fromEntries(STAT_NAMES.map((name, i) => [name, stats[i]])) as IouTypeEvaluation['metrics'],
      perCategory: perCategoryAp(accumulated, params, gt),
      accumulated,
      params,
      summary: formatSummary(stats, iouType, params),
    };
  }

  private lookup(): GeometryLookup {
    const { gt, gtMasks } = this;
    const mask = (ann: GtAnnotation): { rle: Rle; box: Box } => {
      let found = gtMasks.get(ann.id);
      if (found === undefined) {
        if (ann.segmentation === undefined) missing(ann, 'segmentation', 'segm');
        const image = gt.imageById.get(ann.image_id)!;
        const rle = segmentationToRle(ann.segmentation, image.height, image.width, `annotation ${ann.id} segmentation`);
        found = { rle, box: rleToBbox(rle) };
        gtMasks.set(ann.id, found);
      }
      return found;
    };
    return {
      gtRle: (ann) => mask(ann).rle,
      gtMaskBox: (ann) => mask(ann).box,
      gtBox(ann: GtAnnotation): Box {
        if (ann.bbox === undefined) missing(ann, 'bbox', 'bbox');
        return ann.bbox;
      },
    };
  }
}

/** One-shot evaluation (COCO(gt) + loadRes + COCOeval per IoU type). */
export function evaluateCoco(
  gt: CocoGroundTruth | unknown,
  detections: readonly DetectionInput[],
  iouTypes: readonly IouType[] = IOU_TYPES,
  params?: EvalParamsInput,
  options: Omit<EvaluatorOptions, 'iouTypes' | 'params'> = {},
): CocoEvalResult {
  const evaluator = new CocoEvaluator(gt, { ...options, iouTypes, ...(params ? { params } : {}) });
  evaluator.process(detections);
  return evaluator.evaluate();
}

function checkIouTypes(iouTypes: readonly IouType[]): readonly IouType[] {
  if (!Array.isArray(iouTypes) || iouTypes.length === 0 || !iouTypes.every((t) => IOU_TYPES.includes(t))) {
    throw invalidParameter(`a non-empty list of ${IOU_TYPES.join(' / ')}`, 'iouTypes', iouTypes);
  }
  return [...new Set(iouTypes)];
}

function isLoadedGroundTruth(value: unknown): value is CocoGroundTruth {
  return typeof value === 'object' && value !== null && (value as CocoGroundTruth).imageById instanceof Map;
}

function missing(ann: GtAnnotation, field: string, iouType: IouType): never {
  throw new MaskserveError('INVALID_REQUEST', `Expected a ${field} for annotation ${ann.id} (needed for ${iouType} evaluation)`);
}
