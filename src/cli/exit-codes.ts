// Exit codes are part of the CLI contract (scripts branch on them), so they live in one table
// that the help texts print and the error handler uses.
import { isMaskserveError, type ErrorCode } from '../errors.js';

export const EXIT = Object.freeze({
  OK: 0,
  /** Some inputs failed (bad image, unreachable URL); the others were processed. */
  INPUT_FAILED: 1,
  /** Usage error: unknown option, bad option value, nothing to do. */
  USAGE: 2,
  /** The model is unknown, not downloaded, not downloadable or not a supported graph. */
  MODEL: 3,
  /** A bug or an environment failure maskserve did not anticipate. */
  INTERNAL: 4,
});

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  some inputs failed (each is listed on stderr with a one-line reason)
  2  usage error or bad option value
  3  model unknown, not downloaded, failed to download, not a supported ONNX graph, or not quantizable
  4  internal error`;

const MODEL_ERRORS: ReadonlySet<ErrorCode> = new Set(['UNKNOWN_MODEL', 'MODEL_FORMAT', 'MODEL_NOT_AVAILABLE', 'DOWNLOAD_FAILED', 'CHECKSUM_MISMATCH', 'MODEL_NOT_QUANTIZABLE']);
const INPUT_ERRORS: ReadonlySet<ErrorCode> = new Set([
  'EMPTY_INPUT',
  'UNSUPPORTED_FORMAT',
  'CORRUPT_IMAGE',
  'IMAGE_TOO_LARGE',
  'PAYLOAD_TOO_LARGE',
  'URL_FETCH_FAILED',
  'NOT_FOUND',
]);

export function exitCodeFor(error: unknown): ExitCode {
  if (isUsageError(error)) return EXIT.USAGE;
  if (!isMaskserveError(error)) return isFileSystemInputError(error) ? EXIT.INPUT_FAILED : EXIT.INTERNAL;
  if (MODEL_ERRORS.has(error.code)) return EXIT.MODEL;
  if (INPUT_ERRORS.has(error.code)) return EXIT.INPUT_FAILED;
  return EXIT.INTERNAL;
}

/** Thrown by commands for misuse that no option parser could catch (e.g. PNG to a terminal). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function isUsageError(error: unknown): boolean {
  return error instanceof UsageError || (isMaskserveError(error) && (error.code === 'INVALID_OPTION' || error.code === 'INVALID_REQUEST'));
}

/** A missing or unreadable input file is the input's fault, not maskserve's. */
function isFileSystemInputError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR';
}

/** The one line printed for an error: coded errors speak for themselves; others say what failed. */
export function describeError(error: unknown): string {
  if (isMaskserveError(error) || error instanceof UsageError) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (isFileSystemInputError(error)) {
    const path = (error as NodeJS.ErrnoException).path;
    const what = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory' }[code as string];
    return path ? `${path}: ${what}` : String(what);
  }
  return `internal error: ${error instanceof Error ? error.message : String(error)}`;
}
