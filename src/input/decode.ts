// bytes -> RawImage: the only place untrusted image bytes are parsed. Order matters for safety:
// sniff the content (allowlist), read the header, enforce the pixel cap, and only then decode
// pixels — so a 100000x100000 "image" of a few hundred bytes never allocates anything big.
import sharp, { type Metadata, type OutputInfo, type SharpOptions } from 'sharp';
import { invalidParameter, MaskserveError, throwIfAborted } from '../errors.js';
import type { ImageFormat, RawImage } from '../types.js';
import { aspectRatioTooLarge, emptyInput, fromSharpError, imageSideTooLong, imageTooLarge, unsupportedFormat } from './decode-errors.js';
import { DEFAULT_MAX_PIXELS } from './limits.js';
import { sniffContent } from './sniff.js';

export { sniffFormat, sniffContent, ALLOWED_FORMATS } from './sniff.js';

const DECODE_DEADLINE = 'The request deadline passed before the image was decoded';

export interface DecodeOptions {
  /** Largest accepted width * height of the (first) frame; checked from the header before decoding. */
  maxPixels?: number;
  /**
   * Longest accepted side and long/short ratio, also from the header. The pixel cap alone lets
   * through a 1 x 39,999,999 PNG of 77 KB whose row-by-row decode takes ~20 s.
   */
  maxSide?: number;
  maxAspectRatio?: number;
  /** Runs the pixel decode when a decode slot is free (the server bounds concurrent decodes). */
  slots?: TaskSlots;
  /** Stops waiting for a slot, and stops decoding, when aborted (deadline, client gone). */
  signal?: AbortSignal;
  /** libvips stops decoding after this many ms (rounded up to whole seconds). */
  timeoutMs?: number;
  /** Called with the header's size before any pixel is decoded (the server reserves memory here). */
  reserve?: (width: number, height: number, signal: AbortSignal | undefined) => Promise<void>;
}

/**
 * An image whose header has passed every check (and whose memory is reserved), not yet decoded:
 * plain data, so it can be decoded in another thread (the server's pixel pool) by decodeChecked.
 */
export interface CheckedImage {
  readonly bytes: Uint8Array;
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
  readonly orientation: number;
  readonly maxPixels: number;
  /** libvips stops decoding after this many ms (rounded up to whole seconds). */
  readonly timeoutMs: number | undefined;
}

/** What decodeImage needs of a scheduler (BoundedScheduler fits). */
export interface TaskSlots {
  submit<T>(start: () => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>;
}

/** The sharp/libvips loader name expected for each sniffed format (AVIF is a HEIF container). */
const SHARP_FORMAT: Readonly<Record<ImageFormat, string>> = Object.freeze({
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'heif',
  tiff: 'tiff',
});

interface Header {
  readonly width: number;
  readonly height: number;
  readonly orientation: number;
}

/**
 * Decodes an allowed image to 8-bit sRGB RGB (interleaved), with EXIF orientation applied and
 * alpha flattened onto white: the frame a viewer would display. Animations give their first frame.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<RawImage> {
  const checked = await checkImageHeader(bytes, options);
  return inDecodeSlot(options, () => decodeChecked(checked));
}

/**
 * Everything before the pixels: sniff the content (allowlist), read the header, enforce the pixel,
 * side and aspect-ratio limits, reserve memory. Nothing big is allocated yet.
 */
export async function checkImageHeader(bytes: Uint8Array, options: DecodeOptions = {}): Promise<CheckedImage> {
  if (!(bytes instanceof Uint8Array)) throw invalidParameter('a Uint8Array', 'bytes', bytes);
  const maxPixels = resolveMaxPixels(options.maxPixels);
  if (bytes.length === 0) throw emptyInput();

  const content = sniffContent(bytes);
  if (content.format === undefined) throw unsupportedFormat(content.detected);
  const format = content.format;

  const header = await readHeader(bytes, format, maxPixels);
  checkDimensions(header, maxPixels, options);
  await options.reserve?.(header.width, header.height, options.signal);
  return { bytes, format, ...header, maxPixels, timeoutMs: options.timeoutMs };
}

/**
 * Runs a decode when a slot is free (options.slots), checking the deadline before and after: a
 * decode that libvips stopped at the deadline is reported as the deadline, not as how it stopped.
 */
export async function inDecodeSlot<T>(options: Pick<DecodeOptions, 'slots' | 'signal'>, decode: () => Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    throwIfAborted(options.signal, DECODE_DEADLINE);
    try {
      return await decode();
    } catch (error) {
      throwIfAborted(options.signal, DECODE_DEADLINE);
      throw error;
    }
  };
  return options.slots ? options.slots.submit(run, { signal: options.signal }) : run();
}

