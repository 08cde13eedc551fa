// Small graphs and temp-file helpers shared by the runtime tests (no binary fixtures: every
// model is written at test time into a temporary directory).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constantNode, float32Tensor, int64Tensor, writeModel } from '../../src/onnx/writer.js';

export interface TempModels {
  readonly dir: string;
  /** Writes `bytes` as `<name>.onnx` in the temp dir and returns its path. */
  write(name: string, bytes: Uint8Array): Promise<string>;
  remove(): Promise<void>;
}

export async function tempModels(): Promise<TempModels> {
  const dir = await mkdtemp(join(tmpdir(), 'maskserve-runtime-'));
  return {
    dir,
    async write(name, bytes) {
      const path = join(dir, `${name}.onnx`);
      await writeFile(path, bytes);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** y = (x + [1, 2, 3]) * 2 for x float [batch, 3]; n = ids + 10 for ids int64 [count]. */
export function addMulModel(): Uint8Array {
  return writeModel({
    nodes: [
      { op: 'Add', inputs: ['x', 'bias'], outputs: ['sum'] },
      { op: 'Mul', inputs: ['sum', 'two'], outputs: ['y'] },
      { op: 'Add', inputs: ['ids', 'ten'], outputs: ['n'] },
    ],
    initializers: [float32Tensor([3], [1, 2, 3], 'bias'), float32Tensor([], [2], 'two'), int64Tensor([], [10], 'ten')],
    inputs: [
      { name: 'x', type: 'float32', dims: ['batch', 3] },
      { name: 'ids', type: 'int64', dims: ['count'] },
    ],
    outputs: [
      { name: 'y', type: 'float32', dims: ['batch', 3] },
      { name: 'n', type: 'int64', dims: ['count'] },
    ],
  });
}

/**
 * x [size, size] -> MatMul with a [size, size] weight `depth` times: slow on purpose (about
 * 2 * size^3 * depth FLOP), so a run is still going while the test looks at the queue.
 * The weight is 1/size everywhere, so values stay finite: every step gives row means.
 */
export function matMulChainModel(size: number, depth: number): Uint8Array {
  const nodes = Array.from({ length: depth }, (_, i) => ({
    op: 'MatMul',
    inputs: [i === 0 ? 'x' : `h${i}`, 'w'],
    outputs: [i === depth - 1 ? 'y' : `h${i + 1}`],
  }));
  return writeModel({
    nodes,
    initializers: [float32Tensor([size, size], new Float32Array(size * size).fill(1 / size), 'w')],
    inputs: [{ name: 'x', type: 'float32', dims: [size, size] }],
    outputs: [{ name: 'y', type: 'float32', dims: [size, size] }],
  });
}

export function matMulFeeds(size: number, value = 1) {
  return { x: { type: 'float32' as const, dims: [size, size], data: new Float32Array(size * size).fill(value) } };
}

/** Protobuf-valid ONNX that onnxruntime refuses: an operator that does not exist. */
export function unknownOperatorModel(): Uint8Array {
  return writeModel({
    nodes: [{ op: 'NoSuchOperator', inputs: ['x'], outputs: ['y'] }],
    inputs: [{ name: 'x', type: 'float32', dims: [1] }],
    outputs: [{ name: 'y', type: 'float32', dims: [1] }],
  });
}

/**
 * Exercises every attribute kind the writer encodes: x [2,3] -> Transpose(perm ints) ->
 * LeakyRelu(alpha float) -> Reshape(int64 initializer [-1]) -> + Constant(tensor) -> y [6].
 */
export function attributesModel(): Uint8Array {
  return writeModel({
    nodes: [
      { op: 'Transpose', inputs: ['x'], outputs: ['t'], attributes: { perm: { ints: [1, 0] } } },
      { op: 'LeakyRelu', inputs: ['t'], outputs: ['l'], attributes: { alpha: { float: 0.5 } } },
      { op: 'Reshape', inputs: ['l', 'flat'], outputs: ['r'] },
      constantNode('offset', float32Tensor([6], [0, 10, 20, 30, 40, 50])),
      { op: 'Add', inputs: ['r', 'offset'], outputs: ['y'] },
    ],
    initializers: [int64Tensor([1], [-1], 'flat')],
    inputs: [{ name: 'x', type: 'float32', dims: [2, 3] }],
    outputs: [{ name: 'y', type: 'float32', dims: [6] }],
  });
}
