// Server settings: one place for defaults, read from the environment (and CLI flags passed as
// overrides). Every limit the server enforces is named here so operators can find it.
import { availableParallelism } from 'node:os';
import { invalidParameter } from '../errors.js';
import { DEFAULT_MAX_PIXELS } from '../input/limits.js';
import { boolean, integer, readValue } from '../options/values.js';

const MIB = 1024 * 1024;

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** Largest accepted request body / uploaded file (bytes). */
  readonly maxUploadBytes: number;
  /** Request bodies of admitted requests held at once (bytes); at least maxUploadBytes. */
  readonly maxBodyBytesInFlight: number;
  /** Decoded-pixel cap handed to decodeImage (width x height). */
  readonly maxPixels: number;
  /** Longest accepted image side (px), checked from the header before decoding. */
  readonly maxImageSide: number;
  /** Largest accepted long side / short side, checked from the header before decoding. */
  readonly maxAspectRatio: number;
  /** Images decoded at once (each holds a libuv thread, shared with DNS and file I/O). */
  readonly maxConcurrentDecodes: number;
  /** Memory for images in flight (bytes), reserved from each header before decoding. */
  readonly maxDecodedBytes: number;
  /** Worker threads for per-pixel work (resize, mask pasting, RLE, PNG), off the event loop. */
  readonly pixelThreads: number;
  /** The whole request (headers and body) must arrive within this (ms). */
  readonly requestTimeoutMs: number;
  /** A silent socket is closed after this (ms): idle keep-alive, stalled uploads, slow headers. */
  readonly connectionTimeoutMs: number;
  /** After SIGTERM: in-flight requests get this long (ms) to finish, then every connection is closed and the process exits. */
  readonly shutdownGraceMs: number;
  /** Deadline for one inference request, queueing included (ms). */
  readonly perRequestDeadlineMs: number;
  /** Requests per minute per client IP; 0 disables rate limiting. */
  readonly rateLimitPerMinute: number;
  /** Honour X-Forwarded-* (only behind a proxy you control). */
  readonly trustProxy: boolean;
  /** Built browser UI (Vite output); served at / when its index.html exists. */
  readonly webRoot: string;
  /** Seconds suggested in Retry-After when the queue is full. */
  readonly retryAfterSeconds: number;
  /** Web origins whose pages may call the inference routes from a browser ('*': any). */
  readonly allowedOrigins: readonly string[];
  /** Serve /metrics on this port (same host) instead of the public one; unset: the public port. */
  readonly metricsPort: number | undefined;
}

export const DEFAULT_SERVER_CONFIG: ServerConfig = Object.freeze({
  port: 8080,
  host: '0.0.0.0',
  maxUploadBytes: 20 * MIB,
  maxBodyBytesInFlight: 256 * MIB,
  maxPixels: DEFAULT_MAX_PIXELS,
  maxImageSide: 20_000,
  maxAspectRatio: 20,
  maxConcurrentDecodes: 2,
  maxDecodedBytes: 1024 * MIB,
  // As many as the cores, up to 4 (each thread holds ~35 MB of code and heap). Measured on 2 cores
  // (bench/load.ts): 2 threads beat 1 by 22 % on 39 MP images, and tie on small ones.
  pixelThreads: Math.min(4, availableParallelism()),
  requestTimeoutMs: 30_000,
  connectionTimeoutMs: 10_000,
  shutdownGraceMs: 25_000,
  perRequestDeadlineMs: 30_000,
  rateLimitPerMinute: 0,
  trustProxy: false,
  webRoot: new URL('../../web/dist/', import.meta.url).pathname,
  retryAfterSeconds: 1,
  allowedOrigins: Object.freeze([]),
  metricsPort: undefined,
});

type Env = Readonly<Record<string, string | undefined>>;

/** Environment variable for each setting (documented in the README / --help). */
const ENV_NAMES: Readonly<Record<keyof ServerConfig, string>> = Object.freeze({
  port: 'PORT',
  host: 'HOST',
  maxUploadBytes: 'MASKSERVE_MAX_UPLOAD_BYTES',
  maxBodyBytesInFlight: 'MASKSERVE_MAX_BODY_BYTES_IN_FLIGHT',
  maxPixels: 'MASKSERVE_MAX_PIXELS',
  maxImageSide: 'MASKSERVE_MAX_IMAGE_SIDE',
  maxAspectRatio: 'MASKSERVE_MAX_ASPECT_RATIO',
  maxConcurrentDecodes: 'MASKSERVE_MAX_CONCURRENT_DECODES',
  maxDecodedBytes: 'MASKSERVE_MAX_DECODED_BYTES',
  pixelThreads: 'MASKSERVE_PIXEL_THREADS',
  requestTimeoutMs: 'MASKSERVE_REQUEST_TIMEOUT_MS',
  connectionTimeoutMs: 'MASKSERVE_CONNECTION_TIMEOUT_MS',
  shutdownGraceMs: 'MASKSERVE_SHUTDOWN_GRACE_MS',
  perRequestDeadlineMs: 'MASKSERVE_DEADLINE_MS',
  rateLimitPerMinute: 'MASKSERVE_RATE_LIMIT',
  trustProxy: 'MASKSERVE_TRUST_PROXY',
  webRoot: 'MASKSERVE_WEB_ROOT',
  retryAfterSeconds: 'MASKSERVE_RETRY_AFTER_S',
  allowedOrigins: 'MASKSERVE_ALLOWED_ORIGINS',
  metricsPort: 'MASKSERVE_METRICS_PORT',
});

/** Defaults < environment < explicit overrides (CLI flags, tests). Invalid values fail loudly. */
export function loadServerConfig(env: Env = process.env, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const fromEnv: Partial<Record<keyof ServerConfig, unknown>> = {};
  for (const key of Object.keys(ENV_NAMES) as (keyof ServerConfig)[]) {
    const raw = env[ENV_NAMES[key]];
    if (raw !== undefined && raw.trim() !== '') fromEnv[key] = parseSetting(key, raw.trim());
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  const config = Object.freeze({ ...DEFAULT_SERVER_CONFIG, ...fromEnv, ...defined } as ServerConfig);
  // Otherwise a request at the upload limit could never be admitted alongside any other.
  if (config.maxBodyBytesInFlight < config.maxUploadBytes) {
    throw invalidParameter(`at least ${ENV_NAMES.maxUploadBytes} (${config.maxUploadBytes})`, ENV_NAMES.maxBodyBytesInFlight, config.maxBodyBytesInFlight);
  }
  return config;
}

function parseSetting(key: keyof ServerConfig, raw: string): unknown {
  const name = ENV_NAMES[key];
  switch (key) {
    case 'host':
    case 'webRoot':
      return raw;
    case 'allowedOrigins':
      return Object.freeze(raw.split(',').map((origin) => checkedOrigin(origin.trim(), name)));
    case 'trustProxy':
      return readValue(boolean(), raw, name);
    case 'port':
    case 'metricsPort':
      return readValue(integer(0, 65_535), raw, name);
    case 'rateLimitPerMinute':
      return readValue(integer(0, Number.MAX_SAFE_INTEGER), raw, name);
    default:
      return readValue(integer(1, Number.MAX_SAFE_INTEGER), raw, name);
  }
}

/** `*` or a bare origin (scheme://host[:port]), as browsers send it in the Origin header. */
function checkedOrigin(origin: string, name: string): string {
  if (origin === '*') return origin;
  try {
    if (new URL(origin).origin === origin) return origin;
  } catch {
    // reported below
  }
  throw invalidParameter('a comma-separated list of origins like https://example.org (or *)', name, origin);
}
