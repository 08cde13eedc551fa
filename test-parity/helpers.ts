// detectron2 as the oracle: make seeded random-weight checkpoints with it, run its DefaultPredictor
// on the exact pixels maskserve decoded, and compare instance by instance.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { decodeImage } from '../src/input/decode.js';
import { rleToMask } from '../src/output/rle.js';
import type { CocoRle, Instances, RawImage } from '../src/types.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const REFERENCE_SCRIPT = join(ROOT, 'tools/detectron2-reference/reference.py');
/** ../shared beside the checkout (CI lays it there); MASKSERVE_SHARED_DIR overrides. */
export const SHARED_DIR = resolve(process.env.MASKSERVE_SHARED_DIR ?? join(ROOT, '..', 'shared'));
export const PHOTOS_DIR = join(SHARED_DIR, 'images');
const SETUP_SCRIPT = join(SHARED_DIR, 'reference', 'setup-detectron2.sh');

let pythonPath: Promise<string> | undefined;

/** PYTHONPATH for detectron2 (sets it up on first use; fails loudly when the reference is absent). */
export function detectron2PythonPath(): Promise<string> {
  pythonPath ??= (async () => {
    assert.ok(existsSync(SETUP_SCRIPT), `detectron2 reference set-up not found at ${SETUP_SCRIPT} (set MASKSERVE_SHARED_DIR)`);
    const { stdout } = await run('bash', [SETUP_SCRIPT], { maxBuffer: 1 << 20 });
    const line = stdout.split('\n').find((l) => l.startsWith('PYTHONPATH='));
    assert.ok(line, `setup-detectron2.sh printed no PYTHONPATH:\n${stdout}`);
    return line.slice('PYTHONPATH='.length);
  })();
  return pythonPath;
}

export async function reference(args: readonly string[]): Promise<string> {
  const env = { ...process.env, PYTHONPATH: await detectron2PythonPath(), PYTHONWARNINGS: 'ignore' };
  const { stdout } = await run('/usr/bin/python3', [REFERENCE_SCRIPT, ...args], { env, maxBuffer: 256 << 20 });
  return stdout;
}

export interface ReferenceModel {
  readonly dir: string;
  /** The zoo-style yaml with a _BASE_ chain, and the full dump a training run writes. */
  readonly baseConfig: string;
  readonly dumpedConfig: string;
  readonly pkl: string;
  readonly pth: string;
}

export interface MakeOptions {
  readonly arch: 'r50' | 'r101' | 'x101';
  readonly classes?: number;
  readonly seed?: number;
  readonly minSize?: number;
  readonly format?: 'BGR' | 'RGB';
  readonly pickleProtocol?: number;
  /** Scale of each residual branch's last BN (reference.py --residual-gain; < 1 gives a stable, trained-like network). */
  readonly residualGain?: number;
}

export async function makeReferenceModel(root: string, options: MakeOptions): Promise<ReferenceModel> {
  const dir = join(root, `${options.arch}-${options.classes ?? 80}-${options.format ?? 'BGR'}${options.residualGain === undefined ? '' : `-gain${options.residualGain}`}`);
  await mkdir(dir, { recursive: true });
  await reference([
    'make',
    '--arch', options.arch,
    '--classes', String(options.classes ?? 80),
    '--seed', String(options.seed ?? 1),
    '--min-size', String(options.minSize ?? 800),
    '--format', options.format ?? 'BGR',
    '--pickle-protocol', String(options.pickleProtocol ?? 4),
    '--residual-gain', String(options.residualGain ?? 1),
    '--calibration', join(PHOTOS_DIR, 'street-demo.jpg'),
    '--out-dir', dir,
  ]);
  return {
    dir,
    baseConfig: join(dir, 'config-base.yaml'),
    dumpedConfig: join(dir, 'config.yaml'),
    pkl: join(dir, 'model_final.pkl'),
    pth: join(dir, 'model_final.pth'),
  };
}

export interface ReferenceInstance {
  readonly box: [number, number, number, number];
  readonly score: number;
  readonly classId: number;
  readonly mask: CocoRle;
}

export interface ReferenceResult {
  readonly instances: ReferenceInstance[];
  readonly timesMs: number[];
}

/** A photo as maskserve decodes it, optionally resized first (sharp) to a given short side. */
export async function photo(name: string, shortSide?: number): Promise<RawImage> {
  let bytes: Uint8Array = await readFile(join(PHOTOS_DIR, name));
  if (shortSide !== undefined) {
    const meta = await sharp(bytes).metadata();
    const scale = shortSide / Math.min(meta.width ?? 1, meta.height ?? 1);
    bytes = await sharp(bytes)
      .resize(Math.round((meta.width ?? 1) * scale), Math.round((meta.height ?? 1) * scale))
      .png()
      .toBuffer();
  }
  return decodeImage(bytes);
}

