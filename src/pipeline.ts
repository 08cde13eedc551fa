// The one segmentation pipeline shared by the server and the CLI (Ultralytics-style skeleton):
//   decode -> preprocess -> inference (worker thread) -> postprocess, each stage timed.
// Families override stages through their adapter, never this loop. Where the per-pixel stages
// run is the caller's choice (extras.pixels): the server's pixel pool, or the calling thread.
import { performance } from 'node:perf_hooks';
import { allInOrder } from './all-in-order.js';
import type { FamilyAdapter } from './adapters/adapter.js';
import { classFilter } from './adapters/instances.js';
import { createAdapter } from './adapters/registry.js';
import { throwIfAborted } from './errors.js';
import { checkImageHeader, inDecodeSlot, type DecodeOptions } from './input/decode.js';
import { readModelCard } from './models/model-card.js';
import { readGraphInfo } from './models/onnx-graph-info.js';
import { resolveModelSpec, type ResolvedModel } from './models/resolve.js';
import { DEFAULT_OPTIONS, type SegmentOptions } from './options.js';
import type { Spelling } from './options/table.js';
import { IN_THREAD, type PixelWork } from './pixels/work.js';
import type { ModelSession } from './runtime/runtime.js';
import type { InferencePool } from './runtime/worker-pool.js';
import type { ModelCard, ModelRef, RawImage, SegmentResult, Size, Timings } from './types.js';

export interface LoadedModel {
  readonly ref: ModelRef;
  readonly path: string;
  readonly adapter: FamilyAdapter;
  /** The onnxruntime sessions; `session.graph` is what the file declares. */
  readonly session: ModelSession;
  readonly card: ModelCard;
  /** Seconds spent creating the sessions (for /metrics and logs). */
  readonly loadSeconds: number;
}

export interface LoadModelOptions {
  readonly pool: InferencePool;
  /** Explicit family, overriding the card and auto-detection. */
  readonly family?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Resolves a catalog id, a path or the demo model (or takes one already resolved), reads its graph
 * and card, and creates the sessions once.
 */
export async function loadModel(spec: string | ResolvedModel | undefined, options: LoadModelOptions): Promise<LoadedModel> {
  const started = performance.now();
  const resolved = typeof spec === 'object' ? spec : await resolveModelSpec(spec, options.env);
  const [graph, card] = await allInOrder([readGraphInfo(resolved.path), readModelCard(resolved.path)]);
  const { family, adapter } = createAdapter(graph, card, options.family);
  const session = await options.pool.load(resolved.path, graph);
  const id = card.id ?? resolved.id;
  return Object.freeze({
    ref: Object.freeze({ id, family, isDemo: resolved.isDemo }),
    path: resolved.path,
    adapter,
    session,
    card,
    loadSeconds: (performance.now() - started) / 1000,
  });
}

/**
 * Fails options this model cannot honour (a class name it does not know) before any image is
 * fetched or decoded: a typo costs nothing, not a full inference.
 */
export function checkOptionsFitModel(model: LoadedModel, options: SegmentOptions, spelling: Spelling = (name) => name): void {
  classFilter(model.adapter.classNames, options.classes, model.adapter.reservedClassIds, spelling('classes'));
}

const INFERENCE_DEADLINE = 'The request deadline passed before inference finished';

export interface SegmentExtras {
  readonly decode?: DecodeOptions;
  /** Checks the image's size from its header, before decoding (e.g. that the requested output format can hold it). */
  readonly checkImage?: (size: Size) => void;
  /**
   * Whether the result's `image` keeps its pixels (default true). The server asks for them only
   * for an annotated image: otherwise they stay in the pixel pool and are never copied.
   */
  readonly keepPixels?: boolean;
  /** Aborts a task still waiting in the inference queue (per-request deadline, client gone). */
  readonly signal?: AbortSignal;
  /** Where decoding, preprocessing and postprocessing run; the calling thread unless given. */
  readonly pixels?: PixelWork;
}

/** `image.data` is empty when the caller asked for no pixels (SegmentExtras.keepPixels). */
export type SegmentOutput = SegmentResult & { readonly image: RawImage };

/** bytes | RawImage -> Instances in original-image coordinates, with per-stage timings. */
export async function segment(
  input: Uint8Array | RawImage,
  model: LoadedModel,
  options: SegmentOptions = DEFAULT_OPTIONS,
  extras: SegmentExtras = {},
): Promise<SegmentOutput> {
  checkOptionsFitModel(model, options);
  const pixels = extras.pixels ?? IN_THREAD;
  const t0 = performance.now();
  const source = isRawImage(input) ? input : await checkImageHeader(input, { ...extras.decode, signal: extras.signal });
  extras.checkImage?.(source);
  const t1 = performance.now();
  const prepare = () => pixels.preprocess(model, source, extras.keepPixels ?? true);
  // Decoding happens inside preprocess (in the pixel pool): it takes a decode slot.
  const prepared = isRawImage(input) ? await prepare() : await inDecodeSlot({ slots: extras.decode?.slots, signal: extras.signal }, prepare);
  const { feeds, meta, image } = prepared.value;
  throwIfAborted(extras.signal, INFERENCE_DEADLINE);
  const t2 = performance.now();
  const outputs = await model.session.run(feeds, { signal: extras.signal }).catch((error: unknown) => {
    // The pool rejects an aborted queued task with the signal's reason; report it as a deadline.
    throwIfAborted(extras.signal, INFERENCE_DEADLINE);
    throw error;
  });
  const t3 = performance.now();
  const postprocessed = await pixels.postprocess(model, outputs, meta, options);
  const instances = postprocessed.value;
  const t4 = performance.now();
  // Stage times are work done (a stage in the pixel pool may first wait for a thread); the total
  // is the wall clock from the first byte decoded to the instances, waits included.
  const timings: Timings = {
    decodeMs: t1 - t0 + prepared.value.decodeMs,
    preprocessMs: prepared.ms,
    inferenceMs: t3 - t2,
    postprocessMs: postprocessed.ms,
    totalMs: t4 - t0,
  };
  return { model: model.ref, instances, timings, image };
}

function isRawImage(input: Uint8Array | RawImage): input is RawImage {
  return !(input instanceof Uint8Array) && typeof (input as RawImage).width === 'number';
}

