// `maskserve models convert`: a detectron2 checkpoint + its config -> MODEL.onnx + MODEL.json.
// The result is an ordinary maskrcnn-family model; its card and metadata carry what the serving
// side needs (classes, sizes, normalisation, resize rule) and where it came from.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { COCO_80_CLASSES } from '../adapters/coco-classes.js';
import { MaskserveError } from '../errors.js';
import { saveModelWithCard } from '../onnx/save.js';
import type { ModelCard } from '../types.js';
import { MASKSERVE_VERSION } from '../version.js';
import { parseCheckpoint, type CheckpointForm } from './checkpoint.js';
import { buildDetectron2Graph } from './detectron2/build.js';
import { loadDetectron2Config, type Detectron2Settings } from './detectron2/config.js';

export interface ConvertOptions {
  readonly checkpoint: string;
  /** The checkpoint's name for the card (default: its file name). */
  readonly sourceName?: string;
  /** A yaml path, or settings built in code (the catalog's zoo entries). */
  readonly config: string | { readonly settings: Detectron2Settings; readonly digest: string; readonly name: string };
  /** A file with one name per line, or a comma-separated list. */
  readonly classes?: string;
  readonly out?: string;
  readonly id?: string;
  /** Extra card fields (e.g. the catalog's published accuracy and licence). */
  readonly cardExtras?: Readonly<Record<string, unknown>>;
  readonly onStage?: (stage: 'read' | 'build' | 'write') => void;
}

export interface ConvertResult {
  readonly onnxPath: string;
  readonly cardPath: string;
  readonly card: ModelCard;
  readonly warnings: readonly string[];
}

/** Class names (without background) for a K-class checkpoint; `spec` is a file path or a comma list. */
export async function resolveClassNames(spec: string | undefined, count: number): Promise<{ names: string[]; warning?: string }> {
  if (spec === undefined || spec.trim() === '') {
    if (count === COCO_80_CLASSES.length) return { names: [...COCO_80_CLASSES] };
    const names = Array.from({ length: count }, (_, i) => `class_${i + 1}`);
    return { names, warning: `no --classes given for a ${count}-class model: naming them class_1 ... class_${count}` };
  }
  let names: string[];
  const isFile = await stat(spec).then((s) => s.isFile(), () => false);
  if (isFile) {
    names = (await readFile(spec, 'utf8'))
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '');
  } else {
    names = spec.split(',').map((name) => name.trim());
  }
  if (names.some((name) => name === '')) throw new MaskserveError('INVALID_OPTION', 'Expected non-empty class names for --classes');
  if (new Set(names).size !== names.length) throw new MaskserveError('INVALID_OPTION', 'Expected distinct class names for --classes');
  if (names.length !== count) {
    throw new MaskserveError('INVALID_OPTION', `Expected ${count} class names for --classes (the model has ${count} classes) but received ${names.length}`);
  }
  return { names };
}

function defaultOutPath(checkpoint: string): string {
  return join(dirname(checkpoint), `${basename(checkpoint, extname(checkpoint))}.onnx`);
}

export async function convertDetectron2(options: ConvertOptions): Promise<ConvertResult> {
  const warnings: string[] = [];
  const checkpointName = options.sourceName ?? basename(options.checkpoint);
  options.onStage?.('read');
  const config =
    typeof options.config === 'string'
      ? { ...(await loadDetectron2Config(options.config)), name: basename(options.config) }
      : { settings: options.config.settings, digest: options.config.digest, name: options.config.name };
  const settings = config.settings;
  const bytes = await readFile(options.checkpoint);
  const checkpointSha256 = createHash('sha256').update(bytes).digest('hex');
  const checkpoint = await parseCheckpoint(bytes, checkpointName);
  const { names, warning } = await resolveClassNames(options.classes, settings.roiHeads.numClasses);
  if (warning) warnings.push(warning);

  const onnxPath = resolve(options.out ?? defaultOutPath(options.checkpoint));
  if (extname(onnxPath).toLowerCase() !== '.onnx') throw new MaskserveError('INVALID_OPTION', `Expected an .onnx path for --out but received ${JSON.stringify(options.out)}`);
  const id = options.id ?? basename(onnxPath, extname(onnxPath));
  const classes = ['__background', ...names];
  const input = {
    inputFormat: settings.input.format,
    pixelMean: [...settings.pixelMean],
    pixelStd: [...settings.pixelStd],
    interpolation: 'pil-bilinear' as const,
    resizeRounding: 'detectron2' as const,
  };
  const metadata: Record<string, string> = {
    'maskserve.family': 'maskrcnn',
    'maskserve.classes': JSON.stringify(classes),
    'maskserve.min_size': String(settings.input.minSize),
    'maskserve.max_size': String(settings.input.maxSize),
    'maskserve.size_divisible': '1',
    'maskserve.input_format': input.inputFormat,
    'maskserve.pixel_mean': JSON.stringify(input.pixelMean),
    'maskserve.pixel_std': JSON.stringify(input.pixelStd),
    'maskserve.interpolation': input.interpolation,
    'maskserve.resize_rounding': input.resizeRounding,
    'maskserve.source': `detectron2:${checkpointName}:sha256=${checkpointSha256}`,
  };
  options.onStage?.('build');
  const spec = buildDetectron2Graph(checkpoint.weights, settings, checkpointName, metadata);
  const card: ModelCard = {
    id,
    family: 'maskrcnn',
    classes,
    minSize: settings.input.minSize,
    maxSize: settings.input.maxSize,
    ...input,
    description: `detectron2 Mask R-CNN ResNet-${settings.resnet.depth}${settings.resnet.numGroups > 1 ? ` (${settings.resnet.numGroups}x${settings.resnet.widthPerGroup}d)` : ''}-FPN, ${names.length} classes, converted by maskserve`,
    ...options.cardExtras,
    source: {
      framework: 'detectron2',
      checkpoint: checkpointName,
      checkpointForm: checkpoint.form satisfies CheckpointForm,
      checkpointSha256,
      config: config.name,
      configSha256: config.digest,
      ...(checkpoint.extras.iteration !== undefined ? { iteration: checkpoint.extras.iteration } : {}),
      convertedBy: `maskserve ${MASKSERVE_VERSION}`,
    },
  };
  options.onStage?.('write');
  const cardPath = await saveModelWithCard(onnxPath, spec, card);
  return { onnxPath, cardPath, card, warnings };
}
