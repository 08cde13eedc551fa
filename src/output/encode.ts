// A segmentation in any output format (src/output/formats.ts): the one encoder the server's
// responses and the CLI's files and stdout share.
import type { SegmentOutput } from '../pipeline.js';
import { isImageFormat, OUTPUT_FORMATS, type DocumentOptions, type ImageOutputFormat, type OutputFormat } from './formats.js';
import { renderAnnotated, type RenderOptions } from './render.js';

export type DrawOptions = Omit<RenderOptions, 'format'>;
export type DocumentOutputFormat = Exclude<OutputFormat, ImageOutputFormat>;

export interface EncodeOptions extends DocumentOptions {
  readonly draw?: DrawOptions;
  /** JSON indentation (files and terminals); responses are compact. */
  readonly indent?: number;
}

/** The JSON value of a document format (result JSON, COCO rows). */
export function resultDocument(format: DocumentOutputFormat, result: SegmentOutput, options: DocumentOptions): unknown {
  return OUTPUT_FORMATS[format].toJson(result, options);
}

/** The encoded annotated image (image formats) or JSON text (document formats) of `result`. */
export async function encodeResult(format: OutputFormat, result: SegmentOutput, options: EncodeOptions): Promise<Buffer | string> {
  if (isImageFormat(format)) return renderAnnotated(result.image, result.instances, { ...options.draw, format });
  return JSON.stringify(resultDocument(format, result, options), null, options.indent);
}
