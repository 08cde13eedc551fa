// `maskserve eval`: ground truth + (model over images | results file) -> COCO metrics on stdout,
// optionally a metrics JSON and a precision/recall plot.
import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { MaskserveError, invalidParameter } from '../errors.js';
import { evaluateCoco, type CocoEvalResult, type DetectionInput, type IouType } from '../eval/coco-eval.js';
import type { CategoryAp } from '../eval/summary.js';
import { loadGroundTruth } from '../eval/coco-dataset.js';
import { toCocoResult } from '../output/coco.js';
import { resolveOptions } from '../options.js';
import { flagName } from '../options/table.js';
import type { ModelRef } from '../types.js';
import { detectAnnotatedImages } from './eval-detect.js';
import { EXIT, UsageError, type ExitCode } from './exit-codes.js';
import { integerFlag } from './flag-values.js';
import { MAX_CONCURRENCY } from './predict-settings.js';
import { formatTable } from './table.js';
import type { InputProblem } from './predict-inputs.js';
import { precisionRecallSvg } from '../eval/pr-plot.js';
import { precisionRecallPng } from '../eval/pr-plot-png.js';

export interface EvalFlags {
  readonly annotations: string;
  readonly model?: string;
  readonly images?: string;
  readonly results?: string;
  readonly saveResults?: string;
  readonly iouType?: string;
  readonly family?: string;
  readonly threshold?: string;
  readonly maxDetections?: string;
  readonly concurrency?: string;
  readonly out?: string;
  readonly plot?: string;
}

const DEFAULT_IOU_TYPES = 'bbox,segm';

export interface EvalIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream;
}

export async function runEval(flags: EvalFlags, io: EvalIo = process): Promise<ExitCode> {
  let iouTypes = parseIouTypes(flags.iouType ?? DEFAULT_IOU_TYPES);
  checkFlagCombination(flags);
  const gt = loadGroundTruth(await readJson(flags.annotations, '--annotations'));
  let detections: DetectionInput[];
  let model: ModelRef | undefined;
  let failures: InputProblem[] = [];
  if (flags.results !== undefined) {
    const rows = await readJson(flags.results, '--results');
    if (!Array.isArray(rows)) throw new UsageError(`--results ${flags.results}: expected a JSON array of COCO results`);
    detections = rows as DetectionInput[];
  } else {
    const options = resolveOptions({ threshold: flags.threshold ?? '0.05', maxDetections: flags.maxDetections ?? '100' }, flagName);
    const outcome = await detectAnnotatedImages({
      gt,
      imagesDir: flags.images as string,
      ...(flags.model === undefined ? {} : { model: flags.model }),
      ...(flags.family === undefined ? {} : { family: flags.family }),
      options,
      needsMasks: flags.iouType !== undefined && iouTypes.includes('segm'),
      concurrency: integerFlag(flags.concurrency ?? '1', '--concurrency', 1, MAX_CONCURRENCY),
      stderr: io.stderr,
    });
    ({ detections, model, failures } = outcome);
    if (outcome.boxesOnly && iouTypes.includes('segm')) {
      // A box-only family has no masks to score: by default say so and score boxes (asked for segm, it was refused).
      io.stderr.write(`maskserve: ${outcome.model.id} (${outcome.model.family}) gives boxes only: evaluating bbox\n`);
      iouTypes = ['bbox'];
    }
    // The results file's form (masks as compressed strings) only for the file itself.
    if (flags.saveResults) await writeFile(flags.saveResults, `${JSON.stringify(outcome.detections.map(toCocoResult))}\n`);
  }

  const result = evaluateCoco(gt, detections, iouTypes);
  for (const iouType of iouTypes) {
    const evaluation = result[iouType];
    io.stdout.write(`Evaluate annotation type *${iouType}*\n${evaluation?.summary ?? ''}\n`);
    if (evaluation) io.stdout.write(`\nPer-category ${iouType} AP:\n${perCategoryTable(evaluation.perCategory)}\n\n`);
  }
  if (flags.out) await writeFile(flags.out, `${JSON.stringify(metricsJson(result, { model, flags, images: gt.images.length, failures }), null, 2)}\n`);
  if (flags.plot) await writePlot(flags.plot, result);
  if (failures.length === 0) return EXIT.OK;
  io.stderr.write(`maskserve: ${failures.length} of ${gt.images.length} images failed (counted as having no detections):\n`);
  for (const failure of failures) io.stderr.write(`  ${failure.label}: ${failure.reason}\n`);
  return EXIT.INPUT_FAILED;
}

export function parseIouTypes(value: string): IouType[] {
  const types = value.split(',').map((part) => part.trim());
  if (types.length === 0 || !types.every((type): type is IouType => type === 'bbox' || type === 'segm')) {
    throw invalidParameter('bbox, segm or bbox,segm', '--iou-type', value);
  }
  return [...new Set(types)];
}

function checkFlagCombination(flags: EvalFlags): void {
  if (flags.results === undefined && flags.images === undefined) {
    throw new UsageError('eval needs --images DIR (to run a model) or --results FILE (to evaluate existing detections)');
  }
  if (flags.results !== undefined && (flags.images !== undefined || flags.model !== undefined)) {
    throw new UsageError('--results evaluates an existing results file: do not combine it with --images or --model');
  }
  if (flags.plot && !['.svg', '.png'].includes(extname(flags.plot).toLowerCase())) {
    throw invalidParameter('a file name ending in .svg or .png', '--plot', flags.plot);
  }
}

async function readJson(path: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MaskserveError('INVALID_REQUEST', `${flag} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** detectron2's per-category table (AP, AP50, AP75 in percent; '-' where a category has no ground truth). */
function perCategoryTable(categories: readonly CategoryAp[]): string {
  const percent = (value: number) => (value < 0 ? '-' : (100 * value).toFixed(1));
  return formatTable(
    ['category', 'AP', 'AP50', 'AP75'],
    categories.map((category) => [category.name, percent(category.ap), percent(category.ap50), percent(category.ap75)]),
  );
}

interface MetricsContext {
  readonly model?: ModelRef;
  readonly flags: EvalFlags;
  readonly images: number;
  readonly failures: readonly InputProblem[];
}

/** The metrics file: stats by name plus per-category AP; the raw accumulation stays out (it is large). */
function metricsJson(result: CocoEvalResult, context: MetricsContext): Record<string, unknown> {
  const byType = Object.fromEntries(
    Object.entries(result).map(([iouType, evaluation]) => [
      iouType,
      { metrics: evaluation.metrics, stats: evaluation.stats, perCategory: evaluation.perCategory, summary: evaluation.summary },
    ]),
  );
  return {
    model: context.model ?? null,
    annotations: context.flags.annotations,
    results: context.flags.results ?? null,
    images: context.images,
    failedImages: context.failures,
    ...byType,
  };
}

async function writePlot(path: string, result: CocoEvalResult): Promise<void> {
  const isPng = extname(path).toLowerCase() === '.png';
  await writeFile(path, isPng ? await precisionRecallPng(result, { scale: 2 }) : precisionRecallSvg(result));
}
