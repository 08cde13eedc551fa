// The int8 quantizer's parts: ONNX read-back, the plan (which layers, which tensors), the QDQ
// rewrite's arithmetic, and the range collectors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { readModelSpec } from '../../src/onnx/reader.js';
import { writeModel, type ModelSpec, type NodeSpec } from '../../src/onnx/writer.js';
import { planQuantization } from '../../src/quantize/plan.js';
import { activationParameters, quantizeWeight, rewriteToQdq, WEIGHT_LEVELS } from '../../src/quantize/qdq.js';
import { RangeCollector } from '../../src/quantize/ranges.js';
import { buildMaskRcnnOracle, rectMask28 } from '../helpers/oracle-models.js';

/** Deterministic pseudo-random numbers in [-1, 1). */
function noise(count: number, seed = 1): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 16807) % 2147483647;
    return (state / 2147483647) * 2 - 1;
  });
}

/** image [1,3,16,16] -> conv+relu -> conv+relu -> (residual add) -> predictor conv -> output. */
function smallConvNet(): ModelSpec {
  const conv = (name: string, input: string, cin: number, cout: number, output: string): NodeSpec[] => [
    { op: 'Conv', inputs: [input, `${name}.w`, `${name}.b`], outputs: [`${name}.y`], name, attributes: { pads: { ints: [1, 1, 1, 1] }, kernel_shape: { ints: [3, 3] } } },
    { op: 'Relu', inputs: [`${name}.y`], outputs: [output], name: `${name}.relu` },
  ];
  const weights = (name: string, cin: number, cout: number, seed: number) => [
    { name: `${name}.w`, type: 'float32' as const, dims: [cout, cin, 3, 3], data: noise(cout * cin * 9, seed).map((v) => v * 0.3) },
    { name: `${name}.b`, type: 'float32' as const, dims: [cout], data: noise(cout, seed + 7).map((v) => v * 0.1) },
  ];
  return {
    nodes: [
      ...conv('conv1', 'image', 3, 8, 'a1'),
      ...conv('conv2', 'a1', 8, 8, 'a2'),
      { op: 'Add', inputs: ['a1', 'a2'], outputs: ['sum'], name: 'residual' },
      { op: 'Conv', inputs: ['sum', 'head.w', 'head.b'], outputs: ['logits'], name: 'head', attributes: { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } } },
    ],
    inputs: [{ name: 'image', type: 'float32', dims: [1, 3, 16, 16] }],
    outputs: [{ name: 'logits', type: 'float32', dims: [1, 2, 16, 16] }],
    initializers: [...weights('conv1', 3, 8, 3), ...weights('conv2', 8, 8, 5), ...weights('head', 8, 2, 9)],
    opset: 13,
    metadata: { note: 'test' },
  };
}

describe('ONNX read-back', () => {
  it('reads a written model back to the same bytes', () => {
    const original = writeModel(smallConvNet());
    assert.deepEqual(writeModel(readModelSpec(original)), original);
  });

  it('reads constants, int64 tensors, metadata and opsets of another model', () => {
    const bytes = buildMaskRcnnOracle({ boxes: [[1, 2, 3, 4]], labels: [1], scores: [0.9], masks: [rectMask28({ x0: 0, y0: 0, x1: 1, y1: 1 })], metadata: { a: 'b' } });
    const spec = readModelSpec(bytes);
    assert.deepEqual(spec.metadata, { a: 'b' });
    assert.deepEqual(spec.opsetImports, [{ domain: '', version: 13 }]);
    assert.deepEqual(writeModel(spec), bytes);
  });

  it('refuses what it cannot carry, as MODEL_FORMAT', () => {
    assert.throws(() => readModelSpec(new Uint8Array([0x0a, 0x05, 1, 2])), { code: 'MODEL_FORMAT' });
  });
});

describe('quantization plan', () => {
  const spec = smallConvNet();
  const plan = planQuantization(spec);
  const names = [...plan.nodes].map((index) => spec.nodes[index].name);

  it('quantizes the feature layers and the residual add, and keeps the predictor fp32', () => {
    assert.deepEqual(names.sort(), ['conv1', 'conv2', 'residual']);
    assert.deepEqual(plan.keptFloat.map((kept) => kept.name), ['head']);
  });

  it('quantizes after each Relu (folded by onnxruntime), not between conv and Relu', () => {
    assert.deepEqual([...plan.activations].sort(), ['a1', 'a2', 'image', 'sum']);
  });

  it('keeps layers fp32 on request, by name or by prefix', () => {
    const kept = planQuantization(spec, { keepFloat: ['conv2'] });
    assert.ok(![...kept.nodes].some((index) => spec.nodes[index].name === 'conv2'));
    assert.equal(planQuantization(spec, { keepFloat: ['conv'] }).nodes.size, 3, 'a prefix needs its trailing /');
  });
});

