// Runs one request's segmentation under a deadline. The deadline covers queueing and inference;
// when it passes (or the client disconnects) the queued task is aborted and the client gets
// DEADLINE_EXCEEDED at once, even if a worker is still busy with it.
import type { FastifyReply } from 'fastify';
import { MaskserveError } from '../errors.js';
import type { SegmentOptions } from '../options.js';
import { segment, type LoadedModel, type SegmentOutput } from '../pipeline.js';
import type { RawImage } from '../types.js';
import type { ServerContext } from './context.js';

export async function runSegment(
  context: ServerContext,
  reply: FastifyReply,
  bytes: Uint8Array,
  model: LoadedModel,
  options: SegmentOptions,
  checkImage?: (image: RawImage) => void,
): Promise<SegmentOutput> {
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
  const work = segment(bytes, model, options, {
    decode: { maxPixels, maxSide: maxImageSide, maxAspectRatio, slots: context.decodeSlots, timeoutMs: deadlineMs },
    signal: controller.signal,
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