/** detectron2's DefaultPredictor on exactly these pixels. */
export async function referencePredict(model: { config: string; weights: string }, images: readonly RawImage[], repeat = 1): Promise<ReferenceResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'maskserve-d2-'));
  try {
    const list = await Promise.all(
      images.map(async (image, i) => {
        const path = join(dir, `${i}.rgb`);
        await writeFile(path, image.data);
        return { path, width: image.width, height: image.height };
      }),
    );
    await writeFile(join(dir, 'images.json'), JSON.stringify(list));
    const stdout = await reference(['predict', '--config', model.config, '--weights', model.weights, '--images', join(dir, 'images.json'), '--repeat', String(repeat)]);
    return JSON.parse(stdout) as ReferenceResult[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function boxIou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

function fullMask(instances: Instances, i: number): Uint8Array {
  const { width, height } = instances.imageSize;
  const mask = instances.masks![i];
  const out = new Uint8Array(width * height);
  for (let y = 0; y < mask.height; y++) out.set(mask.data.subarray(y * mask.width, (y + 1) * mask.width), (mask.y + y) * width + mask.x);
  return out;
}

function maskIou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return union === 0 ? 1 : inter / union;
}

export interface Tolerances {
  readonly box: number;
  readonly score: number;
  readonly maskIou: number;
  /**
   * Scores this close to a cut (the last of DETECTIONS_PER_IMAGE kept, or SCORE_THRESH_TEST) are
   * float-level ties: which of two such candidates survives the cut is not defined by either side.
   */
  readonly cutBand: number;
}

/** The issue's parity bar: same class, box within 1 px, score within 0.01, mask IoU >= 0.95. */
export const PARITY: Tolerances = Object.freeze({ box: 1, score: 0.01, maskIou: 0.95, cutBand: 0.001 });

export interface Comparison {
  readonly matched: number;
  readonly reference: number;
  readonly ours: number;
  /** Reference instances with no counterpart within the tolerances (with their scores). */
  readonly missing: { score: number; classId: number; reason: string }[];
  /** Our instances that matched nothing. */
  readonly extra: { score: number; classId: number }[];
  /** Unmatched instances on either side that sit within `cutBand` of a cut (not failures). */
  readonly atCut: { score: number; classId: number; side: 'reference' | 'ours' }[];
  readonly worst: { box: number; score: number; maskIou: number };
  readonly classes: number;
}

/**
 * Greedy one-to-one matching in score order: a reference instance matches an unused maskserve
 * instance of the same class whose box corners are all within `box` px.
 */
export function compare(
  reference: readonly ReferenceInstance[],
  ours: Instances,
  cuts: { readonly detectionsPerImage: number; readonly scoreThreshold: number },
  tolerances: Tolerances = PARITY,
): Comparison {
  // Our classIds include the background at 0; detectron2's are 0-based without it.
  const used = new Uint8Array(ours.scores.length);
  const missing: Comparison['missing'] = [];
  const worst = { box: 0, score: 0, maskIou: 1 };
  let matched = 0;
  for (const ref of reference) {
    let best = -1;
    let bestIou = 0;
    for (let j = 0; j < ours.scores.length; j++) {
      if (used[j] || ours.classIds[j] - 1 !== ref.classId) continue;
      const iou = boxIou(ref.box, ours.boxes.subarray(j * 4, j * 4 + 4));
      if (iou > bestIou) {
        bestIou = iou;
        best = j;
      }
    }
    if (best < 0) {
      missing.push({ score: ref.score, classId: ref.classId, reason: 'no instance of that class' });
      continue;
    }
    const box = ours.boxes.subarray(best * 4, best * 4 + 4);
    const boxError = Math.max(...ref.box.map((v, k) => Math.abs(v - box[k])));
    const scoreError = Math.abs(ref.score - ours.scores[best]);
    const iou = maskIou(rleToMask(ref.mask), fullMask(ours, best));
    if (boxError > tolerances.box || scoreError > tolerances.score || iou < tolerances.maskIou) {
      missing.push({ score: ref.score, classId: ref.classId, reason: `box ${boxError.toFixed(3)} px, score ${scoreError.toFixed(4)}, mask IoU ${iou.toFixed(3)}` });
      continue;
    }
    used[best] = 1;
    matched++;
    worst.box = Math.max(worst.box, boxError);
    worst.score = Math.max(worst.score, scoreError);
    worst.maskIou = Math.min(worst.maskIou, iou);
  }
  const unmatchedOurs = Array.from(used, (u, j) => ({ u, j }))
    .filter(({ u }) => !u)
    .map(({ j }) => ({ score: ours.scores[j], classId: ours.classIds[j] - 1 }));
  const boundaries = [cuts.scoreThreshold];
  if (reference.length >= cuts.detectionsPerImage) boundaries.push(Math.min(...reference.map((r) => r.score)));
  const nearCut = (score: number) => boundaries.some((b) => Math.abs(score - b) <= tolerances.cutBand);
  const atCut = [
    ...missing.filter((m) => nearCut(m.score)).map((m) => ({ score: m.score, classId: m.classId, side: 'reference' as const })),
    ...unmatchedOurs.filter((e) => nearCut(e.score)).map((e) => ({ ...e, side: 'ours' as const })),
  ];
  return {
    matched,
    reference: reference.length,
    ours: ours.scores.length,
    missing: missing.filter((m) => !nearCut(m.score)),
    extra: unmatchedOurs.filter((e) => !nearCut(e.score)),
    atCut,
    worst,
    classes: new Set(reference.map((r) => r.classId)).size,
  };
}
