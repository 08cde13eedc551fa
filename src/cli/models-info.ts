// `maskserve models info`: what a graph declares and how maskserve will treat it, without
// running it (graph read from the protobuf, family detected as the pipeline would).
import { createAdapter } from '../adapters/registry.js';
import { allInOrder } from '../all-in-order.js';
import { readModelCard } from '../models/model-card.js';
import { readGraphInfo } from '../models/onnx-graph-info.js';
import { resolveModelSpec } from '../models/resolve.js';
import type { ValueInfo } from '../types.js';
import { EXIT, type ExitCode } from './exit-codes.js';

export interface ModelInfo {
  readonly id: string;
  readonly path: string;
  readonly isDemo: boolean;
  readonly family: string;
  readonly input: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly classes: readonly string[];
  readonly card: Readonly<Record<string, unknown>>;
  readonly metadata: Readonly<Record<string, string>>;
  readonly producerName?: string;
  readonly opsetVersion?: number;
}

export async function describeModel(spec: string, family?: string): Promise<ModelInfo> {
  const resolved = await resolveModelSpec(spec);
  const [graph, card] = await allInOrder([readGraphInfo(resolved.path), readModelCard(resolved.path)]);
  const detected = createAdapter(graph, card, family);
  const { adapter } = detected;
  return {
    id: card.id ?? resolved.id,
    path: resolved.path,
    isDemo: resolved.isDemo,
    family: detected.family,
    input: adapter.inputDescription,
    inputs: graph.inputs,
    outputs: graph.outputs,
    classes: adapter.classNames,
    card,
    metadata: graph.metadata,
    ...(graph.producerName === undefined ? {} : { producerName: graph.producerName }),
    ...(graph.opsetVersion === undefined ? {} : { opsetVersion: graph.opsetVersion }),
  };
}

export async function runModelsInfo(spec: string, flags: { json?: boolean; family?: string }, stdout: NodeJS.WritableStream = process.stdout): Promise<ExitCode> {
  const info = await describeModel(spec, flags.family);
  stdout.write(flags.json ? `${JSON.stringify(info, null, 2)}\n` : formatInfo(info));
  return EXIT.OK;
}

function formatInfo(info: ModelInfo): string {
  const lines = [
    `Model:    ${info.id}${info.isDemo ? ' (bundled demo)' : ''}`,
    `Path:     ${info.path}`,
    `Family:   ${info.family}`,
    `Input:    ${info.input}`,
    ...(info.producerName ? [`Producer: ${info.producerName}${info.opsetVersion ? `, opset ${info.opsetVersion}` : ''}`] : []),
    'Graph inputs:',
    ...info.inputs.map(valueLine),
    'Graph outputs:',
    ...info.outputs.map(valueLine),
    `Classes (${info.classes.length}): ${info.classes.join(', ')}`,
  ];
  const metadata = Object.entries(info.metadata);
  if (metadata.length > 0) lines.push('Metadata:', ...metadata.map(([key, value]) => `  ${key}: ${clip(value)}`));
  const card = Object.entries(info.card).filter(([key]) => key !== 'classes');
  if (card.length > 0) lines.push('Model card:', ...card.map(([key, value]) => `  ${key}: ${clip(JSON.stringify(value))}`));
  return `${lines.join('\n')}\n`;
}

function valueLine(value: ValueInfo): string {
  const dims = value.dims.map((dim) => (dim === null ? '?' : String(dim))).join(', ');
  return `  ${value.name}: ${value.type} [${dims}]`;
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
