// Reading a response body under the byte cap. The count is of bytes AFTER content-decoding
// (undici's fetch inflates gzip/br/deflate), so a small compressed bomb still hits the cap.
import type { Response } from 'undici';
import { unsupportedFormat } from './decode-errors.js';
import { tooLarge } from './fetch-errors.js';
import { sniffContent } from './sniff.js';

/** Bytes after which the content must look like an allowed image (1 KiB names SVG/HTML reliably). */
const SNIFF_BYTES = 1024;

/** Reads the (already content-decoded) body, stopping as soon as it passes maxBytes. */
export async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  if (!encoded && Number.isFinite(declared) && declared > maxBytes) {
    await discard(response);
    throw tooLarge(maxBytes);
  }
  if (response.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let sniffed = false;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
    if (!sniffed && total >= SNIFF_BYTES) {
      sniffed = true;
      // Not an image (an HTML error page, a video…): stop now instead of downloading it all.
      // Same error the decoder would give; shorter bodies are left to the decoder.
      const content = sniffContent(concat(chunks, total));
      if (content.format === undefined) {
        await reader.cancel().catch(() => undefined);
        throw unsupportedFormat(content.detected);
      }
    }
  }
  return concat(chunks, total);
}

/** A fresh Uint8Array that owns its memory (chunks may be views into shared pools). */
function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** Drops a body we will not read, so the socket is released; a failing cancel changes nothing. */
export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
