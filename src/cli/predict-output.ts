// Where `maskserve predict` results go. Two sinks with one interface:
// - OutDirSink: per input `<stem>.png` + `<stem>.json`, and for the run `coco-results.json`
//   plus `images.json` (image_id -> input) so `maskserve eval` and other tools can use them;
// - StdoutSink: results on stdout and nothing else (logs and progress go to stderr).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MaskFormat } from '../options.js';
import { toCocoResults } from '../output/coco.js';
import { renderAnnotated } from '../output/render.js';
import { toResultJson } from '../output/result-json.js';
import type { SegmentOutput } from '../pipeline.js';
import type { CocoResult } from '../types.js';
import { RUN_FILES, outputPaths } from './output-names.js';
import type { OutputFormat } from './predict-settings.js';
import type { InputSource } from './predict-inputs.js';

export interface ResultSink {
  /** `index` is the 0-based input position; COCO image ids are index + 1. */
  accept(index: number, source: InputSource, result: SegmentOutput): Promise<void>;
  failed(index: number, source: InputSource, reason: string): void;
  finish(): Promise<void>;
}

interface ImageRecord {
  readonly image_id: number;
  readonly input: string;
  readonly stem?: string;
  readonly width?: number;
  readonly height?: number;
  readonly error?: string;
}

export class OutDirSink implements ResultSink {
  private readonly coco = new Map<number, CocoResult[]>();
  private readonly images = new Map<number, ImageRecord>();

  constructor(
    private readonly outDir: string,
    private readonly stems: readonly string[],
    private readonly maskFormat: MaskFormat,
  ) {}

  async start(): Promise<void> {
    await mkdir(this.outDir, { recursive: true });
  }

  async accept(index: number, source: InputSource, result: SegmentOutput): Promise<void> {
    const stem = this.stems[index];
    const paths = outputPaths(this.outDir, stem);
    const json = toResultJson(result, { maskFormat: this.maskFormat });
    const png = await renderAnnotated(result.image, result.instances);
    await Promise.all([writeFile(paths.png, png), writeFile(paths.json, `${JSON.stringify(json, null, 2)}\n`)]);
    this.coco.set(index, toCocoResults(result.instances, index + 1));
    this.images.set(index, { image_id: index + 1, input: source.label, stem, width: result.image.width, height: result.image.height });
  }

  failed(index: number, source: InputSource, reason: string): void {
    this.images.set(index, { image_id: index + 1, input: source.label, error: reason });
  }

  async finish(): Promise<void> {
    const order = [...this.images.keys()].sort((a, b) => a - b);
    const coco = order.flatMap((index) => this.coco.get(index) ?? []);
    const images = order.map((index) => this.images.get(index));
    await writeFile(join(this.outDir, RUN_FILES.cocoResults), `${JSON.stringify(coco)}\n`);
    await writeFile(join(this.outDir, RUN_FILES.images), `${JSON.stringify(images, null, 2)}\n`);
  }
}

/**
 * One input: exactly the requested representation. Several inputs: JSON Lines (one result per
 * line, tagged with its input, written as they finish) or one COCO results array at the end.
 */
export class StdoutSink implements ResultSink {
  private readonly coco = new Map<number, CocoResult[]>();

  constructor(
    private readonly format: OutputFormat,
    private readonly maskFormat: MaskFormat,
    private readonly single: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
  ) {}

  async accept(index: number, source: InputSource, result: SegmentOutput): Promise<void> {
    if (this.format === 'png') {
      await this.write(await renderAnnotated(result.image, result.instances));
    } else if (this.format === 'coco') {
      this.coco.set(index, toCocoResults(result.instances, index + 1));
    } else if (this.single) {
      await this.write(`${JSON.stringify(toResultJson(result, { maskFormat: this.maskFormat }), null, 2)}\n`);
    } else {
      await this.write(`${JSON.stringify({ input: source.label, ...toResultJson(result, { maskFormat: this.maskFormat }) })}\n`);
    }
  }

  failed(): void {}

  async finish(): Promise<void> {
    if (this.format !== 'coco' || this.coco.size === 0) return;
    const rows = [...this.coco.keys()].sort((a, b) => a - b).flatMap((index) => this.coco.get(index) ?? []);
    await this.write(`${JSON.stringify(rows)}\n`);
  }

  private write(chunk: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.stdout.write(chunk, (error) => (error ? reject(error) : resolve())));
  }
}
