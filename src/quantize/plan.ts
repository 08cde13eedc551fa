// Which nodes of an fp32 graph become int8, and which activation tensors get a Quantize/Dequantize
// pair. Decided from the graph's structure alone, so it works for any family (converted
// detectron2, the torchvision-exported demo model, yolo-seg exports):
//   - a node is quantized when its op is in QUANTIZABLE_OPS, its weight is a float initializer, and
//     it is a *feature* node: its output flows (through data inputs only) into the activation input
//     of another quantizable op. The last layers — class scores, box deltas, mask logits, the RPN's
//     objectness and anchor deltas — feed no further layer, so they stay fp32 (their outputs become
//     scores, boxes and thresholds, where 8 bits cost accuracy and save little time);
//   - Add joins two feature paths (residuals, FPN top-down) and runs as QLinearAdd;
//   - each quantized node's activation inputs and its output get one Q/DQ pair; when the output's
//     only consumer is a Relu, the pair goes after the Relu, which onnxruntime then folds into the
//     Q (uint8 with zero point 0 already clips at 0).
import type { ModelSpec, NodeSpec } from '../onnx/writer.js';

export interface QuantizableOp {
  /** Inputs that are activations (get a Q/DQ pair). */
  readonly activations: readonly number[];
  /** The weight input and its output-channel axis (per-channel scales), if the op has one. */
  readonly weight?: { readonly input: number; readonly axis: (node: NodeSpec) => number };
  /** The bias input, quantized to int32 with scale = input scale x weight scale. */
  readonly bias?: number;
}

const intAttribute = (node: NodeSpec, name: string, fallback: number): number => {
  const attribute = node.attributes?.[name];
  return attribute && 'int' in attribute ? attribute.int : fallback;
};

/** The one table of what can run in int8 (onnxruntime fuses each into an int8 kernel: QLinearConv, QGemm, QLinearAdd). */
export const QUANTIZABLE_OPS: Readonly<Record<string, QuantizableOp>> = Object.freeze({
  // Not ConvTranspose: onnxruntime 1.30's CPU provider has no fused int8 kernel for it, so a QDQ
  // ConvTranspose runs in fp32 anyway, plus the cost of dequantizing its weight on every run.
  Conv: { activations: [0], weight: { input: 1, axis: () => 0 }, bias: 2 },
  Gemm: { activations: [0], weight: { input: 1, axis: (node) => (intAttribute(node, 'transB', 0) === 1 ? 0 : 1) }, bias: 2 },
  Add: { activations: [0, 1] },
});

/** Inputs that carry data (not indices, shapes or boxes); a feature path only continues through these. */
const DATA_INPUTS: Readonly<Record<string, readonly number[]>> = Object.freeze({
  Gather: [0],
  GatherElements: [0],
  GatherND: [0],
  RoiAlign: [0],
  Slice: [0],
  Reshape: [0],
  Expand: [0],
  Tile: [0],
  Resize: [0],
  Upsample: [0],
  Pad: [0],
  TopK: [0],
  Split: [0],
  Squeeze: [0],
  Unsqueeze: [0],
  ScatterElements: [0, 2],
});

/** Outputs that carry data; ops listed with [] produce only indices or shapes. */
const DATA_OUTPUTS: Readonly<Record<string, readonly number[]>> = Object.freeze({
  TopK: [0],
  Shape: [],
  Size: [],
  NonZero: [],
  NonMaxSuppression: [],
  ArgMax: [],
  ArgMin: [],
});

/** Ops a Relu-like clamp at 0 that onnxruntime folds into the Q after it. */
const FOLDED_ACTIVATIONS = new Set(['Relu']);

export interface QuantizationPlan {
  /** Indices into spec.nodes of the nodes that run in int8. */
  readonly nodes: ReadonlySet<number>;
  /** Activation tensors that get a Q/DQ pair (and so need a calibrated range). */
  readonly activations: readonly string[];
  /** Each quantized node's activation tensors (inputs and output point). */
  readonly activationsByNode: ReadonlyMap<number, readonly string[]>;
  /** Quantizable nodes left in fp32, with why (for the card and `--verbose`). */
  readonly keptFloat: readonly { readonly name: string; readonly op: string; readonly reason: string }[];
}

export interface PlanOptions {
  /** Node names (or name prefixes ending in '/') to keep in fp32. */
  readonly keepFloat?: readonly string[];
  /** Keep the layers that feed RoIAlign in fp32 (their outputs are then not rounded to 8 bits). */
  readonly floatRoiAlignInputs?: boolean;
}

