// What onnxruntime actually runs: the graph after its optimizations (QDQ fusion, layout changes),
// saved through `optimizedModelFilePath` and read back, as operator counts.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelSpec } from '../../src/onnx/reader.js';

export async function optimizedOperatorCounts(modelPath: string): Promise<Map<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'maskserve-optimized-'));
  try {
    const optimized = join(dir, 'optimized.onnx');
    const session = await ort.InferenceSession.create(modelPath, { graphOptimizationLevel: 'all', optimizedModelFilePath: optimized, logSeverityLevel: 3 });
    await session.release();
    const counts = new Map<string, number>();
    for (const node of readModelSpec(await readFile(optimized)).nodes) counts.set(node.op, (counts.get(node.op) ?? 0) + 1);
    return counts;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** onnxruntime's fused int8 kernels for the layers maskserve quantizes (Conv, Gemm, Add). */
export function fusedInt8Layers(counts: ReadonlyMap<string, number>): number {
  return ['QLinearConv', 'QGemm', 'QLinearAdd'].reduce((sum, op) => sum + (counts.get(op) ?? 0), 0);
}
