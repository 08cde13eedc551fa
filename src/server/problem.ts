// Maps anything thrown inside a request to one RFC 9457 problem: maskserve's coded errors keep
// their code; fastify's and its plugins' errors are translated into the same table, so a client
// only ever sees codes from src/errors.ts. 5xx details are fixed public sentences: the real error
// goes to the log, never to the client.
import { ERRORS, isMaskserveError, type ErrorCode } from '../errors.js';
import { formatBytes } from '../format-bytes.js';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly instance: string;
  readonly [extension: string]: unknown;
}

export interface ProblemContext {
  /** The request path (problem `instance`). */
  readonly instance: string;
  readonly maxUploadBytes: number;
  readonly retryAfterSeconds: number;
}

export interface MappedProblem {
  readonly problem: Problem;
  readonly headers: Readonly<Record<string, string>>;
  /** True when the error is ours to fix (5xx): log at error level with the stack. */
  readonly serverFault: boolean;
}

/** Public wording for server-side failures; never the thrown message. */
const PUBLIC_5XX_DETAIL: Partial<Record<ErrorCode, string>> = {
  QUEUE_FULL: 'The server already has as much work as it can finish in time. Retry shortly.',
  DEADLINE_EXCEEDED: 'The request did not finish within the server deadline. Retry later or send a smaller image.',
  SHUTTING_DOWN: 'The server is shutting down. Retry on another instance.',
  MODEL_NOT_AVAILABLE: 'The model is not loaded on this server.',
  DOWNLOAD_FAILED: 'The model could not be downloaded.',
  CHECKSUM_MISMATCH: 'The downloaded model failed verification.',
  INTERNAL: 'An internal error occurred. It has been logged.',
};

/** Codes a client may sensibly retry: they carry Retry-After. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['QUEUE_FULL', 'DEADLINE_EXCEEDED', 'SHUTTING_DOWN', 'RATE_LIMITED']);

export function problemType(code: ErrorCode): string {
  return `urn:maskserve:error:${code.toLowerCase().replace(/_/g, '-')}`;
}

export function toProblem(error: unknown, context: ProblemContext): MappedProblem {
  const { code, detail, extensions } = classify(error, context);
  const { status, title } = ERRORS[code];
  // Overload answers are expected behaviour, not faults to investigate.
  const serverFault = status >= 500 && !RETRYABLE.has(code);
  const publicDetail = status >= 500 ? (PUBLIC_5XX_DETAIL[code] ?? PUBLIC_5XX_DETAIL.INTERNAL!) : detail;
  const headers: Record<string, string> = {};
  // Server-side failures expose no detail fields at all: they may describe internals.
  const exposed: Record<string, unknown> = status >= 500 ? {} : { ...extensions };
  if (RETRYABLE.has(code)) {
    // The server's estimate, never below the configured minimum (MASKSERVE_RETRY_AFTER_S).
    const retryAfter = Math.max(context.retryAfterSeconds, retryAfterOf(error, extensions) ?? 0);
    headers['retry-after'] = String(retryAfter);
    exposed.retryAfter = retryAfter;
  }
  const problem: Problem = {
    ...exposed,
    type: problemType(code),
    title,
    status,
    detail: publicDetail,
    code,
    instance: context.instance,
  };
  return { problem, headers, serverFault };
}

interface Classified {
  code: ErrorCode;
  detail: string;
  extensions: Record<string, unknown>;
}

function classify(error: unknown, context: ProblemContext): Classified {
  if (isMaskserveError(error)) {
    return { code: error.code, detail: error.message, extensions: publicDetails(error.details) };
  }
  const fastifyError = error as { code?: unknown; statusCode?: unknown; message?: unknown; validation?: unknown };
  const fastifyCode = typeof fastifyError.code === 'string' ? fastifyError.code : '';
  const statusCode = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  const message = typeof fastifyError.message === 'string' ? fastifyError.message : '';
  const limit = formatBytes(context.maxUploadBytes);

  switch (fastifyCode) {
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'PAYLOAD_TOO_LARGE', detail: `The upload is larger than the ${limit} limit.`, extensions: {} };
    case 'FST_FILES_LIMIT':
      // A second file is a malformed request, not a large one.
      return { code: 'INVALID_REQUEST', detail: 'Send exactly one file, in the form field "file".', extensions: {} };
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return { code: 'PAYLOAD_TOO_LARGE', detail: 'The form has too many fields.', extensions: {} };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return {
        code: 'UNSUPPORTED_FORMAT',
        detail: 'Unsupported Content-Type. Send multipart/form-data (field "file"), a raw image/* or application/octet-stream body, or JSON {"url": ...}.',
        extensions: {},
      };
  }
  if (fastifyError.validation !== undefined) return { code: 'INVALID_REQUEST', detail: message, extensions: {} };
  if (statusCode === 413) return { code: 'PAYLOAD_TOO_LARGE', detail: `The request is larger than the ${limit} limit.`, extensions: {} };
  if (statusCode === 415) return { code: 'UNSUPPORTED_FORMAT', detail: message, extensions: {} };
  if (statusCode === 429) return { code: 'RATE_LIMITED', detail: message, extensions: {} };
  if (statusCode === 404) return { code: 'NOT_FOUND', detail: message, extensions: {} };
  // fastify's remaining 4xx (bad JSON, empty body, bad URL) describe the client's mistake safely.
  if (statusCode >= 400 && statusCode < 500) return { code: 'INVALID_REQUEST', detail: message, extensions: {} };
  return { code: 'INTERNAL', detail: '', extensions: {} };
}

/**
 * Detail fields clients may see, by name. Everything else stays in the logs: the URL fetcher's
 * `reason` (e.g. "blocked address 10.0.0.1") must never reach a client, or the one generic
 * URL_FETCH_FAILED error would tell an attacker which internal addresses exist.
 */
const PUBLIC_DETAIL_KEYS: ReadonlySet<string> = new Set(['models', 'retryAfter', 'maxBytes', 'maxPixels', 'maxSide', 'maxAspectRatio', 'width', 'height', 'field', 'format']);

function publicDetails(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const exposed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    const jsonSafe = ['string', 'number', 'boolean'].includes(typeof value) || Array.isArray(value);
    if (PUBLIC_DETAIL_KEYS.has(key) && jsonSafe) exposed[key] = value;
  }
  return exposed;
}

function retryAfterOf(error: unknown, extensions: Record<string, unknown>): number | undefined {
  const candidate = extensions.retryAfter ?? (error as { retryAfter?: unknown })?.retryAfter;
  return typeof candidate === 'number' && Number.isFinite(candidate) && candidate > 0 ? Math.ceil(candidate) : undefined;
}

