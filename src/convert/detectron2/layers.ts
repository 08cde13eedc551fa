// The state dict as the graph parts read it (every tensor checked against the shape the config
// implies) and the layer helpers they share: conv (+ folded norm), linear, relu.
import { MaskserveError } from '../../errors.js';
import type { GraphBuilder } from '../../onnx/graph-builder.js';
import type { WeightTensor } from '../tensor-types.js';

/** Buffers detectron2 may save that carry no weights for inference. */
const IGNORED = [/^pixel_(mean|std)$/, /anchor_generator\.cell_anchors\.\d+$/, /\.num_batches_tracked$/];
/** Prefixes of the modules the graph is built from; anything unread under them is a mismatch. */
const MODEL_PREFIXES = ['backbone.', 'proposal_generator.', 'roi_heads.'];

export class StateDict {
  private readonly read = new Set<string>();

  constructor(
    private readonly weights: ReadonlyMap<string, WeightTensor>,
    private readonly source: string,
  ) {}

  has(name: string): boolean {
    return this.weights.has(name);
  }

  /** The tensor `name`, which must have `shape` (what the config implies). */
  take(name: string, shape: readonly number[]): WeightTensor {
    const tensor = this.weights.get(name);
    if (!tensor) throw new MaskserveError('MODEL_FORMAT', `${this.source}: the checkpoint has no "${name}" (does the config match the checkpoint?)`);
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
      throw new MaskserveError(
        'MODEL_FORMAT',
        `${this.source}: "${name}" has shape [${tensor.shape.join(', ')}] but the config implies [${shape.join(', ')}]`,
      );
    }
    this.read.add(name);
    return tensor;
  }

  /** The leading dimension of `name` (e.g. a predictor's class count), to report the config mismatch well. */
  dim(name: string, axis: number): number | undefined {
    return this.weights.get(name)?.shape[axis];
  }

  /** Model tensors the graph did not use: a config/checkpoint mismatch. */
  unused(): string[] {
    return [...this.weights.keys()].filter(
      (name) => !this.read.has(name) && MODEL_PREFIXES.some((p) => name.startsWith(p)) && !IGNORED.some((pattern) => pattern.test(name)),
    );
  }
}

export interface ConvSpec {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride?: number;
  readonly padding?: number;
  readonly groups?: number;
  /** detectron2 convs with a norm have no bias; the norm (FrozenBN/BN, eps 1e-5) is folded in here. */
  readonly norm?: boolean;
  readonly relu?: boolean;
}

const BN_EPS = 1e-5;

/** detectron2 `Conv2d(..., norm=...)` named `prefix` applied to x: [N, inC, H, W] -> [N, outC, H', W']. */
export function conv(g: GraphBuilder, sd: StateDict, prefix: string, x: string, spec: ConvSpec): string {
  const groups = spec.groups ?? 1;
  const k = spec.kernel;
  const w = sd.take(`${prefix}.weight`, [spec.outChannels, spec.inChannels / groups, k, k]);
  let weight = w.data;
  let bias: Float32Array;
  if (spec.norm) {
    const gamma = sd.take(`${prefix}.norm.weight`, [spec.outChannels]).data;
    const beta = sd.take(`${prefix}.norm.bias`, [spec.outChannels]).data;
    const mean = sd.take(`${prefix}.norm.running_mean`, [spec.outChannels]).data;
    const variance = sd.take(`${prefix}.norm.running_var`, [spec.outChannels]).data;
    weight = new Float32Array(w.data.length);
    bias = new Float32Array(spec.outChannels);
    const perOut = w.data.length / spec.outChannels;
    for (let o = 0; o < spec.outChannels; o++) {
      // FrozenBatchNorm2d: y = x * scale + (beta - mean * scale), scale = gamma / sqrt(var + eps)
      const scale = gamma[o] / Math.sqrt(variance[o] + BN_EPS);
      bias[o] = beta[o] - mean[o] * scale;
      for (let i = o * perOut; i < (o + 1) * perOut; i++) weight[i] = w.data[i] * scale;
    }
  } else {
    bias = sd.take(`${prefix}.bias`, [spec.outChannels]).data;
  }
  const pad = spec.padding ?? 0;
  const stride = spec.stride ?? 1;
  const y = g.op('Conv', [x, g.weight(`${prefix}.weight`, w.shape, weight), g.weight(`${prefix}.bias`, [spec.outChannels], bias)], {
    kernel_shape: { ints: [k, k] },
    strides: { ints: [stride, stride] },
    pads: { ints: [pad, pad, pad, pad] },
    group: { int: groups },
  });
  return spec.relu ? g.op('Relu', [y]) : y;
}

/** nn.Linear named `prefix`: x [R, inF] -> [R, outF]. */
export function linear(g: GraphBuilder, sd: StateDict, prefix: string, x: string, inFeatures: number, outFeatures: number, relu = false): string {
  const w = sd.take(`${prefix}.weight`, [outFeatures, inFeatures]);
  const b = sd.take(`${prefix}.bias`, [outFeatures]);
  const y = g.op('Gemm', [x, g.weight(`${prefix}.weight`, w.shape, w.data), g.weight(`${prefix}.bias`, b.shape, b.data)], { transB: { int: 1 } });
  return relu ? g.op('Relu', [y]) : y;
}
