// Turning a URL into the one IP address we will connect to. The URL's shape is checked first
// (scheme, credentials), then its host is resolved ONCE here and every resolved address vetted;
// the connection later goes to the vetted address itself, so no second DNS answer can rebind it.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { MaskserveError } from '../errors.js';
import { addressBlockReason, type AddressPolicy } from './address-policy.js';
import { fetchFailed } from './fetch-errors.js';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** DNS seam: all addresses for a host name, in preference order. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** Where one hop will connect: the vetted IP, plus the name for the Host header and TLS SNI. */
export interface VettedTarget extends ResolvedAddress {
  readonly hostname: string;
  readonly port: number;
}

export const MAX_URL_LENGTH = 8192;

export const systemResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

/**
 * Why a URL may not be fetched (scheme, credentials), or undefined. Shared by the user's URL
 * (reported as a 400) and redirect targets (reported as the generic fetch failure).
 */
export function urlShapeProblem(url: URL): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `the URL scheme must be http or https, not ${url.protocol.replace(/:$/, '')}`;
  }
  if (url.username !== '' || url.password !== '') return 'the URL must not contain credentials (user:password@)';
  return undefined;
}

/** Parses and checks the URL a user gave; problems are the user's to fix, so they are 400s. */
export function parseImageUrl(raw: string): URL {
  if (raw.length > MAX_URL_LENGTH) {
    throw new MaskserveError('INVALID_REQUEST', `The image URL is longer than ${MAX_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new MaskserveError('INVALID_REQUEST', 'The image URL is not a valid absolute URL (expected http:// or https://…)');
  }
  const problem = urlShapeProblem(url);
  if (problem !== undefined) throw new MaskserveError('INVALID_REQUEST', `Invalid image URL: ${problem}`);
  return url;
}

/** The bare host: brackets removed from IPv6 literals, one trailing dot dropped. */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

export function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/**
 * Resolves the URL's host (IP literals, including the decimal/hex/octal forms the WHATWG parser
 * has already normalised, are used as they are) and returns the address to connect to. Throws
 * the generic fetch failure if ANY resolved address is disallowed: a mixed answer is a
 * rebinding attempt or a misconfiguration, and neither should be half-trusted.
 */
export async function vetTarget(url: URL, policy: AddressPolicy, resolver: Resolver, signal: AbortSignal): Promise<VettedTarget> {
  const hostname = bareHostname(url);
  const port = portOf(url);
  const literal = isIP(hostname);
  if (literal !== 0) {
    rejectIfBlocked(hostname, policy);
    return { hostname, port, address: hostname, family: literal === 6 ? 6 : 4 };
  }
  // RFC 6761: *.localhost is loopback by definition; refuse without asking DNS.
  if (!policy.allowLoopback && /(^|\.)localhost$/i.test(hostname)) throw fetchFailed(`blocked host name ${hostname}`);
  const answers = await resolveWithin(resolver, hostname, signal);
  if (!Array.isArray(answers) || answers.length === 0) throw fetchFailed(`DNS returned no addresses for ${hostname}`);
  for (const answer of answers) rejectIfBlocked(answer.address, policy, hostname);
  const first = answers[0];
  return { hostname, port, address: first.address, family: isIP(first.address) === 6 ? 6 : 4 };
}

function rejectIfBlocked(address: string, policy: AddressPolicy, hostname?: string): void {
  const reason = addressBlockReason(address, policy);
  if (reason === undefined) return;
  const via = hostname === undefined ? '' : ` (resolved from ${hostname})`;
  throw fetchFailed(`blocked address ${address}${via}: ${reason}`);
}

async function resolveWithin(resolver: Resolver, hostname: string, signal: AbortSignal): Promise<readonly ResolvedAddress[]> {
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([resolver(hostname), aborted]);
  } catch (error) {
    if (signal.aborted) throw error;
    throw fetchFailed(`DNS lookup failed for ${hostname}`, error);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}
