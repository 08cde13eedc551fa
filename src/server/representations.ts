// Chooses and produces the response representation of a segmentation: result JSON, COCO
// results, or the annotated image (PNG/JPEG/WebP). ?format= wins over the Accept header.
import type { FastifyReply } from 'fastify';
import { MaskserveError } from '../errors.js';
import { OUTPUT_FORMAT_NAMES, OUTPUT_FORMATS, type ImageOutputFormat, type OutputFormat } from '../output/formats.js';
import type { SegmentOutput } from '../pipeline.js';
import type { PixelWork } from '../pixels/work.js';
import type { Size, Timings } from '../types.js';
import { negotiate } from './negotiate.js';
import type { RequestOptions } from './request-options.js';

/**
 * Fails an image the requested format cannot hold from its header, before decoding (it used to be
 * a 500 from the encoder, after a full inference).
 */
export function checkFitsFormat(format: OutputFormat): ((size: Size) => void) | undefined {
  const spec = OUTPUT_FORMATS[format];
  const maxSide = spec.kind === 'image' && 'maxSide' in spec ? spec.maxSide : undefined;
  if (maxSide === undefined) return undefined;
  return ({ width, height }) => {
    if (Math.max(width, height) <= maxSide) return;
    throw new MaskserveError('INVALID_OPTION', `A ${format.toUpperCase()} image can be at most ${maxSide} pixels per side and this one is ${width}x${height}; ask for format=png or json`, { format });
  };
}

/** Each media type the API answers with, and the first format (in table order) that has it. */
const API_OFFERS: ReadonlyMap<string, OutputFormat> = (() => {
  const offers = new Map<string, OutputFormat>();
  for (const format of OUTPUT_FORMAT_NAMES) if (!offers.has(OUTPUT_FORMATS[format].mediaType)) offers.set(OUTPUT_FORMATS[format].mediaType, format);
  return offers;
})();

/**
 * The API default is JSON; an image only when asked for by ?format= or a preferring Accept. An
 * Accept that allows none of them (e.g. application/xml) is refused before any work is done.
 */
export function apiFormat(explicit: OutputFormat | undefined, accept: string | undefined): OutputFormat {
  if (explicit !== undefined) return explicit;
  const offers = [...API_OFFERS.keys()];
  const chosen = negotiate(accept, offers);
  if (chosen === undefined) {
    throw new MaskserveError('NOT_ACCEPTABLE', `Cannot answer with any type in Accept: ${JSON.stringify(String(accept).slice(0, 100))}; this endpoint offers ${offers.join(', ')} (or choose with ?format=)`);
  }
  return API_OFFERS.get(chosen) as OutputFormat;
}

/** The seed's /detect: PNG unless the client explicitly prefers JPEG. */
export function detectImageFormat(accept: string | undefined): ImageOutputFormat {
  return negotiate(accept, [OUTPUT_FORMATS.png.mediaType, OUTPUT_FORMATS.jpeg.mediaType]) === OUTPUT_FORMATS.jpeg.mediaType ? 'jpeg' : 'png';
}

/** The segmentation in `format`, with its media type and the stage timings. */
export async function sendSegmentation(
  pixels: PixelWork,
  reply: FastifyReply,
  result: SegmentOutput,
  format: OutputFormat,
  { draw, maskFormat, imageId }: Pick<RequestOptions, 'draw' | 'maskFormat' | 'imageId'>,
): Promise<FastifyReply> {
  const spec = OUTPUT_FORMATS[format];
  const { timings } = result;
  const encoded = await pixels.encode(format, result, { draw, maskFormat, imageId });
  return reply
    .header('server-timing', serverTiming(timings, encoded.ms))
    .header('vary', 'Accept')
    .header('cache-control', 'no-store')
    .type(spec.kind === 'document' ? `${spec.mediaType}; charset=utf-8` : spec.mediaType)
    .send(encoded.value);
}

/**
 * Every stage's time as a Server-Timing header (shown by browsers' network panels), including the
 * encoding of the answer (RLE, polygons, PNG), which the result JSON's own `timings` cannot hold.
 */
function serverTiming(timings: Timings, encodeMs: number): string {
  const stages: [string, number][] = [
    ['decode', timings.decodeMs],
    ['preprocess', timings.preprocessMs],
    ['inference', timings.inferenceMs],
    ['postprocess', timings.postprocessMs],
    ['encode', encodeMs],
  ];
  return stages.map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`).join(', ');
}
