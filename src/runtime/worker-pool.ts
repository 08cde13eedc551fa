// The inference pool: onnxruntime sessions live in piscina worker threads, because
// onnxruntime-node's run() blocks the thread it runs on. The main thread keeps a bounded FIFO
// (BoundedScheduler) and hands a task to piscina only when a worker is free.
//
//   pool.load(path, graph?) -> every worker creates its session once (cached by path); the graph
//                       info is read from the protobuf in the main thread unless the caller has it
//   session.run()    -> queued (or refused with QUEUE_FULL), then run in a free worker; feeds
//                       and outputs cross the thread boundary as transferred buffers; the
//                       caller must not reuse feeds after run() (they are detached)
import { resolve } from 'node:path';
import { Piscina } from 'piscina';
import { MaskserveError, isMaskserveError } from '../errors.js';
import { readGraphInfo } from '../models/onnx-graph-info.js';
import type { Feeds, GraphInfo, Outputs } from '../types.js';
import { runMoving, tensorViews, wholeBuffersOf } from './transfer.js';
import { BoundedScheduler } from './bounded-scheduler.js';
import { environmentRuntimeOptions, executionProviders, resolveRuntimeOptions, type RuntimeOptionsInput } from './runtime-options.js';
import type { ModelSession, QueueStats, RuntimeOptions } from './runtime.js';

export { defaultRuntimeOptions, resolveRuntimeOptions } from './runtime-options.js';

export interface InferencePool {
  readonly options: RuntimeOptions;
  /**
   * Creates the session in every worker (once per path; later calls share it) and reads the graph
   * info, unless the caller already read it (loadModel does, to detect the family first).
   */
  load(path: string, graph?: GraphInfo): Promise<ModelSession>;
  stats(): QueueStats;
  /** Refuses new work, rejects queued tasks with SHUTTING_DOWN, lets running ones finish, stops the threads. */
  close(): Promise<void>;
}

const WORKER_FILE = new URL('./inference-worker.mjs', import.meta.url);

/** Options missing from `options` come from the environment (MASKSERVE_*), then the defaults. */
export function createInferencePool(options: RuntimeOptionsInput = {}): InferencePool {
  // onnxruntime-node's telemetry queues usage events in ~/.cache and leaves .ses and
  // mat-debug-<pid>.log in the temp directory of every process. Off unless the user set it.
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
  const resolved = resolveRuntimeOptions({ ...environmentRuntimeOptions(), ...withoutUndefined(options) });
  const piscina = new Piscina({
    filename: WORKER_FILE.href,
    minThreads: resolved.workers,
    maxThreads: resolved.workers,
    // Workers hold loaded sessions: never retire an idle one.
    idleTimeout: Number.POSITIVE_INFINITY,
    // close() waits this long for running tasks before piscina terminates the threads, which
    // would abort the process mid-run (see close()): far longer than any real inference.
    closeTimeout: 10 * 60_000,
    workerData: { intraOpThreads: resolved.intraOpThreads, executionProviders: executionProviders(resolved.executionProvider) },
  });
  const scheduler = new BoundedScheduler(resolved.workers, resolved.maxQueue);
  const sessions = new Map<string, Promise<ModelSession>>();
  let closed = false;
  let closing: Promise<void> | undefined;

  const shuttingDown = () => new MaskserveError('SHUTTING_DOWN', 'The inference pool is shutting down');

  async function runTask<T>(name: 'load' | 'run', task: unknown, transferList: ArrayBuffer[] = []): Promise<T> {
    try {
      return await runMoving<T>(piscina, name, task, transferList);
    } catch (error) {
      throw closed ? shuttingDown() : error;
    }
  }

  async function createSession(path: string, knownGraph: GraphInfo | undefined): Promise<ModelSession> {
    const graph = knownGraph ?? (await readGraphInfo(path));
    const barrier = new SharedArrayBuffer(4);
    const task = { path, barrier, parties: resolved.workers };
    const loads = Array.from({ length: resolved.workers }, () =>
      scheduler.submit(() => runTask('load', task), { urgent: true }),
    );
    try {
      await Promise.all(loads);
    } catch (error) {
      if (isMaskserveError(error)) throw error;
      if (resolved.executionProvider === 'cuda' && CUDA_FAILURE.test(errorMessage(error))) throw cudaUnavailable(error);
      throw new MaskserveError('MODEL_FORMAT', `onnxruntime cannot load ${path}: ${errorMessage(error)}`, {}, { cause: error });
    }
    return Object.freeze({
      path,
      graph,
      run: (feeds: Feeds, runOptions: { signal?: AbortSignal } = {}) =>
        scheduler.submit(() => runTask<Outputs>('run', { path, feeds }, wholeBuffersOf(tensorViews(feeds))).catch(inferenceError), runOptions),
    });
  }

  return Object.freeze({
    options: resolved,
    load(modelPath: string, graph?: GraphInfo): Promise<ModelSession> {
      if (closed) return Promise.reject(shuttingDown());
      // One cache key per file, however the caller spelled the path.
      const path = resolve(modelPath);
      let session = sessions.get(path);
      if (!session) {
        session = createSession(path, graph);
        sessions.set(path, session);
        session.catch(() => sessions.delete(path));
      }
      return session;
    },
    stats: (): QueueStats =>
      Object.freeze({
        queued: scheduler.queued,
        running: scheduler.running,
        workers: resolved.workers,
        maxQueue: resolved.maxQueue,
        averageTaskMs: scheduler.averageTaskMs,
      }),
    close(): Promise<void> {
      if (!closing) {
        closed = true;
        scheduler.close(shuttingDown());
        // Graceful: running tasks finish first. Terminating a thread while onnxruntime runs native
        // code aborts the whole process (std::terminate on a Napi::Error), so never destroy().
        closing = piscina.close();
      }
      return closing;
    },
  });
}

/** What onnxruntime says when the CUDA provider libraries (or CUDA itself) cannot be loaded. */
const CUDA_FAILURE = /cuda|providers_shared|execution provider/i;

function cudaUnavailable(error: unknown): MaskserveError {
  const reason = errorMessage(error).split('\n')[0];
  return new MaskserveError(
    'INVALID_OPTION',
    'The CUDA execution provider is not available. Install onnxruntime-node\'s CUDA libraries with ' +
      '`ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node --ignore-scripts=false` (CUDA 12 and cuDNN 9 required) ' +
      `or use MASKSERVE_EXECUTION_PROVIDER=cpu. onnxruntime said: ${reason}`,
    {},
    { cause: error },
  );
}

function inferenceError(error: unknown): never {
  if (isMaskserveError(error)) throw error;
  throw new MaskserveError('INTERNAL', `Inference failed: ${errorMessage(error)}`, {}, { cause: error });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withoutUndefined(options: RuntimeOptionsInput): RuntimeOptionsInput {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
