// Where `maskserve predict` results go. Two sinks with one interface:
// - OutDirSink: per input `<stem>.png` + `<stem>.json`, and for the run `coco-results.json`
//   plus `images.json` (image_id -> input) so `maskserve eval` and other tools can use them;
// - StdoutSink: results on stdout and nothing else (logs and progress go to stderr).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeResult, resultDocument, type EncodeOptions } from '../output/encode.js';
import { isImageFormat, OUTPUT_FORMATS } from '../output/formats.js';
import type { SegmentOutput } from '../pipeline.js';
import type { CocoResult } from '../types.js';
import { RUN_FILES, outputPaths } from './output-names.js';
import type { PredictSettings } from './predict-settings.js';
import type { InputSource } from './predict-inputs.js';

type SinkSettings = Pick<PredictSettings, 'maskFormat' | 'draw'>;

/** Encoding options for input `index` (COCO image ids are index + 1). */
function encodeOptions(settings: SinkSettings, index: number, indent?: number): EncodeOptions {
  return { maskFormat: settings.maskFormat, draw: settings.draw, imageId: index + 1, ...(indent === undefined ? {} : { indent }) };
}

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
    private readonly settings: SinkSettings,
  ) {}

  async start(): Promise<void> {
    await mkdir(this.outDir, { recursive: true });
  }

  async accept(index: number, source: InputSource, result: SegmentOutput): Promise<void> {
    const stem = this.stems[index];
    const paths = outputPaths(this.outDir, stem);
    const options = encodeOptions(this.settings, index, 2);
    const [png, json] = await Promise.all([encodeResult('png', result, options), encodeResult('json', result, options)]);
    await Promise.all([writeFile(paths.png, png), writeFile(paths.json, `${json}\n`)]);
    this.coco.set(index, resultDocument('coco', result, options) as CocoResult[]);
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
 * One input: exactly the requested representation. Several inputs: a document format's results
 * combined as its table entry says (result JSON: one line per input, tagged with it, written as
 * they finish; COCO rows: one array at the end). Image formats take one input (predict checks).
 */
export class StdoutSink implements ResultSink {
  private readonly rows = new Map<number, unknown[]>();

  constructor(
    private readonly settings: SinkSettings & Pick<PredictSettings, 'format'>,
    private readonly single: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
  ) {}

  async accept(index: number, source: InputSource, result: SegmentOutput): Promise<void> {
    const { format } = this.settings;
    if (this.single || isImageFormat(format)) {
      const body = await encodeResult(format, result, encodeOptions(this.settings, index, 2));
      await this.write(typeof body === 'string' ? `${body}\n` : body);
      return;
    }
    const document = resultDocument(format, result, encodeOptions(this.settings, index));
    if (OUTPUT_FORMATS[format].several === 'concatenate') this.rows.set(index, document as unknown[]);
    else await this.write(`${JSON.stringify({ input: source.label, ...(document as object) })}\n`);
  }

  failed(): void {}

  async finish(): Promise<void> {
    if (this.rows.size === 0) return;
    const rows = [...this.rows.keys()].sort((a, b) => a - b).flatMap((index) => this.rows.get(index) ?? []);
    await this.write(`${JSON.stringify(rows)}\n`);
  }

  private write(chunk: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.stdout.write(chunk, (error) => (error ? reject(error) : resolve())));
  }
}
