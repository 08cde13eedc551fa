// Chooses and produces the response representation of a segmentation: result JSON, COCO
// results, or the annotated image (PNG/JPEG/WebP). ?format= wins over the Accept header.
import type { FastifyReply } from 'fastify';
import { toCocoResults } from '../output/coco.js';
import { renderAnnotated } from '../output/render.js';
import { toResultJson } from '../output/result-json.js';
import type { SegmentOutput } from '../pipeline.js';
import { MaskserveError } from '../errors.js';
import type { RawImage } from '../types.js';
import { negotiate } from './negotiate.js';
import type { ImageOutputFormat, OutputFormat, RequestOptions } from './request-options.js';

const MEDIA_TYPES: Readonly<Record<ImageOutputFormat, string>> = Object.freeze({
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
});

/** Longest side each image encoder can write (WebP's format limit, JPEG's 16-bit header fields). */
const MAX_SIDE: Readonly<Partial<Record<OutputFormat, number>>> = Object.freeze({ webp: 16_383, jpeg: 65_535 });

/**
 * Fails an image the requested format cannot hold before inference runs, not after (it used to be
 * a 500 from the encoder, after a full inference).
 */
export function checkFitsFormat(format: OutputFormat): ((image: RawImage) => void) | undefined {
  const maxSide = MAX_SIDE[format];
  if (maxSide === undefined) return undefined;
  return ({ width, height }) => {
    if (Math.max(width, height) <= maxSide) return;
    throw new MaskserveError('INVALID_OPTION', `A ${format.toUpperCase()} image can be at most ${maxSide} pixels per side and this one is ${width}x${height}; ask for format=png or json`, { format });
  };
}

const API_OFFERS = ['application/json', 'image/png', 'image/jpeg', 'image/webp'] as const;

/**
 * The API default is JSON; an image only when asked for by ?format= or a preferring Accept. An
 * Accept that allows none of them (e.g. application/xml) is refused before any work is done.
 */
export function apiFormat(explicit: OutputFormat | undefined, accept: string | undefined): OutputFormat {
  if (explicit !== undefined) return explicit;
  const chosen = negotiate(accept, API_OFFERS);
  if (chosen === undefined) {
    throw new MaskserveError('NOT_ACCEPTABLE', `Cannot answer with any type in Accept: ${JSON.stringify(String(accept).slice(0, 100))}; this endpoint offers ${API_OFFERS.join(', ')} (or choose with ?format=)`);
  }
  if (chosen === 'image/png') return 'png';
  if (chosen === 'image/jpeg') return 'jpeg';
  if (chosen === 'image/webp') return 'webp';
  return 'json';
}

/** The seed's /detect: PNG unless the client explicitly prefers JPEG. */
export function detectImageFormat(accept: string | undefined): ImageOutputFormat {
  return negotiate(accept, ['image/png', 'image/jpeg']) === 'image/jpeg' ? 'jpeg' : 'png';
}

export async function sendAnnotatedImage(
  reply: FastifyReply,
  result: SegmentOutput,
  format: ImageOutputFormat,
  options: Pick<RequestOptions, 'draw'>,
): Promise<FastifyReply> {
  const started = performance.now();
  const image = await renderAnnotated(result.image, result.instances, { ...options.draw, format });
  return reply
    .header('server-timing', serverTiming(result, performance.now() - started))
    .header('vary', 'Accept')
    .header('cache-control', 'no-store')
    .type(MEDIA_TYPES[format])
    .send(image);
}

export async function sendSegmentation(
  reply: FastifyReply,
  result: SegmentOutput,
  format: OutputFormat,
  options: RequestOptions,
): Promise<FastifyReply> {
  if (format === 'png' || format === 'jpeg' || format === 'webp') return sendAnnotatedImage(reply, result, format, options);
  reply.header('vary', 'Accept').header('cache-control', 'no-store').type('application/json; charset=utf-8');
  const started = performance.now();
  const body = format === 'coco' ? JSON.stringify(toCocoResults(result.instances, options.imageId)) : JSON.stringify(toResultJson(result, { maskFormat: options.maskFormat }));
  return reply.header('server-timing', serverTiming(result, performance.now() - started)).send(body);
}

/**
 * Every stage's time as a Server-Timing header (shown by browsers' network panels), including the
 * encoding of the answer (RLE, polygons, PNG), which the result JSON's own `timings` cannot hold.
 */
function serverTiming({ timings }: SegmentOutput, encodeMs: number): string {
  const stages: [string, number][] = [
    ['decode', timings.decodeMs],
    ['preprocess', timings.preprocessMs],
    ['inference', timings.inferenceMs],
    ['postprocess', timings.postprocessMs],
    ['encode', encodeMs],
  ];
  return stages.map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`).join(', ');
}
