import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readGraphInfo } from '../../src/models/onnx-graph-info.js';
import { encodeVarint, float32Tensor, int64Tensor, ProtoWriter, writeModel } from '../../src/onnx/writer.js';
import { buildMaskRcnnOracle, buildYoloSegOracle, rectMask28 } from '../helpers/oracle-models.js';
import { tempModels, type TempModels } from '../runtime/test-graphs.js';

function identityModel(extra: Partial<Parameters<typeof writeModel>[0]> = {}): Uint8Array {
  return writeModel({
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
    inputs: [{ name: 'x', type: 'float32', dims: [1, 3, 'height', 'width'] }],
    outputs: [{ name: 'y', type: 'float32', dims: [1, 3, 'height', 'width'] }],
    ...extra,
  });
}

describe('readGraphInfo', () => {
  let temp: TempModels;
  before(async () => {
    temp = await tempModels();
  });
  after(() => temp.remove());

  it('reads inputs, outputs, static and symbolic dims, producer and opset', async () => {
    const info = await readGraphInfo(identityModel({ opset: 11, producerName: 'pytorch' }));
    assert.deepEqual(info.inputs, [{ name: 'x', type: 'float32', dims: [1, 3, 'height', 'width'] }]);
    assert.deepEqual(info.outputs, [{ name: 'y', type: 'float32', dims: [1, 3, 'height', 'width'] }]);
    assert.equal(info.producerName, 'pytorch');
    assert.equal(info.opsetVersion, 11);
    assert.deepEqual(info.metadata, {});
  });

  it('maps every element type; a tensor declared without a shape has dims []', async () => {
    const types = ['float32', 'uint8', 'int8', 'int32', 'int64', 'bool', 'float16', 'float64'] as const;
    const bytes = writeModel({
      nodes: [],
      inputs: types.map((type, i) => ({ name: `in_${i}`, type, dims: [i + 1] })),
      outputs: [{ name: 'no_shape', type: 'float32' }],
    });
    const info = await readGraphInfo(bytes);
    assert.deepEqual(
      info.inputs.map((input) => input.type),
      [...types],
    );
    assert.deepEqual(info.outputs, [{ name: 'no_shape', type: 'float32', dims: [] }]);
  });

  it('reads metadata_props as Ultralytics writes them', async () => {
    const protos = new Float32Array(2 * 8 * 8);
    const bytes = buildYoloSegOracle({ imgsz: 32, names: ['ball', "cat's toy"], anchors: [], protos, nm: 2 });
    const info = await readGraphInfo(bytes);
    assert.equal(info.metadata.names, `{0: 'ball', 1: "cat's toy"}`);
    assert.equal(info.metadata.imgsz, '[32, 32]');
    assert.equal(info.metadata.stride, '32');
    assert.equal(info.metadata.task, 'segment');
    assert.equal(info.metadata.author, 'Ultralytics');
    assert.deepEqual(info.inputs, [{ name: 'images', type: 'float32', dims: [1, 3, 32, 32] }]);
    assert.deepEqual(
      info.outputs.map((output) => output.dims),
      [
        [1, 8, 0],
        [1, 2, 8, 8],
      ],
    );
  });

  it('excludes graph inputs that are initializers (old exporters list weights as inputs)', async () => {
    const bytes = writeModel({
      nodes: [{ op: 'Add', inputs: ['image', 'bias'], outputs: ['y'] }],
      initializers: [float32Tensor([1], [0.5], 'bias'), int64Tensor([2], [1, 2], 'unused')],
      inputs: [
        { name: 'image', type: 'float32', dims: [3, 'height', 'width'] },
        { name: 'bias', type: 'float32', dims: [1] },
        { name: 'unused', type: 'int64', dims: [2] },
      ],
      outputs: [{ name: 'y', type: 'float32', dims: [3, 'height', 'width'] }],
    });
    const info = await readGraphInfo(bytes);
    assert.deepEqual(
      info.inputs.map((input) => input.name),
      ['image'],
    );
  });

  it('reads a file path the same as bytes, skipping large initializers', async () => {
    // ~200 KB of nodes (several read windows) then 8 MB of weights before the inputs: the reader
    // must walk headers across window edges and step over the weights.
    const weights = float32Tensor([2_000_000], new Float32Array(2_000_000), 'big');
    const relus = Array.from({ length: 5000 }, (_, i) => ({ op: 'Relu', inputs: [`r${i}`], outputs: [`r${i + 1}`] }));
    const bytes = writeModel({
      nodes: [...relus, { op: 'Add', inputs: ['x', 'big'], outputs: ['r0'] }],
      initializers: [weights],
      inputs: [{ name: 'x', type: 'float32', dims: [2_000_000] }],
      outputs: [{ name: 'r5000', type: 'float32', dims: [2_000_000] }],
      metadata: { key: 'value' },
    });
    const path = await temp.write('big', bytes);
    const fromFile = await readGraphInfo(path);
    assert.deepEqual(fromFile, await readGraphInfo(bytes));
    assert.deepEqual(
      fromFile.inputs.map((input) => input.name),
      ['x'],
    );
    assert.deepEqual(fromFile.metadata, { key: 'value' });
  });

  it('reads the Mask R-CNN oracle: symbolic output dims in the declared (shuffled) order', async () => {
    const bytes = buildMaskRcnnOracle({ boxes: [[1, 2, 3, 4]], labels: [1], scores: [0.9], masks: [rectMask28({ x0: 0, y0: 0, x1: 14, y1: 14 })] });
    const info = await readGraphInfo(bytes);
    assert.deepEqual(info.inputs, [{ name: 'image', type: 'float32', dims: [3, 'height', 'width'] }]);
    assert.deepEqual(
      info.outputs.map((output) => [output.type, output.dims]),
      [
        ['float32', ['nbox', 1, 28, 28]],
        ['int64', ['nbox']],
        ['float32', ['nbox', 4]],
        ['float32', ['nbox']],
      ],
    );
  });

  it('reads a negative or missing dim_value as an unknown dim (null)', async () => {
    const dims = new ProtoWriter()
      .message(1, new ProtoWriter().varint(1, -1))
      .message(1, new ProtoWriter())
      .message(1, new ProtoWriter().varint(1, 2 ** 40));
    const tensorType = new ProtoWriter().varint(1, 1).message(2, dims);
    const valueInfo = new ProtoWriter().string(1, 'x').message(2, new ProtoWriter().message(1, tensorType));
    const graph = new ProtoWriter().message(11, valueInfo);
    const bytes = new ProtoWriter().varint(1, 8).message(7, graph).finish();
    const info = await readGraphInfo(bytes);
    assert.deepEqual(info.inputs, [{ name: 'x', type: 'float32', dims: [null, null, 2 ** 40] }]);
  });

  it('reads non-tensor types as unknown and skips fields it does not know', async () => {
    const sequenceType = new ProtoWriter().message(4, new ProtoWriter());
    const valueInfo = new ProtoWriter().string(1, 'seq').message(2, sequenceType).string(3, 'a doc string');
    const graph = new ProtoWriter().message(12, valueInfo).float(99, 1.5).varint(100, 7);
    const bytes = new ProtoWriter().varint(1, 8).varint(5, 1).message(7, graph).string(6, 'doc').finish();
    const info = await readGraphInfo(bytes);
    assert.deepEqual(info.outputs, [{ name: 'seq', type: 'unknown', dims: [] }]);
  });

  it('rejects bytes that are not ONNX with MODEL_FORMAT', async () => {
    const jpegStart = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
    const truncated = identityModel().subarray(0, 25);
    const text = new TextEncoder().encode('hello, this is not a model');
    const noGraph = new ProtoWriter().varint(1, 8).string(2, 'x').finish();
    const noVersion = new ProtoWriter().message(7, new ProtoWriter().string(2, 'g')).finish();
    const hugeLength = Uint8Array.from([0x3a, ...encodeVarint(1e12)]);
    for (const bytes of [new Uint8Array(0), jpegStart, truncated, text, noGraph, noVersion, hugeLength]) {
      await assert.rejects(readGraphInfo(bytes), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'MODEL_FORMAT');
        assert.match(error.message, /^Not a valid ONNX model: /);
        return true;
      });
    }
  });

  it('rejects a corrupt file with MODEL_FORMAT and a missing one with MODEL_NOT_AVAILABLE', async () => {
    const corrupt = await temp.write('corrupt', identityModel().subarray(0, 40));
    await assert.rejects(readGraphInfo(corrupt), { code: 'MODEL_FORMAT', message: /^corrupt\S* is not an ONNX model \(/ });
    await assert.rejects(readGraphInfo(`${temp.dir}/missing.onnx`), { code: 'MODEL_NOT_AVAILABLE', message: /no such file/ });
  });
});
