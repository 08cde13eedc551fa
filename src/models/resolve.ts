// Turns what a user typed (`--model`, MASKSERVE_MODEL, the server's default) into a file on disk.
// One function for the CLI and the server so both accept the same specs with the same errors.
import { stat } from 'node:fs/promises';
import { basename, extname, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MaskserveError } from '../errors.js';
import { cacheStatus, INT8_SUFFIX, quantizedModelPath } from './cache.js';
import { CATALOG_IDS, catalogEntry, isCatalogId } from './catalog.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The small model trained for this project and shipped in the repository (works offline). */
export const DEMO_MODEL_PATH = fileURLToPath(new URL('../../models/demo/shapes-maskrcnn.onnx', import.meta.url));
export const DEMO_MODEL_ID = 'demo';

/**
 * What the demo model is and how to get real objects, in the words the server log, the web UI,
 * the API (/api/v1/models) and the CLI all use. `classes`: the demo model's class names.
 */
export function demoNotice(classes: readonly string[]): string {
  const names = classes.filter((name) => name !== '__background');
  return (
    `demo model: it only knows ${names.length} synthetic shapes (${names.join(', ')}), not real objects. ` +
    `For 80 everyday COCO classes run \`maskserve models pull ${CATALOG_IDS[0]}\` and restart: it is then served instead`
  );
}

export interface ResolvedModel {
  readonly id: string;
  readonly path: string;
  readonly isDemo: boolean;
}

/**
 * - undefined / 'default': env MASKSERVE_MODEL, else the first downloaded catalog model, else the demo;
 * - 'demo': the demo model;
 * - a catalog id: its verified file in the cache (MODEL_NOT_AVAILABLE until pulled);
 * - a catalog id + '-int8': the int8 model `models pull ID --int8` made from it;
 * - anything else: a path to an existing file (id = file name without extension).
 */
export async function resolveModelSpec(spec?: string, env: Env = process.env): Promise<ResolvedModel> {
  const wanted = spec?.trim();
  if (wanted === undefined || wanted === '' || wanted === 'default') return resolveDefault(env);
  if (wanted === DEMO_MODEL_ID) return demoModel();
  const source = catalogSource(wanted);
  if (source?.int8) return quantizedCatalogModel(wanted, source, env);
  if (source) return cachedCatalogModel(wanted, env);
  return existingFile(wanted);
}

export interface CatalogSource {
  /** The catalog entry's id (for `<ID>-int8`, the fp32 model it is made from). */
  readonly base: string;
  /** `<ID>-int8`: made on this machine by `models pull ID --int8`. */
  readonly int8: boolean;
  /** The command that makes the model available. */
  readonly pullCommand: string;
}

/** Whether an id names a catalog model (or the int8 copy of one), and how to get it. */
export function catalogSource(id: string): CatalogSource | undefined {
  if (isCatalogId(id)) return { base: id, int8: false, pullCommand: `maskserve models pull ${id}` };
  const base = id.endsWith(INT8_SUFFIX) ? id.slice(0, -INT8_SUFFIX.length) : '';
  if (!isCatalogId(base)) return undefined;
  return { base, int8: true, pullCommand: `maskserve models pull ${base} --int8 --calibrate DIR` };
}

async function resolveDefault(env: Env): Promise<ResolvedModel> {
  const configured = env.MASKSERVE_MODEL?.trim();
  if (configured && configured !== 'default') return resolveModelSpec(configured, env);
  // Catalog order puts the fp32 R50-FPN first: the model the original web app served.
  for (const id of CATALOG_IDS) {
    const status = await cacheStatus(catalogEntry(id), { env, verify: true });
    if (status.state === 'ready') return { id, path: status.path, isDemo: false };
  }
  return demoModel();
}

async function demoModel(): Promise<ResolvedModel> {
  if (!(await isFile(DEMO_MODEL_PATH))) {
    throw new MaskserveError(
      'MODEL_NOT_AVAILABLE',
      `The demo model is missing at ${DEMO_MODEL_PATH}; download a real one with \`maskserve models pull ${CATALOG_IDS[0]}\``,
    );
  }
  return { id: DEMO_MODEL_ID, path: DEMO_MODEL_PATH, isDemo: true };
}

async function cachedCatalogModel(id: string, env: Env): Promise<ResolvedModel> {
  const status = await cacheStatus(catalogEntry(id), { env, verify: true });
  switch (status.state) {
    case 'ready':
      return { id, path: status.path, isDemo: false };
    case 'partial':
      throw new MaskserveError('MODEL_NOT_AVAILABLE', `Model ${id} is only partly downloaded: run \`maskserve models pull ${id}\` to resume`);
    case 'corrupt':
      throw new MaskserveError(
        'MODEL_NOT_AVAILABLE',
        `Model ${id} in the cache (${status.path}) has the wrong size or checksum: run \`maskserve models pull ${id}\` to fetch it again`,
      );
    default:
      throw new MaskserveError('MODEL_NOT_AVAILABLE', `Model ${id} is not downloaded yet: run \`maskserve models pull ${id}\``);
  }
}

/** `<ID>-int8`: the int8 model `models pull ID --int8` made on this machine. */
async function quantizedCatalogModel(id: string, source: CatalogSource, env: Env): Promise<ResolvedModel> {
  const path = quantizedModelPath(catalogEntry(source.base), env);
  if (await isFile(path)) return { id, path, isDemo: false };
  throw new MaskserveError(
    'MODEL_NOT_AVAILABLE',
    `Model ${id} is not made yet: run \`${source.pullCommand}\` (DIR: 32 or more photos like those you will serve)`,
  );
}

async function existingFile(spec: string): Promise<ResolvedModel> {
  const path = resolvePath(spec);
  if (await isFile(path)) {
    return { id: basename(path, extname(path)), path, isDemo: path === DEMO_MODEL_PATH };
  }
  throw new MaskserveError(
    'UNKNOWN_MODEL',
    `Unknown model ${JSON.stringify(spec)}: expected ${DEMO_MODEL_ID}, one of ${CATALOG_IDS.join(', ')}, or the path of an existing .onnx file`,
  );
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
