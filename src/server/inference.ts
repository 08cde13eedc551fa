// Runs one request's segmentation under a deadline. The deadline covers queueing and inference;
// when it passes (or the client disconnects) the queued task is aborted and the client gets
// DEADLINE_EXCEEDED at once, even if a worker is still busy with it.
import type { FastifyReply } from 'fastify';
import { MaskserveError } from '../errors.js';
import type { SegmentOptions } from '../options.js';
import { segment, type LoadedModel, type SegmentOutput } from '../pipeline.js';
import { isImageFormat, type OutputFormat } from '../output/formats.js';
import type { ServerContext } from './context.js';
import { checkFitsFormat } from './representations.js';

/**
 * What one request holds per image pixel until it is answered: the decoded RGB (3 bytes) and the
 * annotated copy or the full-size masks of the answer (up to 4 more), rounded up.
 */
export const BYTES_PER_PIXEL_IN_FLIGHT = 8;

/** `format`: the answer's format, checked against the image's size before decoding. */
export async function runSegment(
  context: ServerContext,
  reply: FastifyReply,
  bytes: Uint8Array,
  model: LoadedModel,
  options: SegmentOptions,
  format: OutputFormat,
): Promise<SegmentOutput> {
  const checkImage = checkFitsFormat(format);
  const controller = new AbortController();
  const deadlineMs = context.config.perRequestDeadlineMs;
  const timer = setTimeout(() => {
    controller.abort(new MaskserveError('DEADLINE_EXCEEDED', `Inference did not finish within ${deadlineMs} ms`));
  }, deadlineMs);
  // A client that hung up no longer needs its place in the queue.
  const onClose = (): void => {
    if (!reply.raw.writableFinished) controller.abort(new MaskserveError('DEADLINE_EXCEEDED', 'The client disconnected'));
  };
  reply.raw.once('close', onClose);

  const aborted = new Promise<never>((_resolve, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  const { maxPixels, maxImageSide, maxAspectRatio } = context.config;
  // Held until the answer is sent (or the client is gone): the pixels live that long.
  const reserve = async (width: number, height: number, signal: AbortSignal | undefined): Promise<void> => {
    const release = await context.imageMemory.acquire(width * height * BYTES_PER_PIXEL_IN_FLIGHT, signal);
    if (reply.raw.closed) release();
    else reply.raw.once('close', release);
  };
  const work = segment(bytes, model, options, {
    decode: { maxPixels, maxSide: maxImageSide, maxAspectRatio, slots: context.decodeSlots, timeoutMs: deadlineMs, reserve },
    signal: controller.signal,
    pixels: context.pixels,
    // Only an annotated image needs the decoded pixels back from the pixel pool.
    keepPixels: isImageFormat(format),
    ...(checkImage ? { checkImage } : {}),
  });
  work.catch(() => undefined); // the race below reports the failure; avoid an unhandled rejection

  try {
    const result = await Promise.race([work, aborted]);
    context.metrics.observeInference(model.ref.id, result.timings.inferenceMs / 1000);
    return result;
  } catch (error) {
    // Whatever the pipeline threw after an abort, the abort reason is the real cause.
    throw controller.signal.aborted ? controller.signal.reason : error;
  } finally {
    clearTimeout(timer);
    reply.raw.off('close', onClose);
  }
}
