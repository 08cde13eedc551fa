// Content sniffing: what the bytes ARE, from their magic numbers. File names and Content-Type
// headers are never consulted, because both are chosen by whoever sends the request.
import type { ImageFormat } from '../types.js';

/** Allowed formats in the order they are listed to users. */
export const ALLOWED_FORMATS: readonly ImageFormat[] = Object.freeze(['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff']);

export const FORMAT_NAMES: Readonly<Record<ImageFormat, string>> = Object.freeze({
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  avif: 'AVIF',
  tiff: 'TIFF',
});

/** What the content was recognised as: an allowed format, or a human name of what it looks like. */
export type ContentKind = { readonly format: ImageFormat } | { readonly format?: undefined; readonly detected: string };

// ISO-BMFF brands. 'mif1'/'msf1' are generic HEIF brands shared by AVIF and HEIC, so they only
// count as AVIF when no HEVC brand is present; decode then confirms the AV1 compression.
const AVIF_BRANDS = new Set(['avif', 'avis']);
const GENERIC_HEIF_BRANDS = new Set(['mif1', 'msf1', 'miaf']);
const HEVC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);

export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  return sniffContent(bytes).format;
}

export function sniffContent(bytes: Uint8Array): ContentKind {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { format: 'jpeg' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { format: 'png' };
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return { format: 'gif' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return { format: 'webp' };
  if (isTiff(bytes)) return { format: 'tiff' };
  const heif = sniffIsoBmff(bytes);
  if (heif !== undefined) return heif;
  return { detected: describeOther(bytes) };
}

function isTiff(bytes: Uint8Array): boolean {
  // Classic TIFF (42) and BigTIFF (43), both byte orders.
  return (
    startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])
  );
}

function sniffIsoBmff(bytes: Uint8Array): ContentKind | undefined {
  if (bytes.length < 16 || ascii(bytes, 4, 4) !== 'ftyp') return undefined;
  const boxSize = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const end = Math.min(bytes.length, boxSize >= 16 ? boxSize : 16, 256);
  // Major brand at 8, minor version at 12, compatible brands from 16.
  const brands = [ascii(bytes, 8, 4)];
  for (let offset = 16; offset + 4 <= end; offset += 4) brands.push(ascii(bytes, offset, 4));
  if (brands.some((brand) => HEVC_BRANDS.has(brand))) return { detected: 'HEIC (HEVC-coded HEIF)' };
  if (brands.some((brand) => AVIF_BRANDS.has(brand) || GENERIC_HEIF_BRANDS.has(brand))) return { format: 'avif' };
  if (brands.some((brand) => brand.startsWith('jx'))) return { detected: 'JPEG XL' };
  if (brands.some((brand) => brand === 'jp2 ' || brand === 'jpx ')) return { detected: 'JPEG 2000' };
  if (brands.some((brand) => brand === 'qt  ')) return { detected: 'QuickTime video' };
  return { detected: 'an ISO media file (video or audio)' };
}

const SIGNATURES: readonly (readonly [string, readonly number[]])[] = [
  ['PDF', [0x25, 0x50, 0x44, 0x46]], // %PDF
  ['BMP', [0x42, 0x4d]],
  ['ICO', [0x00, 0x00, 0x01, 0x00]],
  ['Photoshop (PSD)', [0x38, 0x42, 0x50, 0x53]],
  ['JPEG XL', [0xff, 0x0a]],
  ['JPEG XL', [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20]],
  ['JPEG 2000', [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]],
  ['gzip data', [0x1f, 0x8b]],
  ['a ZIP archive', [0x50, 0x4b, 0x03, 0x04]],
  ['OpenEXR', [0x76, 0x2f, 0x31, 0x01]],
];

function describeOther(bytes: Uint8Array): string {
  for (const [name, magic] of SIGNATURES) if (startsWith(bytes, magic)) return name;
  const head = textHead(bytes);
  if (head !== undefined) {
    const lower = head.toLowerCase();
    if (lower.includes('<svg')) return 'SVG';
    if (lower.startsWith('<!doctype html') || lower.startsWith('<html')) return 'HTML';
    if (lower.startsWith('<?xml') || lower.startsWith('<')) return 'XML';
    if (lower.startsWith('{') || lower.startsWith('[')) return 'JSON';
    return 'text';
  }
  return 'unrecognised binary data';
}

/** The first KiB as text when it is printable (a BOM and leading whitespace are skipped), else undefined. */
function textHead(bytes: Uint8Array): string | undefined {
  const head = bytes.subarray(0, 1024);
  for (const byte of head) {
    const printable = byte >= 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
    if (!printable || byte === 0x7f) return undefined;
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(head).replace(/^\uFEFF/, '').trimStart();
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  if (bytes.length < magic.length) return false;
  return magic.every((value, index) => bytes[index] === value);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  if (bytes.length < offset + length) return '';
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}
