// A small layer over the ONNX writer for building graphs in code: every node gets fresh output
// names, constants become initializers, and the result is a ModelSpec for writer.ts.
import type { TensorType } from '../types.js';
import type { AttributeSpec, ModelSpec, NodeSpec, TensorSpec, ValueSpec } from './writer.js';

export type Attributes = Readonly<Record<string, AttributeSpec>>;

export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers: TensorSpec[] = [];
  private readonly inputs: ValueSpec[] = [];
  private readonly outputs: ValueSpec[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();
  private scope = '';

  /** Runs `build` with node names prefixed by `name/` (readable profiles and error messages). */
  within<T>(name: string, build: () => T): T {
    const outer = this.scope;
    this.scope = outer ? `${outer}/${name}` : name;
    try {
      return build();
    } finally {
      this.scope = outer;
    }
  }

  input(name: string, type: TensorType, dims: readonly (number | string)[]): string {
    this.claim(name);
    this.inputs.push({ name, type, dims });
    return name;
  }

  /** Marks `value` as a graph output called `name` (an Identity when the names differ). */
  output(value: string, name: string, type: TensorType, dims: readonly (number | string)[]): void {
    const final = value === name ? value : this.op('Identity', [value], {}, name);
    this.outputs.push({ name: final, type, dims });
  }

  /** One node with one output; returns the output's name. */
  op(opType: string, inputs: readonly string[], attributes: Attributes = {}, outputName?: string): string {
    return this.opN(opType, inputs, 1, attributes, outputName ? [outputName] : undefined)[0];
  }

  /** One node with `count` outputs. */
  opN(opType: string, inputs: readonly string[], count: number, attributes: Attributes = {}, outputNames?: readonly string[]): string[] {
    const base = `${this.scope ? `${this.scope}/` : ''}${opType}`;
    const outputs = outputNames ? outputNames.map((n) => this.claim(n)) : Array.from({ length: count }, () => this.fresh(base));
    this.nodes.push({ op: opType, inputs, outputs, name: this.fresh(`${base}_node`), attributes });
    return outputs;
  }

  /** A named weight initializer (name kept as given, made unique). */
  weight(name: string, dims: readonly number[], data: Float32Array): string {
    const unique = this.fresh(name);
    this.initializers.push({ name: unique, type: 'float32', dims, data });
    return unique;
  }

  /** Shared small constants (deduplicated by value). */
  floats(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant('float32', values, dims);
  }

  ints(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant('int64', values, dims);
  }

  scalarFloat(value: number): string {
    return this.floats([value], []);
  }

  scalarInt(value: number): string {
    return this.ints([value], []);
  }

  build(options: { metadata?: Readonly<Record<string, string>>; opset: number; producerName: string; graphName: string }): ModelSpec {
    return {
      nodes: this.nodes,
      inputs: this.inputs,
      outputs: this.outputs,
      initializers: this.initializers,
      metadata: options.metadata,
      opset: options.opset,
      producerName: options.producerName,
      graphName: options.graphName,
    };
  }

  private constant(type: 'float32' | 'int64', values: readonly number[], dims: readonly number[]): string {
    const key = `${type}:${dims.join('x')}:${values.join(',')}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const name = this.fresh(`const_${type}`);
    const data = type === 'float32' ? Float32Array.from(values) : BigInt64Array.from(values, (v) => BigInt(v));
    this.initializers.push({ name, type, dims, data });
    this.constants.set(key, name);
    return name;
  }

  private fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.used.has(name)) throw new Error(`graph value ${name} defined twice`);
    this.used.add(name);
    return name;
  }
}