describe('QDQ arithmetic', () => {
  it('gives uint8 activations a range that includes zero exactly', () => {
    assert.deepEqual(activationParameters({ min: 0, max: 255 }), { scale: 1, zeroPoint: 0 });
    const signed = activationParameters({ min: -1, max: 3 });
    assert.equal(signed.zeroPoint, Math.round(1 / signed.scale));
    assert.deepEqual(activationParameters({ min: 2, max: 2 }).zeroPoint, 0, 'a positive constant still starts at 0');
    assert.deepEqual(activationParameters({ min: 0, max: 0 }), { scale: 1, zeroPoint: 0 });
  });

  it('quantizes weights symmetrically per output channel, along the given axis, in 7 bits', () => {
    const weight = { name: 'w', type: 'float32' as const, dims: [2, 3], data: Float32Array.of(1, -0.5, 0.25, 0, 0, 0) };
    const byRow = quantizeWeight(weight, 0);
    assert.deepEqual(Array.from(byRow.values), [63, -31, 16, 0, 0, 0]);
    assert.deepEqual(Array.from(byRow.scales), [Math.fround(1 / WEIGHT_LEVELS), 1]);
    assert.equal(WEIGHT_LEVELS, 63, 'u8 x s8 pairs must fit int16 on CPUs without VNNI: 255 * 63 * 2 <= 32767');
    const byColumn = quantizeWeight(weight, 1);
    assert.deepEqual(Array.from(byColumn.values), [63, -63, 63, 0, 0, 0]);
  });

  it('writes a graph onnxruntime runs, close to the fp32 one', async () => {
    const spec = smallConvNet();
    const plan = planQuantization(spec);
    const image = noise(3 * 16 * 16, 11).map((v) => v * 2);
    const fp32 = await ort.InferenceSession.create(writeModel({ ...spec, outputs: [...spec.outputs, ...plan.activations.filter((n) => n !== 'image').map((name) => ({ name, type: 'float32' as const }))] }));
    const feeds = { image: new ort.Tensor('float32', image, [1, 3, 16, 16]) };
    const reference = await fp32.run(feeds);
    const ranges = new Map(plan.activations.map((name) => {
      const collector = new RangeCollector('minmax');
      collector.observe(name === 'image' ? image : (reference[name].data as Float32Array));
      return [name, collector.range()!];
    }));
    const { spec: int8, quantizedNodes, quantizedWeights } = rewriteToQdq(spec, plan, ranges);
    assert.equal(quantizedNodes, 3);
    assert.equal(quantizedWeights, 2);
    assert.ok(int8.initializers?.some((tensor) => tensor.type === 'int8'));
    const session = await ort.InferenceSession.create(writeModel(int8));
    const got = (await session.run(feeds)).logits.data as Float32Array;
    const want = reference.logits.data as Float32Array;
    let error = 0;
    let norm = 0;
    for (let i = 0; i < want.length; i += 1) {
      error += (got[i] - want[i]) ** 2;
      norm += want[i] ** 2;
    }
    assert.ok(Math.sqrt(error / norm) < 0.03, `relative error ${Math.sqrt(error / norm)}`);
  });

  it('uses the com.microsoft Q/DQ ops for graphs below opset 13 (per-channel needs axis)', () => {
    const spec = { ...smallConvNet(), opset: 11 };
    const plan = planQuantization(spec);
    const ranges = new Map(plan.activations.map((name) => [name, { min: 0, max: 1 }]));
    const { spec: int8 } = rewriteToQdq(spec, plan, ranges);
    assert.ok(int8.nodes.filter((node) => node.op.endsWith('QuantizeLinear')).every((node) => node.domain === 'com.microsoft'));
    assert.deepEqual(int8.opsetImports, [{ domain: '', version: 11 }, { domain: 'com.microsoft', version: 1 }]);
  });
});

describe('range collectors', () => {
  const values = Float32Array.from(noise(100_000, 3), (v) => v * 2);
  values[500] = 1000; // one outlier

  it('minmax spans every value seen, over all images', () => {
    const collector = new RangeCollector('minmax');
    collector.observe(values);
    collector.observe(Float32Array.of(-5, 0));
    assert.deepEqual(collector.range(), { min: -5, max: 1000 });
  });

  it('percentile ignores rare outliers and merges images of different ranges', () => {
    const collector = new RangeCollector('percentile');
    collector.observe(values);
    collector.observe(Float32Array.from(noise(100_000, 5), (v) => v + 1)); // [0, 2)
    const range = collector.range(99.99)!;
    assert.ok(range.max > 1.9 && range.max < 2.6, `max ${range.max}`);
    assert.ok(range.min < -1.9 && range.min > -2.6, `min ${range.min}`);
  });

  it('has no range for a tensor that was always empty', () => {
    const collector = new RangeCollector('percentile');
    collector.observe(new Float32Array(0));
    assert.equal(collector.range(), undefined);
  });
});
