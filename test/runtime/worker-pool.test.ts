import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createInferencePool, type InferencePool } from '../../src/runtime/worker-pool.js';
import type { ModelSession, QueueStats } from '../../src/runtime/runtime.js';
import { addMulModel, attributesModel, matMulChainModel, matMulFeeds, tempModels, unknownOperatorModel, type TempModels } from './test-graphs.js';

const SLOW_SIZE = 256;
const SLOW_DEPTH = 40;

describe('inference pool (1 worker, maxQueue 1)', () => {
  let temp: TempModels;
  let pool: InferencePool;
  let addMul: ModelSession;
  let slow: ModelSession;

  before(async () => {
    temp = await tempModels();
    pool = createInferencePool({ workers: 1, intraOpThreads: 1, maxQueue: 1 });
    [addMul, slow] = await Promise.all([
      temp.write('add-mul', addMulModel()).then((path) => pool.load(path)),
      temp.write('slow', matMulChainModel(SLOW_SIZE, SLOW_DEPTH)).then((path) => pool.load(path)),
    ]);
  });
  after(async () => {
    await pool.close();
    await temp.remove();
  });

  it('runs a graph and returns the exact numbers, int64 as BigInt64Array', async () => {
    const outputs = await addMul.run({
      x: { type: 'float32', dims: [2, 3], data: Float32Array.from([1, 1, 1, 0.5, -2, 10]) },
      ids: { type: 'int64', dims: [3], data: BigInt64Array.from([1n, -5n, 2n ** 40n]) },
    });
    assert.deepEqual(Object.keys(outputs).sort(), ['n', 'y']);
    assert.equal(outputs.y.type, 'float32');
    assert.deepEqual(outputs.y.dims, [2, 3]);
    assert.ok(outputs.y.data instanceof Float32Array);
    assert.deepEqual([...outputs.y.data], [4, 6, 8, 3, 0, 26]);
    assert.equal(outputs.n.type, 'int64');
    assert.ok(outputs.n.data instanceof BigInt64Array);
    assert.deepEqual([...outputs.n.data], [11n, 5n, 2n ** 40n + 10n]);
  });

  it('runs a graph using ints, float and tensor attributes as the writer encodes them', async () => {
    const session = await pool.load(await temp.write('attributes', attributesModel()));
    const outputs = await session.run({ x: { type: 'float32', dims: [2, 3], data: Float32Array.from([1, -2, 3, -4, 5, -6]) } });
    // Transposed: [1, -4, -2, 5, 3, -6]; LeakyRelu(0.5): [1, -2, -1, 5, 3, -3]; plus the offsets.
    assert.deepEqual(outputs.y.dims, [6]);
    assert.deepEqual([...outputs.y.data], [1, 8, 19, 35, 43, 47]);
  });

  it('exposes the graph info read from the file', () => {
    assert.deepEqual(
      addMul.graph.inputs.map((input) => [input.name, input.type, input.dims]),
      [
        ['x', 'float32', ['batch', 3]],
        ['ids', 'int64', ['count']],
      ],
    );
    assert.match(addMul.path, /add-mul\.onnx$/);
  });

  it('transfers whole feed buffers and copies views into larger buffers', async () => {
    const owned = Float32Array.from([0, 0, 0]);
    const shared = new Float32Array(8);
    const view = shared.subarray(2, 5);
    await addMul.run({ x: { type: 'float32', dims: [1, 3], data: owned }, ids: { type: 'int64', dims: [1], data: new BigInt64Array(1) } });
    assert.equal(owned.length, 0, 'a feed that owns its buffer is transferred, not copied');
    const outputs = await addMul.run({ x: { type: 'float32', dims: [1, 3], data: view }, ids: { type: 'int64', dims: [0], data: new BigInt64Array(0) } });
    assert.equal(shared.length, 8, 'a view into a larger buffer is left to the caller');
    assert.deepEqual([...outputs.y.data], [2, 4, 6]);
    assert.deepEqual(outputs.n.dims, [0]);
  });

  it('returns the same session for the same path', async () => {
    assert.equal(await pool.load(addMul.path), addMul);
  });

  it('refuses models onnxruntime cannot load with MODEL_FORMAT', async () => {
    const corrupt = await temp.write('corrupt', addMulModel().subarray(0, 30));
    await assert.rejects(pool.load(corrupt), { code: 'MODEL_FORMAT' });
    const unknownOp = await temp.write('unknown-op', unknownOperatorModel());
    await assert.rejects(pool.load(unknownOp), { code: 'MODEL_FORMAT', message: /NoSuchOperator/ });
  });

  it('reports bad feeds as an inference error', async () => {
    await assert.rejects(addMul.run({ x: { type: 'float32', dims: [4], data: new Float32Array(4) } }), { code: 'INTERNAL', message: /^Inference failed: / });
  });

  it('keeps the event loop ticking while a slow graph runs', async () => {
    let ticks = 0;
    let running = true;
    const tick = () => {
      if (!running) return;
      ticks += 1;
      setImmediate(tick);
    };
    setImmediate(tick);
    const outputs = await slow.run(matMulFeeds(SLOW_SIZE));
    running = false;
    assert.ok(ticks > 0, `expected the event loop to tick during inference, got ${ticks} ticks`);
    assert.ok(Math.abs(Number(outputs.y.data[0]) - 1) < 1e-4, 'row means of ones stay one');
  });

  it('refuses at once with QUEUE_FULL while a slow task runs and one waits', async () => {
    let firstDone = false;
    const first = slow.run(matMulFeeds(SLOW_SIZE)).then((outputs) => {
      firstDone = true;
      return outputs;
    });
    const second = slow.run(matMulFeeds(SLOW_SIZE));
    assert.deepEqual(queueCounts(pool), { queued: 1, running: 1, workers: 1, maxQueue: 1 });
    await assert.rejects(slow.run(matMulFeeds(SLOW_SIZE)), (error: Error & { code?: string; details?: { retryAfter?: number } }) => {
      assert.equal(error.code, 'QUEUE_FULL');
      assert.ok(Number.isInteger(error.details?.retryAfter) && (error.details?.retryAfter ?? 0) >= 1);
      return true;
    });
    assert.equal(firstDone, false, 'the refusal came before the running task finished');
    await Promise.all([first, second]);
    assert.deepEqual(queueCounts(pool), { queued: 0, running: 0, workers: 1, maxQueue: 1 });
    assert.ok(pool.stats().averageTaskMs > 0);
  });

  it('aborting a queued run removes it from the queue', async () => {
    const first = slow.run(matMulFeeds(SLOW_SIZE));
    const controller = new AbortController();
    const queued = slow.run(matMulFeeds(SLOW_SIZE), { signal: controller.signal });
    assert.equal(pool.stats().queued, 1);
    controller.abort();
    await assert.rejects(queued, { name: 'AbortError' });
    assert.equal(pool.stats().queued, 0);
    assert.equal(pool.stats().running, 1);
    await first;
  });
});

