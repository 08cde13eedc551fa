// The URL fetcher's failures. Every network-side failure (blocked address, refused, timed out,
// DNS, non-2xx, bad redirect) looks the same to the caller, so the API cannot be used to map
// the server's network; the real reason travels in details.reason for server logs only.
import { formatBytes } from '../format-bytes.js';
import { MaskserveError } from '../errors.js';

export const FETCH_FAILED_MESSAGE =
  'Could not fetch the image URL: the address is not allowed, unreachable, too slow, or did not return an image';

export function fetchFailed(reason: string, cause?: unknown): MaskserveError {
  return new MaskserveError('URL_FETCH_FAILED', FETCH_FAILED_MESSAGE, { reason }, cause === undefined ? undefined : { cause });
}

export function tooLarge(maxBytes: number): MaskserveError {
  return new MaskserveError('PAYLOAD_TOO_LARGE', `The image at the URL is larger than ${formatBytes(maxBytes)}`, { maxBytes });
}

