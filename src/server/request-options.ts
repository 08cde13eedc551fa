// Turns loose request options (query string, multipart fields, JSON body — all may be strings)
// into validated inference, encoding and drawing options, through the option table
// (src/options/table.ts): one code and one wording for a bad value wherever it arrives.
import { drawOptionsOf, segmentOptionsOf, type SegmentOptions } from '../options.js';
import { parseOptions } from '../options/table.js';
import type { DrawOptions } from '../output/encode.js';
import type { MaskFormat, OutputFormat } from '../output/formats.js';

export interface RequestOptions {
  readonly segment: SegmentOptions;
  readonly maskFormat: MaskFormat;
  readonly draw: DrawOptions;
  readonly model?: string;
  /** Explicit ?format=; undefined means "negotiate from Accept". */
  readonly format?: OutputFormat;
  readonly imageId: number;
}

export function parseRequestOptions(input: Readonly<Record<string, unknown>>): RequestOptions {
  const values = parseOptions(input);
  const { maskFormat, model, format, imageId } = values;
  return Object.freeze({
    segment: segmentOptionsOf(values),
    maskFormat,
    draw: drawOptionsOf(values),
    ...(model === undefined ? {} : { model }),
    ...(format === undefined ? {} : { format }),
    imageId,
  });
}