/** The counts of stats(), without the measured average. */
function queueCounts(pool: InferencePool): Omit<QueueStats, 'averageTaskMs'> {
  const { averageTaskMs: _average, ...counts } = pool.stats();
  return counts;
}

describe('inference pool (2 workers)', () => {
  it('loads the session in both workers and runs two tasks at once', async () => {
    const temp = await tempModels();
    const pool = createInferencePool({ workers: 2, intraOpThreads: 1, maxQueue: 0 });
    try {
      const session = await pool.load(await temp.write('slow', matMulChainModel(128, 10)));
      const runs = [session.run(matMulFeeds(128, 2)), session.run(matMulFeeds(128, 3))];
      assert.deepEqual(queueCounts(pool), { queued: 0, running: 2, workers: 2, maxQueue: 0 });
      await assert.rejects(session.run(matMulFeeds(128)), { code: 'QUEUE_FULL' });
      const [a, b] = await Promise.all(runs);
      assert.ok(Math.abs(Number(a.y.data[0]) - 2) < 1e-4 && Math.abs(Number(b.y.data[0]) - 3) < 1e-4);
    } finally {
      await pool.close();
      await temp.remove();
    }
  });
});

describe('inference pool with executionProvider cuda', () => {
  it('runs on CUDA where its libraries are installed, else says how to install them', async () => {
    const temp = await tempModels();
    const pool = createInferencePool({ workers: 1, intraOpThreads: 1, executionProvider: 'cuda' });
    try {
      const path = await temp.write('add-mul', addMulModel());
      const loaded = await pool.load(path).catch((error: unknown) => error as Error & { code?: string });
      if ('run' in loaded) {
        const outputs = await loaded.run({ x: { type: 'float32', dims: [1, 3], data: new Float32Array(3) }, ids: { type: 'int64', dims: [0], data: new BigInt64Array(0) } });
        assert.deepEqual([...outputs.y.data], [2, 4, 6]);
      } else {
        assert.equal(loaded.code, 'INVALID_OPTION');
        assert.match(loaded.message, /ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node --ignore-scripts=false/);
      }
    } finally {
      await pool.close();
      await temp.remove();
    }
  });
});

describe('inference pool close()', () => {
  it('rejects queued work with SHUTTING_DOWN, lets running work finish, refuses new work', async () => {
    const temp = await tempModels();
    const pool = createInferencePool({ workers: 1, intraOpThreads: 1, maxQueue: 4 });
    try {
      const session = await pool.load(await temp.write('slow', matMulChainModel(SLOW_SIZE, SLOW_DEPTH)));
      const running = session.run(matMulFeeds(SLOW_SIZE));
      const queued = assert.rejects(session.run(matMulFeeds(SLOW_SIZE)), { code: 'SHUTTING_DOWN' });
      await pool.close();
      await queued;
      assert.deepEqual((await running).y.dims, [SLOW_SIZE, SLOW_SIZE]);
      await assert.rejects(session.run(matMulFeeds(SLOW_SIZE)), { code: 'SHUTTING_DOWN' });
      await assert.rejects(pool.load(session.path), { code: 'SHUTTING_DOWN' });
      await pool.close(); // idempotent
    } finally {
      await temp.remove();
    }
  });
});
