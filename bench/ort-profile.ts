// onnxruntime's own view of a model run: time per operator type from its profiler, the arithmetic
// rate its convolutions reach (FLOPs from each node's recorded shapes), and a bare convolution's
// rate on this CPU in fp32 and int8 — the ceiling a whole model can approach.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { writeModel, type ModelSpec } from '../src/onnx/writer.js';
import { planQuantization } from '../src/quantize/plan.js';
import { rewriteToQdq } from '../src/quantize/qdq.js';
import type { Feeds } from '../src/types.js';

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  executionMode: 'sequential',
  intraOpNumThreads: 2,
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
};

interface NodeEvent {
  readonly cat: string;
  readonly name: string;
  readonly dur: number;
  readonly args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}

export interface Profile {
  /** Milliseconds per operator type, one run. */
  readonly byOp: ReadonlyMap<string, number>;
  readonly totalMs: number;
  /** fp32 convolution work in GFLOP (from the weight shapes the profiler records), and its time. */
  readonly convGflop: number;
  readonly convMs: number;
  /**
   * Time in int8 convolutions. Their work is not in the profile (onnxruntime pre-packs the weight
   * and records no shape for it): it is the fp32 model's convGflop less this model's fp32 convs.
   */
  readonly int8ConvMs: number;
}

const FP32_CONV_OPS = new Set(['Conv', 'FusedConv', 'NhwcFusedConv']);

/** Profiles `runs` runs after a warm-up and reports the fastest (the least disturbed by the machine). */
export async function profileModel(model: string | Uint8Array, feeds: Feeds, runs = 3): Promise<Profile> {
  const dir = await mkdtemp(join(tmpdir(), 'maskserve-profile-'));
  try {
    const session = await ort.InferenceSession.create(model as string, { ...SESSION_OPTIONS, enableProfiling: true, profileFilePrefix: join(dir, 'ort') });
    const inputs = Object.fromEntries(Object.entries(feeds).map(([name, feed]) => [name, new ort.Tensor(feed.type as 'float32', feed.data as Float32Array, [...feed.dims])]));
    for (let run = 0; run <= runs; run += 1) await session.run(inputs);
    session.endProfiling();
    await session.release();
    // onnxruntime-node names the file <prefix>_<timestamp>.json and does not return the name.
    const file = (await readdir(dir)).find((name) => name.endsWith('.json'));
    if (!file) throw new Error('onnxruntime wrote no profile');
    const events = JSON.parse(await readFile(join(dir, file), 'utf8')) as NodeEvent[];
    const timed = (events as (NodeEvent & { ts: number })[]).filter((event) => event.name === 'model_run').slice(1);
    const fastest = timed.reduce((best, event) => (event.dur < best.dur ? event : best));
    const byOp = new Map<string, number>();
    let convGflop = 0;
    let convMs = 0;
    let int8ConvMs = 0;
    for (const event of events as (NodeEvent & { ts: number })[]) {
      if (event.cat !== 'Node' || !event.name.endsWith('_kernel_time') || event.ts < fastest.ts || event.ts > fastest.ts + fastest.dur) continue;
      const op = event.args?.op_name ?? '?';
      byOp.set(op, (byOp.get(op) ?? 0) + event.dur / 1000);
      if (FP32_CONV_OPS.has(op)) {
        convGflop += convFlops(event.args ?? {}) / 1e9;
        convMs += event.dur / 1000;
      }
      if (op === 'QLinearConv') int8ConvMs += event.dur / 1000;
    }
    const totalMs = [...byOp.values()].reduce((sum, ms) => sum + ms, 0);
    return { byOp, totalMs, convGflop, convMs, int8ConvMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** 2 x output elements x (input channels per group x kernel area), from the shapes onnxruntime recorded. */
function convFlops(args: NonNullable<NodeEvent['args']>): number {
  const shapeOf = (entry: Record<string, number[]> | undefined) => (entry ? Object.values(entry)[0] : undefined);
  const output = shapeOf(args.output_type_shape?.[0]);
  const weight = shapeOf(args.input_type_shape?.[1]);
  if (!output || !weight) return 0;
  const outputs = output.reduce((product, dim) => product * dim, 1);
  return 2 * outputs * weight.slice(1).reduce((product, dim) => product * dim, 1);
}

/**
 * A bare 3x3 convolution + ReLU, 256 -> 256 channels on a 200 x 304 map (Mask R-CNN's largest FPN
 * layer at 800 x 1216): GFLOP/s in fp32 and in int8 (QDQ, fused by onnxruntime into QLinearConv).
 */
export async function bareConvRates(): Promise<{ fp32: number; int8: number }> {
  const [c, h, w] = [256, 200, 304];
  const spec: ModelSpec = {
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['conv'], name: 'conv', attributes: { pads: { ints: [1, 1, 1, 1] } } },
      { op: 'Relu', inputs: ['conv'], outputs: ['y'], name: 'relu' },
      // A consumer, so the plan sees a feature layer (it is not timed).
      { op: 'Conv', inputs: ['y', 'w2'], outputs: ['z'], name: 'next' },
    ],
    inputs: [{ name: 'x', type: 'float32', dims: [1, c, h, w] }],
    outputs: [{ name: 'y', type: 'float32', dims: [1, c, h, w] }],
    initializers: [
      { name: 'w', type: 'float32', dims: [c, c, 3, 3], data: Float32Array.from({ length: c * c * 9 }, (_, i) => Math.sin(i) * 0.05) },
      { name: 'b', type: 'float32', dims: [c], data: new Float32Array(c) },
      { name: 'w2', type: 'float32', dims: [1, c, 1, 1], data: new Float32Array(c).fill(0.01) },
    ],
    opset: 13,
  };
  const plan = planQuantization(spec, { keepFloat: ['next'] });
  const quantized = rewriteToQdq(spec, plan, new Map(plan.activations.map((name) => [name, { min: 0, max: 4 }]))).spec;
  // The dequantized output is the graph output, so the conv's only consumer is its Q (fusable).
  const int8 = { ...quantized, nodes: quantized.nodes.filter((node) => node.name !== 'next'), outputs: [{ name: 'y::dq', type: 'float32' as const }] };
  const fp32 = { ...spec, nodes: spec.nodes.filter((node) => node.name !== 'next') };
  const feeds: Feeds = { x: { type: 'float32', dims: [1, c, h, w], data: Float32Array.from({ length: c * h * w }, (_, i) => (i % 97) / 50) } };
  const gflop = (2 * c * c * 9 * h * w) / 1e9;
  const fp32Profile = await profileModel(writeModel(fp32), feeds);
  const int8Profile = await profileModel(writeModel(int8), feeds);
  return { fp32: gflop / (fp32Profile.convMs / 1000), int8: gflop / (int8Profile.int8ConvMs / 1000) };
}
