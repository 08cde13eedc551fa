// Imported by pool-process.test.ts in a fresh Node process started the way bin/maskserve.js
// starts the CLI (tsx's register() API, no --import flag), to prove the worker file loads there
// and that close() lets the process exit on its own.
import { createInferencePool } from '../../src/runtime/worker-pool.js';
import { addMulModel, tempModels } from './test-graphs.js';

export async function probe(): Promise<void> {
  const temp = await tempModels();
  const pool = createInferencePool({ workers: 2, intraOpThreads: 1 });
  try {
    const session = await pool.load(await temp.write('add-mul', addMulModel()));
    const outputs = await session.run({
      x: { type: 'float32', dims: [1, 3], data: Float32Array.from([1, 2, 3]) },
      ids: { type: 'int64', dims: [1], data: BigInt64Array.from([5n]) },
    });
    process.stdout.write(`${JSON.stringify({ execArgv: process.execArgv, y: [...outputs.y.data], n: outputs.n.data.toString() })}\n`);
  } finally {
    await pool.close();
    await temp.remove();
  }
}
