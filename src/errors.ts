// One table of coded errors (fastify style). Every error maskserve raises on purpose is a
// MaskserveError with a code from this table; the HTTP layer maps code -> status, the CLI maps
// it to a one-line reason and an exit code. 5xx messages are generic so nothing internal leaks.

export const ERRORS = Object.freeze({
  // Input
  EMPTY_INPUT: { status: 400, title: 'Empty input' },
  INVALID_OPTION: { status: 400, title: 'Invalid option' },
  INVALID_REQUEST: { status: 400, title: 'Invalid request' },
  UNSUPPORTED_FORMAT: { status: 415, title: 'Unsupported image format' },
  CORRUPT_IMAGE: { status: 422, title: 'Corrupt or truncated image' },
  IMAGE_TOO_LARGE: { status: 413, title: 'Image too large' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  NOT_ACCEPTABLE: { status: 406, title: 'Not acceptable' },
  FORBIDDEN_ORIGIN: { status: 403, title: 'Cross-site request refused' },
  URL_FETCH_FAILED: { status: 422, title: 'Could not fetch the image URL' },
  // Models
  UNKNOWN_MODEL: { status: 404, title: 'Unknown model' },
  MODEL_FORMAT: { status: 422, title: 'Unrecognised model' },
  MODEL_NOT_AVAILABLE: { status: 503, title: 'Model not available' },
  DOWNLOAD_FAILED: { status: 502, title: 'Model download failed' },
  CHECKSUM_MISMATCH: { status: 502, title: 'Model checksum mismatch' },
  MODEL_NOT_QUANTIZABLE: { status: 422, title: 'Model cannot be quantized' },
  // Load
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  QUEUE_FULL: { status: 503, title: 'Server busy' },
  DEADLINE_EXCEEDED: { status: 503, title: 'Request deadline exceeded' },
  SHUTTING_DOWN: { status: 503, title: 'Server shutting down' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const);

export type ErrorCode = keyof typeof ERRORS;

export class MaskserveError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra machine-readable fields for problem details (e.g. retryAfter seconds). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MaskserveError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
  }
}

export function isMaskserveError(error: unknown): error is MaskserveError {
  return error instanceof MaskserveError;
}

/**
 * Throws once `signal` is aborted: a coded reason (a deadline, shutting down) as it is, anything
 * else as DEADLINE_EXCEEDED with `message`.
 */
export function throwIfAborted(signal: AbortSignal | undefined, message: string): void {
  if (!signal?.aborted) return;
  if (signal.reason instanceof MaskserveError) throw signal.reason;
  throw new MaskserveError('DEADLINE_EXCEEDED', message);
}

/** sharp-style parameter error: `Expected <what> for <name> but received <value>`. */
export function invalidParameter(what: string, name: string, value: unknown): MaskserveError {
  return new MaskserveError('INVALID_OPTION', `Expected ${what} for ${name} but received ${formatValue(value)}`);
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}