/** The pixels of an image that has passed checkImageHeader. */
export async function decodeChecked(image: CheckedImage): Promise<RawImage> {
  const { data, width, height } = await decodePixels(image.bytes, image.format, image.maxPixels, image.timeoutMs);
  return Object.freeze({
    data,
    width,
    height,
    source: Object.freeze({ format: image.format, orientation: image.orientation, bytes: image.bytes.length }),
  });
}

function checkDimensions({ width, height }: Header, maxPixels: number, options: DecodeOptions): void {
  if (width * height > maxPixels) throw imageTooLarge(width, height, maxPixels);
  if (options.maxSide !== undefined && Math.max(width, height) > options.maxSide) throw imageSideTooLong(width, height, options.maxSide);
  const ratio = Math.max(width, height) / Math.min(width, height);
  if (options.maxAspectRatio !== undefined && ratio > options.maxAspectRatio) throw aspectRatioTooLarge(width, height, options.maxAspectRatio);
}

function resolveMaxPixels(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_PIXELS;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalidParameter('a positive integer', 'maxPixels', value);
  }
  return value;
}

/** Options shared by both sharp instances: strict decoding, first page/frame only, no temp files. */
function inputOptions(limitInputPixels: number | false): SharpOptions {
  return { failOn: 'warning', sequentialRead: true, limitInputPixels, pages: 1, page: 0 };
}

async function readHeader(bytes: Uint8Array, format: ImageFormat, maxPixels: number): Promise<Header> {
  let metadata: Metadata;
  try {
    // No pixel limit here: this reads only the header, and our own check below can then quote
    // the dimensions (sharp's limit error does not say what they were).
    metadata = await sharp(bytes, inputOptions(false)).metadata();
  } catch (error) {
    throw fromSharpError(error, format, maxPixels);
  }
  if (metadata.format !== SHARP_FORMAT[format]) {
    throw unsupportedFormat(metadata.format === undefined ? 'an unknown format' : String(metadata.format).toUpperCase());
  }
  // HEIF with HEVC shares AVIF's generic brands; only AV1-coded HEIF is AVIF.
  if (format === 'avif' && metadata.compression !== 'av1') throw unsupportedFormat('HEIC (HEVC-coded HEIF)');
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if (width < 1 || height < 1) {
    throw new MaskserveError('CORRUPT_IMAGE', 'The image is corrupt or truncated: the header has no dimensions', { format });
  }
  const orientation = Number.isInteger(metadata.orientation) && metadata.orientation! >= 1 && metadata.orientation! <= 8
    ? metadata.orientation!
    : 1;
  return { width, height, orientation };
}

async function decodePixels(
  bytes: Uint8Array,
  format: ImageFormat,
  maxPixels: number,
  timeoutMs: number | undefined,
): Promise<{ data: Uint8Array; width: number; height: number }> {
  let output: { data: Buffer; info: OutputInfo };
  try {
    // One pipeline: orient, flatten alpha on white, convert any colour space (grey, palette,
    // CMYK via ICC, 16-bit) to 8-bit sRGB. The pixel limit stays on as a second line of defence.
    output = await sharp(bytes, inputOptions(maxPixels))
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .timeout({ seconds: timeoutMs === undefined ? 0 : Math.max(1, Math.ceil(timeoutMs / 1000)) })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw fromSharpError(error, format, maxPixels);
  }
  const { data, info } = output;
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw new MaskserveError('INTERNAL', 'Internal error', { reason: `decoder produced ${info.channels} channels` });
  }
  // A plain Uint8Array view (not a Buffer) so consumers compare and copy it like any typed array.
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

