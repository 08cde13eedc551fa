// The runtime contract: ONNX sessions live in worker threads (onnxruntime-node's run() blocks the
// event loop), are created once per model and reused. Only src/runtime/ imports onnxruntime-node.
import type { Feeds, GraphInfo, Outputs } from '../types.js';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface RuntimeOptions {
  /** Worker threads, each holding one session per model. workers x intraOpThreads <= cores. */
  readonly workers: number;
  /** onnxruntime intra-op threads per session. */
  readonly intraOpThreads: number;
  readonly executionProvider: ExecutionProvider;
  /** Max tasks waiting for a worker; beyond that run() rejects at once with QUEUE_FULL. */
  readonly maxQueue: number;
}

export interface ModelSession {
  readonly path: string;
  readonly graph: GraphInfo;
  /** Runs in a worker. Rejects with MaskserveError QUEUE_FULL when the queue is full. */
  run(feeds: Feeds, options?: { signal?: AbortSignal }): Promise<Outputs>;
}

export interface QueueStats {
  readonly queued: number;
  readonly running: number;
  readonly workers: number;
  readonly maxQueue: number;
  /** Moving average of recent inference times (ms); a guess until the first one is measured. */
  readonly averageTaskMs: number;
}
