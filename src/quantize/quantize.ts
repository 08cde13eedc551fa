// `maskserve models quantize`: an fp32 ONNX model + calibration images -> MODEL-int8.onnx + card.
// Static int8 in QDQ form (see qdq.ts), planned from the graph (plan.ts), with activation ranges
// calibrated on the user's images through the model family's own preprocessing (calibrate.ts).
// Nothing is written unless every step succeeded; the card says how the model was made.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { createAdapter } from '../adapters/registry.js';
import { allInOrder } from '../all-in-order.js';
import { MaskserveError } from '../errors.js';
import { readModelCard } from '../models/model-card.js';
import { namingTheFile, readGraphInfo } from '../models/onnx-graph-info.js';
import { resolveModelSpec } from '../models/resolve.js';
import { readModelSpec } from '../onnx/reader.js';
import { saveModelWithCard } from '../onnx/save.js';
import type { ModelSpec } from '../onnx/writer.js';
import type { ModelCard } from '../types.js';
import { MASKSERVE_VERSION } from '../version.js';
import { calibrateActivations } from './calibrate.js';
import { nodeName, planQuantization, type PlanOptions, type QuantizationPlan } from './plan.js';
import { rewriteToQdq, type ActivationRange } from './qdq.js';
import { DEFAULT_CALIBRATION_IMAGES, DEFAULT_PERCENTILE, MIN_CALIBRATION_IMAGES, type CalibrationMethod } from './calibration-settings.js';

export type QuantizeStage = 'read' | 'calibrate' | 'write';

export interface QuantizeOptions {
  /** An .onnx path, a catalog id or "demo" (as for --model). */
  readonly model: string;
  /** A directory of images or a glob. */
  readonly calibrate: string;
  /** At most this many images (the first in sorted order, so runs are repeatable). */
  readonly images?: number;
  readonly method?: CalibrationMethod;
  readonly percentile?: number;
  readonly out?: string;
  readonly id?: string;
  readonly family?: string;
  readonly plan?: PlanOptions;
  readonly onStage?: (stage: QuantizeStage) => void;
  readonly onImage?: (done: number, total: number, file: string) => void;
}

export interface QuantizeResult {
  readonly onnxPath: string;
  readonly cardPath: string;
  readonly card: ModelCard;
  readonly plan: QuantizationPlan;
}

/** Image files by extension; anything else in a calibration directory is ignored. */
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif']);

export async function quantizeModel(options: QuantizeOptions): Promise<QuantizeResult> {
  const method = options.method ?? 'percentile';
  const percentile = options.percentile ?? DEFAULT_PERCENTILE;
  options.onStage?.('read');
  const source = await resolveModelSpec(options.model);
  const onnxPath = resolve(options.out ?? defaultOutPath(source.path));
  if (extname(onnxPath).toLowerCase() !== '.onnx') throw new MaskserveError('INVALID_OPTION', `Expected an .onnx path for --out but received ${JSON.stringify(options.out)}`);
  if (onnxPath === resolve(source.path)) throw new MaskserveError('INVALID_OPTION', 'Expected an --out path other than the model being quantized');
  const images = await listCalibrationImages(options.calibrate, options.images ?? DEFAULT_CALIBRATION_IMAGES);

  const bytes = await readFile(source.path);
  const spec = readSpecOf(bytes, source.path);
  refuseQuantized(spec);
  // An empty plan (no Conv/Gemm/Add, or none feeding another layer) is refused below.
  const [graph, card] = await allInOrder([readGraphInfo(bytes), readModelCard(source.path)]);
  const { family, adapter } = createAdapter(graph, card, options.family);
  let plan = planQuantization(spec, options.plan);
  if (plan.nodes.size === 0) {
    throw new MaskserveError('MODEL_NOT_QUANTIZABLE', `${basename(source.path)} has no Conv or Gemm layer with float weights that feeds another layer: nothing to quantize`);
  }

  options.onStage?.('calibrate');
  const calibration = await calibrateActivations(spec, adapter, plan.activations, images, { method, percentile, onImage: options.onImage });
  plan = withoutUncalibrated(spec, plan, calibration.ranges, options.plan);

  options.onStage?.('write');
  const rewritten = rewriteToQdq(spec, plan, calibration.ranges);
  const id = options.id ?? basename(onnxPath, extname(onnxPath));
  const provenance = {
    format: 'QDQ',
    weights: 'int8, symmetric, per output channel',
    activations: 'uint8, asymmetric, per tensor',
    method,
    ...(method === 'percentile' ? { percentile } : {}),
    calibrationImages: images.length,
    calibrationSet: options.calibrate,
    calibrationSha256: calibration.digest,
    source: basename(source.path),
    sourceSha256: createHash('sha256').update(bytes).digest('hex'),
    quantizedLayers: rewritten.quantizedNodes,
    floatLayers: plan.keptFloat.map((kept) => `${kept.name} (${kept.op}): ${kept.reason}`),
    quantizedBy: `maskserve ${MASKSERVE_VERSION}`,
  };
  const int8Card: ModelCard = {
    ...card,
    id,
    family,
    ...(card.description ? { description: `${card.description} (int8)` } : {}),
    quantization: provenance,
  };
  const metadata = { ...(rewritten.spec.metadata ?? {}), 'maskserve.quantization': JSON.stringify({ method, calibrationSha256: calibration.digest }) };
  const cardPath = await saveModelWithCard(onnxPath, { ...rewritten.spec, metadata, producerName: 'maskserve-quantize' }, int8Card);
  return { onnxPath, cardPath, card: int8Card, plan };
}

