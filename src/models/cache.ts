// Where downloaded models live and whether one is ready. A model counts as cached when the file
// has the catalogue size and its sha256 has been verified once: the verification is recorded in a
// small `<file>.verified` marker so startup does not re-hash 178 MB every time.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, extname, join } from 'node:path';
import type { CatalogEntry, Detectron2CatalogEntry, OnnxCatalogEntry } from './catalog.js';

type Env = Readonly<Record<string, string | undefined>>;

export function modelCacheDir(env: Env = process.env): string {
  if (env.MASKSERVE_CACHE_DIR) return env.MASKSERVE_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'maskserve');
  return join(env.HOME || homedir(), '.cache', 'maskserve');
}

export function cachedModelPath(entry: Pick<CatalogEntry, 'file'>, env: Env = process.env): string {
  return join(modelCacheDir(env), entry.file);
}

/** The in-progress download next to the final path; kept between runs so a download can resume. */
/** Suffix of the int8 model `models pull ID --int8` makes from a catalog model: `<file>-int8.onnx`, id `<ID>-int8`. */
export const INT8_SUFFIX = '-int8';

/** Where `models pull ID --int8` writes the int8 model made on this machine. */
export function quantizedModelPath(entry: CatalogEntry, env: Env = process.env, cacheDir = modelCacheDir(env)): string {
  const installed = entry.kind === 'detectron2' ? entry.onnxFile : entry.file;
  return join(cacheDir, `${basename(installed, extname(installed))}${INT8_SUFFIX}.onnx`);
}

export function partialPath(finalPath: string): string {
  return `${finalPath}.part`;
}

export function verifiedMarkerPath(finalPath: string): string {
  return `${finalPath}.verified`;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function writeVerifiedMarker(finalPath: string, sha256: string): Promise<void> {
  await writeFile(verifiedMarkerPath(finalPath), `${sha256}\n`);
}

/**
 * - `ready`: right size, sha256 verified (now or at download time);
 * - `unverified`: right size but never hashed (copied by hand); only when `verify` is false;
 * - `partial`: only an interrupted `.part` download exists (`models pull` resumes it);
 * - `corrupt`: a file is there but its size or sha256 is wrong;
 * - `missing`: nothing there.
 */
export type CacheState = 'ready' | 'unverified' | 'partial' | 'corrupt' | 'missing';

export interface CacheStatus {
  readonly state: CacheState;
  readonly path: string;
  /** Bytes on disk (final file, or the `.part` when partial). */
  readonly bytes: number;
}

export interface CacheCheckOptions {
  readonly env?: Env;
  /** Overrides the directory derived from env (as `downloadModel`'s cacheDir does). */
  readonly cacheDir?: string;
  /**
   * Hash a right-sized file that has no marker (e.g. fetched by hand with curl) and record the
   * result. Off for cheap listings; on when the model is about to be used.
   */
  readonly verify?: boolean;
}

export async function cacheStatus(entry: CatalogEntry, options: CacheCheckOptions = {}): Promise<CacheStatus> {
  return entry.kind === 'detectron2' ? detectron2Status(entry, options) : verifiedFileStatus(entry, options);
}

/** A file with a published size and sha256 (the ONNX zoo's), checked as described above. */
export async function verifiedFileStatus(entry: Pick<OnnxCatalogEntry, 'file' | 'bytes' | 'sha256'>, options: CacheCheckOptions = {}): Promise<CacheStatus> {
  const dir = options.cacheDir ?? modelCacheDir(options.env);
  const path = join(dir, entry.file);
  const size = await fileSize(path);
  if (size === undefined) {
    const partial = await fileSize(partialPath(path));
    return { state: partial === undefined ? 'missing' : 'partial', path, bytes: partial ?? 0 };
  }
  if (size !== entry.bytes) return { state: 'corrupt', path, bytes: size };
  if ((await readMarker(path)) === entry.sha256) return { state: 'ready', path, bytes: size };
  if (options.verify === false) return { state: 'unverified', path, bytes: size };
  if ((await sha256File(path)) !== entry.sha256) return { state: 'corrupt', path, bytes: size };
  await writeVerifiedMarker(path, entry.sha256);
  return { state: 'ready', path, bytes: size };
}

/**
 * A zoo checkpoint is ready once converted: `<id>.onnx` with its card, whose source sha256 is the
 * trust-on-first-use record. A download in progress or not yet converted counts as partial.
 */
async function detectron2Status(entry: Detectron2CatalogEntry, options: CacheCheckOptions): Promise<CacheStatus> {
  const dir = options.cacheDir ?? modelCacheDir(options.env);
  const path = join(dir, entry.onnxFile);
  const size = await fileSize(path);
  if (size !== undefined && (await recordedCheckpointSha256(path)) !== undefined) return { state: 'ready', path, bytes: size };
  const source = join(dir, entry.file);
  const partial = (await fileSize(partialPath(source))) ?? (await fileSize(source));
  return { state: partial === undefined ? 'missing' : 'partial', path, bytes: partial ?? 0 };
}

/** The checkpoint sha256 a converted model's card records (`source.checkpointSha256`), if any. */
export async function recordedCheckpointSha256(onnxPath: string): Promise<string | undefined> {
  try {
    const card = JSON.parse(await readFile(onnxPath.replace(/\.onnx$/i, '.json'), 'utf8')) as { source?: { checkpointSha256?: unknown } };
    const sha = card.source?.checkpointSha256;
    return typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

/** True when the model can be used as is (verifying a hand-copied file once if needed). */
export async function isCached(entry: CatalogEntry, env: Env = process.env): Promise<boolean> {
  return (await cacheStatus(entry, { env, verify: true })).state === 'ready';
}

async function readMarker(finalPath: string): Promise<string | undefined> {
  try {
    return (await readFile(verifiedMarkerPath(finalPath), 'utf8')).trim();
  } catch {
    return undefined;
  }
}