export function planQuantization(spec: ModelSpec, options: PlanOptions = {}): QuantizationPlan {
  const nodes = spec.nodes;
  const weights = new Map((spec.initializers ?? []).map((tensor) => [tensor.name ?? '', tensor]));
  const consumers = consumerMap(nodes);
  const fromImage = imageDerived(spec, nodes);
  const feeding = feedsFeatures(nodes, consumers);
  const roiAlignFeatures = new Set(nodes.filter((node) => node.op === 'RoiAlign').map((node) => node.inputs[0]));

  const chosen = new Set<number>();
  const keptFloat: { name: string; op: string; reason: string }[] = [];
  nodes.forEach((node, index) => {
    const op = QUANTIZABLE_OPS[node.op];
    if (!op || (node.domain ?? '') !== '') return;
    const name = nodeName(node, index);
    const keep = (reason: string) => keptFloat.push({ name, op: node.op, reason });
    const output = outputPoint(node, consumers, nodes);
    if (options.keepFloat?.some((pattern) => (pattern.endsWith('/') ? name.startsWith(pattern) : name === pattern))) return keep('asked to keep fp32');
    if (!node.inputs.every((input, position) => !op.activations.includes(position) || fromImage.has(input))) return; // shape arithmetic, constants
    if (op.weight) {
      const weight = weights.get(node.inputs[op.weight.input] ?? '');
      if (!weight || weight.type !== 'float32') return keep('its weight is not a float initializer');
      const bias = op.bias === undefined ? undefined : node.inputs[op.bias];
      if (bias && weights.get(bias)?.type !== 'float32') return keep('its bias is not a float initializer');
      if (node.op === 'Gemm' && (intAttribute(node, 'transA', 0) !== 0 || floatAttribute(node, 'alpha') !== 1 || floatAttribute(node, 'beta') !== 1)) {
        return keep('Gemm with transA, alpha or beta');
      }
    }
    if (!feeding.has(output)) return node.op === 'Add' ? undefined : keep('a final predictor (feeds no further layer)');
    if (options.floatRoiAlignInputs && roiAlignFeatures.has(output)) return keep('feeds RoIAlign (kept fp32 on request)');
    chosen.add(index);
  });

  const activationsByNode = new Map<number, string[]>();
  for (const index of chosen) {
    const node = nodes[index];
    const names = QUANTIZABLE_OPS[node.op].activations.map((position) => node.inputs[position]);
    activationsByNode.set(index, [...names, outputPoint(node, consumers, nodes)]);
  }
  const activations = [...new Set([...activationsByNode.values()].flat())];
  return { nodes: chosen, activations, activationsByNode, keptFloat };
}

/** A node's name for --keep-float and the card (exporters may leave names out). */
export function nodeName(node: NodeSpec, index: number): string {
  return node.name ?? `${node.op}_${index}`;
}

/** Where a node's output is quantized: after a sole Relu consumer (folded by onnxruntime), else the output itself. */
function outputPoint(node: NodeSpec, consumers: ReadonlyMap<string, readonly Use[]>, nodes: readonly NodeSpec[]): string {
  const output = node.outputs[0];
  const uses = consumers.get(output) ?? [];
  if (uses.length === 1 && FOLDED_ACTIVATIONS.has(nodes[uses[0].node].op)) return nodes[uses[0].node].outputs[0];
  return output;
}

interface Use {
  readonly node: number;
  readonly input: number;
}

function consumerMap(nodes: readonly NodeSpec[]): Map<string, Use[]> {
  const map = new Map<string, Use[]>();
  nodes.forEach((node, index) =>
    node.inputs.forEach((input, position) => {
      if (!input) return;
      const uses = map.get(input) ?? [];
      uses.push({ node: index, input: position });
      map.set(input, uses);
    }),
  );
  return map;
}

function floatAttribute(node: NodeSpec, name: string): number {
  const attribute = node.attributes?.[name];
  return attribute && 'float' in attribute ? attribute.float : 1;
}

const isDataInput = (node: NodeSpec, position: number): boolean => DATA_INPUTS[node.op]?.includes(position) ?? true;
const dataOutputs = (node: NodeSpec): readonly string[] => {
  const positions = DATA_OUTPUTS[node.op];
  return positions ? positions.map((position) => node.outputs[position]).filter(Boolean) : node.outputs;
};

/** Tensors computed from the graph's float inputs through data edges (not shapes, indices or constants). */
function imageDerived(spec: ModelSpec, nodes: readonly NodeSpec[]): Set<string> {
  const derived = new Set(spec.inputs.filter((input) => input.type === 'float32').map((input) => input.name));
  for (const node of nodes) {
    if (node.inputs.some((input, position) => derived.has(input) && isDataInput(node, position))) {
      for (const output of dataOutputs(node)) derived.add(output);
    }
  }
  return derived;
}

/** Tensors whose values reach the activation input of a quantizable op (nodes are in topological order). */
function feedsFeatures(nodes: readonly NodeSpec[], consumers: ReadonlyMap<string, readonly Use[]>): Set<string> {
  const feeding = new Set<string>();
  for (let index = nodes.length - 1; index >= 0; index -= 1) {
    for (const output of dataOutputs(nodes[index])) {
      const reaches = (consumers.get(output) ?? []).some(({ node, input }) => {
        const consumer = nodes[node];
        const op = QUANTIZABLE_OPS[consumer.op];
        if (op && op.weight && op.activations.includes(input)) return true;
        return isDataInput(consumer, input) && dataOutputs(consumer).some((next) => feeding.has(next));
      });
      if (reaches) feeding.add(output);
    }
  }
  return feeding;
}
