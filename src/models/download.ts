// Fetches a catalog model into the cache: streamed into `<file>.part`, resumed with a Range
// request after an interruption, verified by size and sha256, then renamed into place so the
// final path never holds half a file. A target without a published size/sha256 (detectron2's
// model zoo) is trusted on first use: the server's announced length bounds it and the caller
// records the sha256 returned, which later downloads must then match.
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fetch as undiciFetch } from 'undici';
import { MaskserveError, invalidParameter } from '../errors.js';
import { fileSize, modelCacheDir, partialPath, sha256File, verifiedFileStatus, verifiedMarkerPath, writeVerifiedMarker } from './cache.js';
import { checksumError, httpStatusError, interruptedError, offlineError, unreachableCode } from './download-errors.js';

export interface FetchResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: (AsyncIterable<Uint8Array> & { cancel?(): Promise<void> }) | null;
}

/** The slice of fetch() the downloader needs; tests and proxies can supply their own. */
export type FetchLike = (url: string, init: { headers: Record<string, string>; signal?: AbortSignal }) => Promise<FetchResponseLike>;

export interface DownloadOptions {
  /** Defaults to modelCacheDir(env). */
  readonly cacheDir?: string;
  /** Mirror serving `<baseUrl>/<file>`; defaults to env MASKSERVE_MODEL_MIRROR, else the publisher URL. */
  readonly baseUrl?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Bytes on disk so far (a resumed download starts above 0) and the expected total. */
  readonly onProgress?: (received: number, total: number) => void;
  readonly signal?: AbortSignal;
  readonly fetchImpl?: FetchLike;
}

/** What to fetch; `bytes`/`sha256` absent = not known in advance (trust on first use). */
export interface DownloadTarget {
  readonly id: string;
  readonly url: string;
  /** File name inside the cache directory (and on a mirror). */
  readonly file: string;
  readonly bytes?: number;
  readonly sha256?: string;
}

interface Transfer {
  readonly entry: DownloadTarget;
  /** The expected size: the target's, else what the server announces. */
  expectedBytes: number | undefined;
  readonly url: string;
  readonly finalPath: string;
  readonly part: string;
  readonly options: DownloadOptions;
}

/** Resolves to the verified path in the cache; a model already verified there is not fetched again. */
export async function downloadModel(entry: DownloadTarget & { bytes: number; sha256: string }, options: DownloadOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const dir = options.cacheDir ?? modelCacheDir(env);
  const existing = await verifiedFileStatus(entry, { cacheDir: dir, verify: true });
  if (existing.state === 'ready') {
    options.onProgress?.(entry.bytes, entry.bytes);
    return existing.path;
  }
  if (existing.state === 'corrupt') await rm(existing.path, { force: true });
  return (await downloadFile(entry, options)).path;
}

/**
 * Fetches `target` into the cache (resuming a `.part`), checks the size and, when the target has
 * one, the sha256; returns the installed path and its sha256.
 */
export async function downloadFile(entry: DownloadTarget, options: DownloadOptions = {}): Promise<{ path: string; sha256: string }> {
  const env = options.env ?? process.env;
  const dir = options.cacheDir ?? modelCacheDir(env);
  const finalPath = join(dir, entry.file);
  const url = modelUrl(entry, options.baseUrl ?? env.MASKSERVE_MODEL_MIRROR);
  await rm(verifiedMarkerPath(finalPath), { force: true });
  await mkdir(dir, { recursive: true });
  const transfer: Transfer = { entry, expectedBytes: entry.bytes, url, finalPath, part: partialPath(finalPath), options };
  await fetchIntoPart(transfer);
  return { path: finalPath, sha256: await verifyAndInstall(transfer) };
}

/** The URL a model is fetched from: the publisher's, or `<mirror>/<file>`. */
export function modelUrl(entry: Pick<DownloadTarget, 'url' | 'file'>, mirror?: string): string {
  if (mirror === undefined || mirror === '') return entry.url;
  let base: URL;
  try {
    base = new URL(mirror.endsWith('/') ? mirror : `${mirror}/`);
  } catch {
    throw invalidParameter('an http(s) URL', 'MASKSERVE_MODEL_MIRROR', mirror);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw invalidParameter('an http(s) URL', 'MASKSERVE_MODEL_MIRROR', mirror);
  }
  return new URL(encodeURIComponent(entry.file), base).href;
}

