// Worker-thread side of the inference pool (run by piscina). Plain JavaScript on purpose: it must
// load the same way under `node --import tsx` (tests) and under bin/maskserve.js, where tsx is
// registered in the main thread only and a TypeScript worker would not load.
//
// Each worker keeps one onnxruntime InferenceSession per model path, created once and reused.
// Tensors come in and go back as transferred ArrayBuffers (no copies).
import * as ort from 'onnxruntime-node';
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';

/** @typedef {{ type: string, dims: number[], data: ArrayBufferView }} TensorData */
/** @typedef {{ intraOpThreads: number, executionProviders: string[] }} WorkerSettings */

/** @type {WorkerSettings} */
const settings = workerData;

/** @type {Map<string, Promise<ort.InferenceSession>>} model path -> session */
const sessions = new Map();

/** Longest wait for the other workers in a load barrier; past it this worker just goes on. */
const BARRIER_TIMEOUT_MS = 60_000;

/** @param {string} path */
function session(path) {
  let created = sessions.get(path);
  if (!created) {
    created = ort.InferenceSession.create(path, {
      executionProviders: settings.executionProviders,
      // Measured: sequential beats parallel on few cores; inter-op threads only serve 'parallel'.
      executionMode: 'sequential',
      intraOpNumThreads: settings.intraOpThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // Errors only: warnings such as "initializer appears in graph inputs" (old exporters) are noise here.
      logSeverityLevel: 3,
    });
    sessions.set(path, created);
    created.catch(() => sessions.delete(path));
  }
  return created;
}

/**
 * Creates the session for `path` in this worker. `barrier` ([arrived]) makes every load task of
 * one pool.load() wait until all have arrived, which guarantees each one ran on a different
 * worker, so every worker ends up holding the session.
 * @param {{ path: string, barrier: SharedArrayBuffer, parties: number }} task
 */
export async function load({ path, barrier, parties }) {
  const arrived = new Int32Array(barrier);
  try {
    const created = await session(path);
    return { inputNames: created.inputNames, outputNames: created.outputNames };
  } finally {
    // Arrive even on failure, so the other workers are not kept waiting for this one.
    if (Atomics.add(arrived, 0, 1) + 1 >= parties) Atomics.notify(arrived, 0);
    const deadline = Date.now() + BARRIER_TIMEOUT_MS;
    let seen = Atomics.load(arrived, 0);
    while (seen < parties && Date.now() < deadline) {
      Atomics.wait(arrived, 0, seen, deadline - Date.now());
      seen = Atomics.load(arrived, 0);
    }
  }
}

/**
 * Runs the model at `path` (loading it first if this worker has not yet).
 * @param {{ path: string, feeds: Record<string, TensorData> }} task
 */
export async function run({ path, feeds }) {
  const created = await session(path);
  /** @type {Record<string, ort.Tensor>} */
  const inputs = {};
  for (const [name, feed] of Object.entries(feeds)) {
    inputs[name] = new ort.Tensor(/** @type {any} */ (feed.type), /** @type {any} */ (feed.data), feed.dims);
  }
  const results = await created.run(inputs);
  /** @type {Record<string, TensorData>} */
  const outputs = {};
  for (const [name, tensor] of Object.entries(results)) {
    if (tensor.type === 'string') throw new Error(`output ${name} is a string tensor, which maskserve does not support`);
    outputs[name] = { type: tensor.type, dims: [...tensor.dims], data: /** @type {ArrayBufferView} */ (tensor.data) };
  }
  return move(transferable(outputs));
}

/**
 * Wraps outputs so piscina transfers every distinct buffer instead of cloning it.
 * @param {Record<string, TensorData>} outputs
 */
function transferable(outputs) {
  const buffers = new Set();
  for (const { data } of Object.values(outputs)) {
    if (data.buffer instanceof ArrayBuffer && data.buffer.byteLength > 0) buffers.add(data.buffer);
  }
  return {
    get [transferableSymbol]() {
      return [...buffers];
    },
    get [valueSymbol]() {
      return outputs;
    },
  };
}
