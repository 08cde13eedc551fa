// SSRF-safe download of an image URL for the server (the CLI and the /detect URL form use it).
// Each hop: check the URL's shape, resolve and vet EVERY address, connect to the vetted IP only,
// follow redirects by hand (each one a new hop, re-vetted), all under one total deadline and a
// cap on decoded bytes. What the bytes are is judged later by the decoder's content sniffing.
import { fetch } from 'undici';
import { invalidParameter, isMaskserveError, type MaskserveError } from '../errors.js';
import { fetchFailed } from './fetch-errors.js';
import { createPinnedAgent, type Dialer } from './pinned-agent.js';
import { discard, readCapped } from './read-capped.js';
import { parseImageUrl, systemResolver, urlShapeProblem, vetTarget, type Resolver } from './url-target.js';

export type { Resolver, ResolvedAddress } from './url-target.js';
export type { Dialer } from './pinned-agent.js';
export { FETCH_FAILED_MESSAGE } from './fetch-errors.js';

export interface FetchPolicy {
  /** Test-only: allow 127.0.0.0/8 and ::1 so tests can serve images on loopback. Never the default. */
  allowLoopback: boolean;
  /** Cap on the body AFTER content-decoding (a gzip bomb counts at its inflated size). */
  maxBytes: number;
  /** Total deadline across DNS, connects, redirects and the body. */
  timeoutMs: number;
  maxRedirects: number;
  /** DNS seam; default: the system resolver (all addresses). */
  resolver?: Resolver;
  /** Test seam; see Dialer. */
  dial?: Dialer;
}

export interface FetchOptions {
  /** Caller's cancellation (e.g. the client went away); its reason is rethrown as is. */
  signal?: AbortSignal;
}

export const DEFAULT_FETCH_POLICY: Readonly<FetchPolicy> = Object.freeze({
  allowLoopback: false,
  maxBytes: 20 * 1024 * 1024,
  timeoutMs: 10_000,
  maxRedirects: 3,
});

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const REQUEST_HEADERS = Object.freeze({
  accept: 'image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8',
  'user-agent': 'maskserve (+image fetch)',
});

export async function fetchImageBytes(url: string, policy: Partial<FetchPolicy> = {}, options: FetchOptions = {}): Promise<Uint8Array> {
  if (typeof url !== 'string') throw invalidParameter('a URL string', 'url', url);
  const resolved = resolvePolicy(policy);
  let current = parseImageUrl(url);

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), resolved.timeoutMs);
  const signal = options.signal === undefined ? deadline.signal : AbortSignal.any([deadline.signal, options.signal]);
  try {
    for (let redirects = 0; ; redirects++) {
      const outcome = await fetchHop(current, resolved, signal);
      if (outcome.bytes !== undefined) return outcome.bytes;
      if (redirects >= resolved.maxRedirects) throw fetchFailed(`too many redirects (more than ${resolved.maxRedirects})`);
      current = outcome.next;
    }
  } catch (error) {
    if (options.signal?.aborted && !deadline.signal.aborted) throw options.signal.reason;
    throw toFetchError(error, deadline.signal.aborted, resolved.timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}

type HopOutcome = { bytes: Uint8Array; next?: undefined } | { bytes?: undefined; next: URL };

async function fetchHop(url: URL, policy: FetchPolicy, signal: AbortSignal): Promise<HopOutcome> {
  const target = await vetTarget(url, policy, policy.resolver ?? systemResolver, signal);
  const agent = createPinnedAgent(target, policy.dial);
  try {
    const response = await fetch(url, { dispatcher: agent, redirect: 'manual', signal, headers: REQUEST_HEADERS });
    if (REDIRECT_STATUSES.has(response.status)) {
      await discard(response);
      return { next: redirectTarget(url, response.headers.get('location')) };
    }
    if (response.status < 200 || response.status > 299) {
      await discard(response);
      throw fetchFailed(`HTTP ${response.status}`);
    }
    return { bytes: await readCapped(response, policy.maxBytes) };
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

/** A redirect is a URL we did not get from the user: any problem with it is a fetch failure. */
function redirectTarget(from: URL, location: string | null): URL {
  if (location === null || location === '') throw fetchFailed(`redirect from ${from.href} without a Location`);
  let next: URL;
  try {
    next = new URL(location, from);
  } catch (error) {
    throw fetchFailed('redirect to an invalid URL', error);
  }
  const problem = urlShapeProblem(next);
  if (problem !== undefined) throw fetchFailed(`redirect to ${next.protocol}//${next.host} refused: ${problem}`);
  return next;
}

function toFetchError(error: unknown, timedOut: boolean, timeoutMs: number): MaskserveError {
  if (isMaskserveError(error)) return error;
  if (timedOut) return fetchFailed(`timed out after ${timeoutMs} ms`, error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const text = typeof code === 'string' ? code : cause instanceof Error ? cause.message : String(cause);
  return fetchFailed(`connection failed: ${text}`, error);
}

function resolvePolicy(policy: Partial<FetchPolicy>): FetchPolicy {
  const merged = { ...DEFAULT_FETCH_POLICY, ...withoutUndefined(policy) };
  if (typeof merged.allowLoopback !== 'boolean') throw invalidParameter('a boolean', 'allowLoopback', merged.allowLoopback);
  if (!Number.isSafeInteger(merged.maxBytes) || merged.maxBytes < 1) {
    throw invalidParameter('a positive integer', 'maxBytes', merged.maxBytes);
  }
  if (!Number.isInteger(merged.timeoutMs) || merged.timeoutMs < 1 || merged.timeoutMs > 2 ** 31 - 1) {
    throw invalidParameter('a positive integer number of milliseconds', 'timeoutMs', merged.timeoutMs);
  }
  if (!Number.isInteger(merged.maxRedirects) || merged.maxRedirects < 0 || merged.maxRedirects > 20) {
    throw invalidParameter('an integer between 0 and 20', 'maxRedirects', merged.maxRedirects);
  }
  for (const name of ['resolver', 'dial'] as const) {
    if (merged[name] !== undefined && typeof merged[name] !== 'function') throw invalidParameter('a function', name, merged[name]);
  }
  return merged;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