async function fetchIntoPart(transfer: Transfer): Promise<void> {
  const { entry, part } = transfer;
  let offset = (await fileSize(part)) ?? 0;
  if (transfer.expectedBytes !== undefined && offset > transfer.expectedBytes) offset = await restart(part);
  // A complete .part from an earlier run only needs verifying; asking for more would get 416.
  if (offset > 0 && offset === transfer.expectedBytes) return;
  for (let attempt = 0; attempt < 2; attempt++) {
    const response = await request(transfer, offset);
    const resumable = response.status === 206 && offset > 0;
    const range = contentRange(response.headers.get('content-range'));
    if (resumable && range?.start === offset) {
      transfer.expectedBytes ??= range.total;
      return streamIntoPart(transfer, response, offset);
    }
    if (response.status === 200) {
      // Also the answer of a server that ignores Range: start over instead of appending.
      await checkAnnouncedLength(transfer, response);
      return streamIntoPart(transfer, response, 0);
    }
    await response.body?.cancel?.();
    if ((response.status === 416 || response.status === 206) && offset > 0 && attempt === 0) {
      // The server no longer agrees with our partial file (changed, or a bad range): start clean.
      offset = await restart(part);
      continue;
    }
    throw httpStatusError(entry, transfer.url, response.status);
  }
  throw new MaskserveError('DOWNLOAD_FAILED', `Download of model ${entry.id} from ${transfer.url} could not be restarted`);
}

async function request(transfer: Transfer, offset: number): Promise<FetchResponseLike> {
  const { entry, url, finalPath, options } = transfer;
  const headers: Record<string, string> = { 'user-agent': 'maskserve model downloader' };
  if (offset > 0) headers.range = `bytes=${offset}-`;
  const fetchImpl = options.fetchImpl ?? (undiciFetch as unknown as FetchLike);
  try {
    return await fetchImpl(url, { headers, signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const code = unreachableCode(error);
    if (code) throw offlineError(entry, url, finalPath, code, error);
    const reason = error instanceof Error ? error.message : String(error);
    throw new MaskserveError('DOWNLOAD_FAILED', `Download of model ${entry.id} from ${url} failed: ${reason}`, { url }, { cause: error });
  }
}

async function streamIntoPart(transfer: Transfer, response: FetchResponseLike, offset: number): Promise<void> {
  const { entry, part, options } = transfer;
  const expected = transfer.expectedBytes;
  const file = await open(part, offset > 0 ? 'a' : 'w');
  let received = offset;
  options.onProgress?.(received, expected ?? 0);
  try {
    for await (const chunk of response.body ?? []) {
      if (expected !== undefined && received + chunk.byteLength > expected) {
        await file.close();
        await rm(part, { force: true });
        throw new MaskserveError('DOWNLOAD_FAILED', `Download of model ${entry.id} sent more than the expected ${expected} bytes; the partial file was deleted`);
      }
      await file.write(chunk);
      received += chunk.byteLength;
      options.onProgress?.(received, expected ?? received);
    }
  } catch (error) {
    if (error instanceof MaskserveError || options.signal?.aborted) throw error;
    throw interruptedError(entry, received, expected, error);
  } finally {
    await file.close().catch(() => undefined);
  }
  if (expected !== undefined && received < expected) {
    // The body ended cleanly (a dropped connection throws above): the server sent something
    // shorter than the model, e.g. an error page over chunked encoding. Nothing worth resuming.
    await rm(part, { force: true });
    throw new MaskserveError(
      'DOWNLOAD_FAILED',
      `Download of model ${entry.id} from ${transfer.url} ended after ${received} of ${expected} bytes: the server sent a different file; nothing was kept`,
      { url: transfer.url, received },
    );
  }
}

async function verifyAndInstall({ entry, expectedBytes, part, finalPath }: Transfer): Promise<string> {
  const size = (await fileSize(part)) ?? 0;
  if (expectedBytes !== undefined && size !== expectedBytes) {
    await rm(part, { force: true });
    throw new MaskserveError('DOWNLOAD_FAILED', `Download of model ${entry.id} has ${size} bytes instead of ${expectedBytes}; the file was deleted`);
  }
  const actual = await sha256File(part);
  if (entry.sha256 !== undefined && actual !== entry.sha256) {
    await rm(part, { force: true });
    throw checksumError(entry, actual);
  }
  await rename(part, finalPath);
  await writeVerifiedMarker(finalPath, actual);
  return actual;
}

/** A 200 whose Content-Length disagrees with the catalog is some other file (an error page, a mirror mix-up). */
async function checkAnnouncedLength(transfer: Transfer, response: FetchResponseLike): Promise<void> {
  const { entry, url, expectedBytes } = transfer;
  const announced = Number(response.headers.get('content-length') ?? Number.NaN);
  if (!Number.isFinite(announced)) return;
  if (expectedBytes === undefined) {
    transfer.expectedBytes = announced;
    return;
  }
  if (announced !== expectedBytes) {
    await response.body?.cancel?.();
    throw new MaskserveError('DOWNLOAD_FAILED', `Download of model ${entry.id}: ${url} announces ${announced} bytes but the catalog expects ${expectedBytes}`, { url });
  }
}

async function restart(part: string): Promise<number> {
  await rm(part, { force: true });
  return 0;
}

/** Start and total of `Content-Range: bytes START-END/TOTAL`, or undefined when absent/garbled. */
function contentRange(header: string | null): { start: number; total: number | undefined } | undefined {
  const match = /^bytes\s+(\d+)-\d+\/(\d+|\*)$/i.exec(header?.trim() ?? '');
  if (!match) return undefined;
  return { start: Number(match[1]), total: match[2] === '*' ? undefined : Number(match[2]) };
}
