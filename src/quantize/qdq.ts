// Rewrites an fp32 graph into the QDQ form onnxruntime fuses into int8 kernels:
//   activation T -> QuantizeLinear(uint8, asymmetric) -> DequantizeLinear -> every consumer of T
//   weight W     -> int8 initializer, symmetric per output channel -> DequantizeLinear(axis)
//   bias B       -> int32 initializer, scale = input scale x weight scale[c] -> DequantizeLinear
// onnxruntime's QDQ transformers then replace each DQ -> op -> Q group with QLinearConv, QGemm,
// QLinearAdd ... Graph outputs and tensors a subgraph reads by name are not renamed, so they keep
// their fp32 values.
// Models below opset 13 (no per-channel DequantizeLinear) use the com.microsoft Q/DQ ops.
import { MaskserveError } from '../errors.js';
import type { ModelSpec, NodeSpec, OpsetImport, TensorSpec } from '../onnx/writer.js';
import { QUANTIZABLE_OPS, type QuantizationPlan } from './plan.js';

export interface ActivationRange {
  readonly min: number;
  readonly max: number;
}

export interface ActivationParameters {
  readonly scale: number;
  readonly zeroPoint: number;
}

/** uint8 asymmetric parameters for a real range; the range always includes 0 (exact zero padding). */
export function activationParameters(range: ActivationRange): ActivationParameters {
  const low = Math.min(0, range.min);
  const high = Math.max(0, range.max);
  if (!(high > low) || !Number.isFinite(high - low)) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((high - low) / 255);
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-low / scale)));
  return { scale, zeroPoint };
}

export interface ChannelQuantized {
  readonly values: Int8Array;
  readonly scales: Float32Array;
}

/**
 * Weights use 7 of int8's bits ([-63, 63]), onnxruntime's "reduce range": CPUs without VNNI (AVX2,
 * AVX-512 before VNNI) multiply uint8 x int8 with VPMADDUBSW, which adds two products into an int16
 * and saturates once 255 * |w| * 2 passes 32767, i.e. for |w| > 64. Full-range weights were exact
 * on VNNI/AMX machines and wrong on an AVX2-only one (relative error 0.21 against fp32 where the
 * VNNI machine had 0.02); 7-bit weights give the same answer on both.
 */
export const WEIGHT_LEVELS = 63;

/** Symmetric int8 per channel along `axis` ([-WEIGHT_LEVELS, WEIGHT_LEVELS], zero point 0). */
export function quantizeWeight(weight: TensorSpec, axis: number): ChannelQuantized {
  const data = weight.data as Float32Array;
  const channels = weight.dims[axis];
  const inner = weight.dims.slice(axis + 1).reduce((product, dim) => product * dim, 1);
  const outer = weight.dims.slice(0, axis).reduce((product, dim) => product * dim, 1);
  const maxima = new Float64Array(channels);
  for (let o = 0; o < outer; o += 1) {
    for (let c = 0; c < channels; c += 1) {
      const base = (o * channels + c) * inner;
      for (let i = 0; i < inner; i += 1) maxima[c] = Math.max(maxima[c], Math.abs(data[base + i]));
    }
  }
  const scales = Float32Array.from(maxima, (max) => (max > 0 ? max / WEIGHT_LEVELS : 1));
  const values = new Int8Array(data.length);
  for (let o = 0; o < outer; o += 1) {
    for (let c = 0; c < channels; c += 1) {
      const base = (o * channels + c) * inner;
      for (let i = 0; i < inner; i += 1) values[base + i] = Math.max(-WEIGHT_LEVELS, Math.min(WEIGHT_LEVELS, Math.round(data[base + i] / scales[c])));
    }
  }
  return { values, scales };
}

const INT32_LIMIT = 2 ** 31 - 1;

export interface RewriteResult {
  readonly spec: ModelSpec;
  readonly quantizedNodes: number;
  readonly quantizedWeights: number;
}

