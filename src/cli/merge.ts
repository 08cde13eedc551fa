// `maskserve merge DIR...`: combines the coco-results.json and images.json of several
// `predict --out` runs into one. Shards of one run (predict --shard K/N) keep their image ids,
// which are the single run's, so the merge equals what one run over all inputs would write.
// Runs whose ids collide (unrelated runs) are renumbered in the order given. Nothing is lost or
// doubled: every record of every run is written once, and a run that lacks its files fails the
// merge before anything is written.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { allInOrder } from '../all-in-order.js';
import { writeAtomically } from '../atomic-write.js';
import type { CocoResult } from '../types.js';
import { UsageError } from './exit-codes.js';
import { RUN_FILES } from './output-names.js';

interface ImageRecord {
  readonly image_id: number;
  readonly input: string;
  readonly [field: string]: unknown;
}

interface RunOutput {
  readonly dir: string;
  readonly images: readonly ImageRecord[];
  readonly results: readonly CocoResult[];
}

export interface MergeSummary {
  readonly images: number;
  readonly results: number;
  readonly renumbered: boolean;
}

export async function mergeRuns(dirs: readonly string[], outDir: string): Promise<MergeSummary> {
  if (dirs.length === 0) throw new UsageError('Give the output directories of the runs to merge');
  const runs = await allInOrder(dirs.map(readRun));
  const ids = runs.flatMap((run) => run.images.map((image) => image.image_id));
  const renumbered = new Set(ids).size !== ids.length;

  const images: ImageRecord[] = [];
  const results: CocoResult[] = [];
  let next = 1;
  for (const run of runs) {
    const newId = new Map<number, number>();
    for (const image of run.images) {
      const id = renumbered ? next++ : image.image_id;
      newId.set(image.image_id, id);
      images.push({ ...image, image_id: id });
    }
    for (const result of run.results) {
      const id = newId.get(result.image_id);
      if (id === undefined) throw new UsageError(`${join(run.dir, RUN_FILES.cocoResults)} has a result for image_id ${result.image_id}, which its ${RUN_FILES.images} does not list`);
      results.push({ ...result, image_id: id });
    }
  }
  // Sorted by image id, results in their run's order within an image: a single run's layout.
  const order = (a: { image_id: number }, b: { image_id: number }) => a.image_id - b.image_id;
  images.sort(order);
  results.sort(order);

  await mkdir(outDir, { recursive: true });
  await writeAtomically(join(outDir, RUN_FILES.cocoResults), [`${JSON.stringify(results)}\n`]);
  await writeAtomically(join(outDir, RUN_FILES.images), [`${JSON.stringify(images, null, 2)}\n`]);
  return { images: images.length, results: results.length, renumbered };
}

async function readRun(dir: string): Promise<RunOutput> {
  // A directory missing both files names images.json, the file that marks a predict output.
  const [images, results] = await allInOrder([readJsonArray(dir, RUN_FILES.images), readJsonArray(dir, RUN_FILES.cocoResults)]);
  for (const image of images) {
    if (!isRecord(image) || !Number.isSafeInteger(image.image_id) || typeof image.input !== 'string') {
      throw new UsageError(`${join(dir, RUN_FILES.images)} is not a maskserve images.json (each entry needs image_id and input)`);
    }
  }
  for (const result of results) {
    if (!isRecord(result) || !Number.isSafeInteger(result.image_id)) {
      throw new UsageError(`${join(dir, RUN_FILES.cocoResults)} is not a COCO results array (each entry needs image_id)`);
    }
  }
  return { dir, images: images as ImageRecord[], results: results as CocoResult[] };
}

async function readJsonArray(dir: string, name: string): Promise<unknown[]> {
  const path = join(dir, name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`${path} is missing: give directories written by \`maskserve predict --out\``);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not valid JSON`);
  }
  if (!Array.isArray(value)) throw new UsageError(`${path} is not a JSON array`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
