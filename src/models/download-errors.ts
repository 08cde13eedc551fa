// Download failures worded for the person at the terminal. The offline case matters most: the
// development and many production machines have no internet, so the message must be a complete
// recipe for fetching the file by hand (URL, target path, size, sha256, commands).
import { MaskserveError } from '../errors.js';
import type { DownloadTarget } from './download.js';

/** Connection-level failures that mean "cannot reach the host", not "the host answered badly". */
const UNREACHABLE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The first unreachable-network code found in an error, its causes or its aggregated errors. */
export function unreachableCode(error: unknown, depth = 0): string | undefined {
  if (error === null || typeof error !== 'object' || depth > 5) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return code;
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested)) {
    for (const inner of nested) {
      const found = unreachableCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return unreachableCode((error as { cause?: unknown }).cause, depth + 1);
}

export function offlineError(entry: DownloadTarget, url: string, finalPath: string, code: string, cause: unknown): MaskserveError {
  const host = safeHost(url);
  const lines = [
    `Cannot reach ${host} to download model ${entry.id} (${code}); this machine looks offline.`,
    'Fetch the file by hand on a machine with internet access and copy it into place:',
    `  URL:    ${url}`,
    `  target: ${finalPath}`,
  ];
  if (entry.bytes !== undefined && entry.sha256 !== undefined) {
    lines.push(
      `  size:   ${entry.bytes} bytes`,
      `  sha256: ${entry.sha256}`,
      `  curl -L -o ${shellQuote(finalPath)} ${shellQuote(url)}`,
      `  sha256sum ${shellQuote(finalPath)}   # must print ${entry.sha256}`,
    );
  } else {
    lines.push(`  curl -L -o ${shellQuote(finalPath)} ${shellQuote(url)}`);
  }
  lines.push(`Or set MASKSERVE_MODEL_MIRROR to a reachable server that hosts ${entry.file} and run again.`);
  const message = lines.join('\n');
  return new MaskserveError('DOWNLOAD_FAILED', message, { offline: true, url, path: finalPath, code }, { cause });
}

export function httpStatusError(entry: DownloadTarget, url: string, status: number): MaskserveError {
  return new MaskserveError('DOWNLOAD_FAILED', `Download of model ${entry.id} failed: ${url} answered HTTP ${status}`, {
    url,
    httpStatus: status,
  });
}

export function interruptedError(entry: DownloadTarget, received: number, expected: number | undefined, cause: unknown): MaskserveError {
  return new MaskserveError(
    'DOWNLOAD_FAILED',
    `Download of model ${entry.id} was interrupted after ${received} of ${expected ?? '?'} bytes` +
      ` (${describe(cause)}); run the same command again to resume`,
    { received, expected },
    { cause },
  );
}

export function checksumError(entry: DownloadTarget, actual: string): MaskserveError {
  return new MaskserveError(
    'CHECKSUM_MISMATCH',
    `Downloaded model ${entry.id} has sha256 ${actual} but ${entry.bytes === undefined ? 'its first download recorded' : 'the catalog expects'} ${entry.sha256};` +
      ' the file was deleted. Run again, or check the mirror if MASKSERVE_MODEL_MIRROR is set',
    { expected: entry.sha256, actual },
  );
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
    return `${cause.message}${inner}`;
  }
  return String(cause);
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** POSIX single-quoting, only when needed, so the printed commands can be pasted as they are. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