export function rewriteToQdq(spec: ModelSpec, plan: QuantizationPlan, ranges: ReadonlyMap<string, ActivationRange>): RewriteResult {
  const imported: readonly OpsetImport[] = spec.opsetImports ?? [{ domain: '', version: spec.opset ?? 13 }];
  const defaultOpset = imported.find((entry) => entry.domain === '')?.version ?? 13;
  // Per-channel DequantizeLinear (axis) is standard from opset 13; older graphs use the contrib ops.
  const qdqDomain = defaultOpset >= 13 ? undefined : 'com.microsoft';
  const weights = new Map((spec.initializers ?? []).map((tensor) => [tensor.name ?? '', tensor]));

  const added: TensorSpec[] = [];
  const nodes: NodeSpec[] = [];
  const activation = new Map<string, ActivationParameters>();
  for (const name of plan.activations) {
    const range = ranges.get(name);
    if (!range) throw new MaskserveError('INTERNAL', `No calibrated range for activation ${name}`);
    activation.set(name, activationParameters(range));
  }
  const dequantized = (name: string) => `${name}::dq`;
  const emitQdq = (name: string) => {
    const parameters = activation.get(name);
    if (!parameters) return;
    const scale = `${name}::scale`;
    const zero = `${name}::zero`;
    added.push({ name: scale, type: 'float32', dims: [], data: Float32Array.of(parameters.scale) });
    added.push({ name: zero, type: 'uint8', dims: [], data: Uint8Array.of(parameters.zeroPoint) });
    nodes.push(qdqNode('QuantizeLinear', [name, scale, zero], `${name}::q`, qdqDomain));
    nodes.push(qdqNode('DequantizeLinear', [`${name}::q`, scale, zero], dequantized(name), qdqDomain));
  };

  for (const input of spec.inputs) emitQdq(input.name);
  let quantizedWeights = 0;
  const weightUses = new Map<string, number>();
  for (const node of spec.nodes) for (const input of node.inputs) weightUses.set(input, (weightUses.get(input) ?? 0) + 1);
  const replacedWeights = new Map<string, number>();

  spec.nodes.forEach((node, index) => {
    const inputs = node.inputs.map((input) => (activation.has(input) ? dequantized(input) : input));
    if (plan.nodes.has(index)) {
      const op = QUANTIZABLE_OPS[node.op];
      if (op.weight) {
        const weightName = node.inputs[op.weight.input];
        const weight = weights.get(weightName)!;
        const axis = op.weight.axis(node);
        const quantized = quantizeWeight(weight, axis);
        const tag = `${weightName}::${index}`;
        added.push({ name: `${tag}::int8`, type: 'int8', dims: weight.dims, data: quantized.values });
        added.push({ name: `${tag}::scale`, type: 'float32', dims: [quantized.scales.length], data: quantized.scales });
        added.push({ name: `${tag}::zero`, type: 'int8', dims: [quantized.scales.length], data: new Int8Array(quantized.scales.length) });
        nodes.push(qdqNode('DequantizeLinear', [`${tag}::int8`, `${tag}::scale`, `${tag}::zero`], `${tag}::dq`, qdqDomain, axis));
        inputs[op.weight.input] = `${tag}::dq`;
        replacedWeights.set(weightName, (replacedWeights.get(weightName) ?? 0) + 1);
        quantizedWeights += 1;
        const biasName = op.bias === undefined ? undefined : node.inputs[op.bias];
        if (biasName) {
          const bias = weights.get(biasName)!;
          const inputScale = activation.get(node.inputs[op.activations[0]])!.scale;
          const scales = Float32Array.from(quantized.scales, (scale) => inputScale * scale);
          const values = Int32Array.from(bias.data as Float32Array, (value, c) => Math.max(-INT32_LIMIT, Math.min(INT32_LIMIT, Math.round(value / scales[c]))));
          const biasTag = `${biasName}::${index}`;
          added.push({ name: `${biasTag}::int32`, type: 'int32', dims: bias.dims, data: values });
          added.push({ name: `${biasTag}::scale`, type: 'float32', dims: [scales.length], data: scales });
          added.push({ name: `${biasTag}::zero`, type: 'int32', dims: [scales.length], data: new Int32Array(scales.length) });
          nodes.push(qdqNode('DequantizeLinear', [`${biasTag}::int32`, `${biasTag}::scale`, `${biasTag}::zero`], `${biasTag}::dq`, qdqDomain, 0));
          inputs[op.bias!] = `${biasTag}::dq`;
          replacedWeights.set(biasName, (replacedWeights.get(biasName) ?? 0) + 1);
        }
      }
    }
    nodes.push({ ...node, inputs });
    for (const output of node.outputs) emitQdq(output);
  });

  const unused = new Set([...replacedWeights].filter(([name, count]) => count === weightUses.get(name)).map(([name]) => name));
  const initializers = [...(spec.initializers ?? []).filter((tensor) => !unused.has(tensor.name ?? '')), ...added];
  const opsetImports: OpsetImport[] = [...imported];
  if (qdqDomain && !opsetImports.some((entry) => entry.domain === qdqDomain)) opsetImports.push({ domain: qdqDomain, version: 1 });
  return {
    spec: { ...spec, nodes, initializers, opsetImports },
    quantizedNodes: plan.nodes.size,
    quantizedWeights,
  };
}

function qdqNode(op: 'QuantizeLinear' | 'DequantizeLinear', inputs: string[], output: string, domain: string | undefined, axis?: number): NodeSpec {
  return {
    op,
    inputs,
    outputs: [output],
    name: output,
    ...(domain ? { domain } : {}),
    ...(axis === undefined ? {} : { attributes: { axis: { int: axis } } }),
  };
}
