// Admission control: a compute request is admitted, or refused with 503 QUEUE_FULL, the moment
// its headers arrive, before its body is read or its image decoded. Refusing costs nothing, so
// overload cannot spend the main thread and the decoder on requests that would be refused later
// (measured before: at 64 clients, 47 % of main-thread time went to preprocessing requests that
// then got 503).
//
// Three limits, each checked from the headers alone:
//  - count: inference workers + queue (MASKSERVE_MAX_QUEUE), so whatever is admitted fits the queue;
//  - time: the inference ahead of the request, at the measured average per image, must end within
//    half its deadline. A queue is as deep as the model is fast: a fast model queues many requests
//    (and spares clients a refusal loop), a slow one few (no admitted request is bound to time out);
//  - memory: request bodies in flight (declared Content-Length; the upload limit when unknown or
//    when the body is a URL to fetch) stay within MASKSERVE_MAX_BODY_BYTES_IN_FLIGHT.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { MaskserveError } from '../../errors.js';
import { formatBytes } from '../../format-bytes.js';
import { once } from '../../once.js';
import { secondsFor } from '../../runtime/bounded-scheduler.js';
import type { ServerContext } from '../context.js';
import { appWide } from './shared.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route runs inference: it needs an admission slot. */
    admission?: boolean;
  }
}

export interface AdmissionLimits {
  /** Requests admitted at once, at most. */
  readonly capacity: number;
  /** Inference workers: admitted requests ahead of a new one are served this many at a time. */
  readonly workers: number;
  /** The inference ahead of an admitted request, plus its own, is expected to end within this (ms). */
  readonly maxExpectedMs: number;
  /** Request bodies in flight, in bytes. */
  readonly bodyBytes: number;
}

export class Admission {
  private admitted = 0;
  private bodyBytesInUse = 0;

  /** `averageTaskMs`: the inference pool's moving average time per image. */
  constructor(
    readonly limits: AdmissionLimits,
    private readonly averageTaskMs: () => number,
  ) {}

  /** Requests admitted and not yet released. */
  get inProgress(): number {
    return this.admitted;
  }

  /** Admits a request whose body holds `bodyBytes`: the release function, or why it is refused. */
  tryAdmit(bodyBytes: number): (() => void) | MaskserveError {
    const { capacity, workers, maxExpectedMs, bodyBytes: bodyLimit } = this.limits;
    const averageMs = this.averageTaskMs();
    if (this.admitted >= capacity) return this.refusal(`The server is at capacity (${capacity} requests in progress)`, averageMs);
    const expectedMs = (Math.floor(this.admitted / workers) + 1) * averageMs;
    // A free worker always takes the request, however slow the model.
    if (this.admitted >= workers && expectedMs > maxExpectedMs) {
      return this.refusal(
        `The server is busy: the ${this.admitted} requests ahead of this one need about ${(expectedMs / 1000).toFixed(1)} s, more than half the request deadline`,
        averageMs,
      );
    }
    if (this.admitted > 0 && this.bodyBytesInUse + bodyBytes > bodyLimit) {
      return this.refusal(`The server is busy: request bodies in progress already hold ${formatBytes(this.bodyBytesInUse)} of ${formatBytes(bodyLimit)}`, averageMs);
    }
    this.admitted += 1;
    this.bodyBytesInUse += bodyBytes;
    return once(() => {
      this.admitted -= 1;
      this.bodyBytesInUse -= bodyBytes;
    });
  }

  /** QUEUE_FULL, with a Retry-After for this request's inference and the admitted ones, `workers` at a time. */
  private refusal(reason: string, averageMs: number): MaskserveError {
    const retryAfter = secondsFor(this.admitted + 1, averageMs, this.limits.workers);
    return new MaskserveError('QUEUE_FULL', `${reason}; retry in ${retryAfter} s`, { retryAfter });
  }
}

/**
 * What a request's body may hold: its declared length, or the upload limit when it has none
 * (chunked) or is JSON (a URL whose image is fetched and held like an upload).
 */
export function bodyBytesOf(request: FastifyRequest, maxUploadBytes: number): number {
  const declared = Number(request.headers['content-length']);
  const isJson = /^application\/json\b/i.test(request.headers['content-type'] ?? '');
  if (isJson || !Number.isSafeInteger(declared) || declared < 0) return maxUploadBytes;
  return Math.min(declared, maxUploadBytes);
}

export const admissionPlugin: FastifyPluginAsync<{ context: ServerContext }> = appWide(async (app, { context }) => {
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.admission !== true) return;
    const admitted = context.admission.tryAdmit(bodyBytesOf(request, context.config.maxUploadBytes));
    if (admitted instanceof MaskserveError) throw admitted;
    // 'close' fires once the answer is sent or the connection is gone, whichever comes first.
    reply.raw.once('close', admitted);
  });
}, 'maskserve-admission');
