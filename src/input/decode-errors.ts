// The decoder's coded errors. sharp/libvips messages are internal wording (library names,
// buffer states), so they only ever reach `cause` for server logs; users get a short reason.
import { MaskserveError } from '../errors.js';
import type { ImageFormat } from '../types.js';
import { ALLOWED_FORMATS, FORMAT_NAMES } from './sniff.js';

const ALLOWED_LIST = ALLOWED_FORMATS.map((format) => FORMAT_NAMES[format]).join(', ');

export function emptyInput(): MaskserveError {
  return new MaskserveError('EMPTY_INPUT', 'The image is empty (0 bytes)');
}

export function unsupportedFormat(detected: string): MaskserveError {
  return new MaskserveError(
    'UNSUPPORTED_FORMAT',
    `Unsupported image format: the content looks like ${detected}. Allowed formats: ${ALLOWED_LIST} (recognised by content, not by file name)`,
    { detected, allowed: ALLOWED_FORMATS },
  );
}

export function imageTooLarge(width: number, height: number, maxPixels: number): MaskserveError {
  const megapixels = (n: number) => `${Number((n / 1e6).toFixed(1))} MP`;
  return new MaskserveError(
    'IMAGE_TOO_LARGE',
    `The image is ${width}x${height} pixels (${megapixels(width * height)}); the limit is ${maxPixels} pixels (${megapixels(maxPixels)})`,
    { width, height, maxPixels },
  );
}

export function imageSideTooLong(width: number, height: number, maxSide: number): MaskserveError {
  return new MaskserveError('IMAGE_TOO_LARGE', `The image is ${width}x${height} pixels; the limit is ${maxSide} pixels per side`, { width, height, maxSide });
}

export function aspectRatioTooLarge(width: number, height: number, maxAspectRatio: number): MaskserveError {
  return new MaskserveError(
    'IMAGE_TOO_LARGE',
    `The image is ${width}x${height} pixels; its long side may be at most ${maxAspectRatio} times its short side`,
    { width, height, maxAspectRatio },
  );
}

/** Maps an error thrown by sharp while reading `format` to a coded error with a short reason. */
export function fromSharpError(error: unknown, format: ImageFormat, maxPixels: number): MaskserveError {
  const text = error instanceof Error ? error.message : String(error);
  if (/timeout/i.test(text)) {
    return new MaskserveError('DEADLINE_EXCEEDED', 'Decoding the image did not finish within the request deadline', {}, { cause: error });
  }
  if (/exceeds pixel limit/i.test(text)) {
    // Only reachable when the header check was bypassed (e.g. a TIFF page larger than its
    // directory claimed); the header dimensions are unknown here, so none are quoted.
    return new MaskserveError('IMAGE_TOO_LARGE', `The image has more than ${maxPixels} pixels`, { maxPixels }, { cause: error });
  }
  return new MaskserveError(
    'CORRUPT_IMAGE',
    `The ${FORMAT_NAMES[format]} image is corrupt or truncated: ${shortReason(text)}`,
    { format },
    { cause: error },
  );
}

function shortReason(text: string): string {
  if (/premature end|unexpected end|truncated|end of (file|stream|data)|short read|not enough data|EOF/i.test(text)) {
    return 'the data ends early';
  }
  if (/header/i.test(text)) return 'the header is invalid';
  return 'the image data is invalid';
}