function readSpecOf(bytes: Uint8Array, path: string): ModelSpec {
  try {
    return readModelSpec(bytes);
  } catch (error) {
    throw namingTheFile(error, path);
  }
}

function defaultOutPath(model: string): string {
  return join(dirname(model), `${basename(model, extname(model))}-int8.onnx`);
}

/** Sorted image files of a directory or a glob, at most `limit`; too few is a usage error. */
export async function listCalibrationImages(pattern: string, limit: number): Promise<string[]> {
  if (!Number.isInteger(limit) || limit < MIN_CALIBRATION_IMAGES) {
    throw new MaskserveError('INVALID_OPTION', `Expected an integer >= ${MIN_CALIBRATION_IMAGES} for --images but received ${limit}`);
  }
  const isDirectory = await stat(pattern).then((entry) => entry.isDirectory(), () => false);
  const found = isDirectory
    ? await glob('*', { cwd: pattern, absolute: true, onlyFiles: true, caseSensitiveMatch: false })
    : await glob(pattern, { absolute: true, onlyFiles: true });
  const images = found.filter((file) => IMAGE_EXTENSIONS.has(extname(file).toLowerCase())).sort();
  if (images.length < MIN_CALIBRATION_IMAGES) {
    throw new MaskserveError(
      'INVALID_OPTION',
      `--calibrate ${pattern} holds ${images.length} image${images.length === 1 ? '' : 's'}; at least ${MIN_CALIBRATION_IMAGES} are needed (${DEFAULT_CALIBRATION_IMAGES} or more, like the photos the model will serve, give the best ranges)`,
    );
  }
  return images.slice(0, limit);
}

function refuseQuantized(spec: ModelSpec): void {
  const quantized = spec.nodes.find((node) => /^(QuantizeLinear|DequantizeLinear|QLinear\w+|QGemm|ConvInteger|MatMulInteger\w*)$/.test(node.op));
  if (quantized) throw new MaskserveError('MODEL_NOT_QUANTIZABLE', `The model is already quantized (it has ${quantized.op} nodes); quantize its fp32 original`);
}

/** Layers whose activations never produced a value (e.g. a mask head on images without detections) stay fp32. */
function withoutUncalibrated(spec: ModelSpec, plan: QuantizationPlan, ranges: ReadonlyMap<string, ActivationRange>, options: PlanOptions = {}): QuantizationPlan {
  const keepFloat = [...(options.keepFloat ?? [])];
  let current = plan;
  for (;;) {
    const uncalibrated = [...current.activationsByNode].filter(([, names]) => names.some((name) => !ranges.has(name)));
    if (uncalibrated.length === 0) return current;
    keepFloat.push(...uncalibrated.map(([index]) => nodeName(spec.nodes[index], index)));
    current = planQuantization(spec, { ...options, keepFloat });
  }
}
