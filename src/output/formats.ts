// The output formats, one entry each: the one list the server's ?format= and Accept negotiation,
// the CLI's --format, the OpenAPI document and the UI's downloads are derived from. A document
// format says how a result becomes JSON; an image format is the annotated image and says how
// sharp encodes it. Node-free (no sharp here), so the UI can import it too.
import { toCocoResults } from './coco.js';
import { toResultJson } from './result-json.js';
import type { SegmentResult } from '../types.js';

export const MASK_FORMATS = Object.freeze(['rle', 'polygons', 'both', 'none'] as const);
export type MaskFormat = (typeof MASK_FORMATS)[number];

/** What a document format needs besides the result. */
export interface DocumentOptions {
  readonly maskFormat: MaskFormat;
  /** image_id of COCO rows. */
  readonly imageId: number;
}

interface FormatBase {
  readonly mediaType: string;
  /** File extension (no dot) for files written in this format. */
  readonly extension: string;
  readonly description: string;
}

export interface DocumentFormat extends FormatBase {
  readonly kind: 'document';
  toJson(result: SegmentResult, options: DocumentOptions): unknown;
  /**
   * How results of several inputs share one stream: one JSON line per input (tagged with it), or
   * one array with every input's rows (a COCO results file).
   */
  readonly several: 'json-lines' | 'concatenate';
}

export interface ImageFormat extends FormatBase {
  readonly kind: 'image';
  /** Longest side the encoder can write (WebP's format limit, JPEG's 16-bit header fields). */
  readonly maxSide?: number;
  /** sharp's encoder and its options (speed over a few % of size: this is a response). */
  readonly encoder: { readonly id: 'png' | 'jpeg' | 'webp' | 'avif' | 'tiff'; readonly options: Readonly<Record<string, unknown>> };
}

export type OutputFormatSpec = DocumentFormat | ImageFormat;

export const OUTPUT_FORMATS = Object.freeze({
  json: {
    kind: 'document',
    mediaType: 'application/json',
    extension: 'json',
    description: 'result JSON',
    several: 'json-lines',
    toJson: (result: SegmentResult, options: DocumentOptions) => toResultJson(result, options),
  },
  coco: {
    kind: 'document',
    mediaType: 'application/json',
    extension: 'json',
    description: 'COCO results rows',
    several: 'concatenate',
    toJson: (result: SegmentResult, options: DocumentOptions) => toCocoResults(result.instances, options.imageId),
  },
  png: {
    kind: 'image',
    mediaType: 'image/png',
    extension: 'png',
    description: 'annotated image, PNG',
    // Photos barely compress further past level 3, which is ~2x faster than the default 6.
    encoder: { id: 'png', options: { compressionLevel: 3 } },
  },
  jpeg: {
    kind: 'image',
    mediaType: 'image/jpeg',
    extension: 'jpg',
    description: 'annotated image, JPEG',
    maxSide: 65_535,
    // mozjpeg's trellis search is ~5x slower on big photos for a few % in size: not worth a response.
    encoder: { id: 'jpeg', options: { quality: 90 } },
  },
  webp: {
    kind: 'image',
    mediaType: 'image/webp',
    extension: 'webp',
    description: 'annotated image, WebP',
    maxSide: 16_383,
    encoder: { id: 'webp', options: { quality: 90, effort: 2 } },
  },
} as const satisfies Record<string, OutputFormatSpec>);

export type OutputFormat = keyof typeof OUTPUT_FORMATS;
export type ImageOutputFormat = { [K in OutputFormat]: (typeof OUTPUT_FORMATS)[K]['kind'] extends 'image' ? K : never }[OutputFormat];

export const OUTPUT_FORMAT_NAMES = Object.freeze(Object.keys(OUTPUT_FORMATS) as OutputFormat[]);
export const IMAGE_FORMAT_NAMES = Object.freeze(OUTPUT_FORMAT_NAMES.filter(isImageFormat));
/** Other spellings accepted for a format name. */
export const OUTPUT_FORMAT_ALIASES: Readonly<Record<string, OutputFormat>> = Object.freeze({ jpg: 'jpeg' });

export function isImageFormat(format: OutputFormat): format is ImageOutputFormat {
  return OUTPUT_FORMATS[format].kind === 'image';
}
