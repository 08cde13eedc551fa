// `maskserve predict`: expand inputs, load the model once, segment with bounded parallelism,
// hand each result to a sink, and keep going past bad inputs (listed at the end, exit 1).
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fetchImageBytes } from '../input/fetch-url.js';
import { demoNotice, resolveModelSpec } from '../models/resolve.js';
import { flagName } from '../options/table.js';
import { isImageFormat, OUTPUT_FORMATS } from '../output/formats.js';
import type { LoadedModel } from '../pipeline.js';
import { runBatch } from './batch.js';
import { EXIT, UsageError, exitCodeFor, type ExitCode } from './exit-codes.js';
import { assignOutputStems, inputOverwrittenBy, RUN_FILES } from './output-names.js';
import { OutDirSink, StdoutSink, type ResultSink } from './predict-output.js';
import { expandInputs, type InputProblem, type InputSource } from './predict-inputs.js';
import { shardPositions, type PredictSettings } from './predict-settings.js';

export interface PredictIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/** A bad input: found while expanding the inputs (no error) or while segmenting it. */
interface Failure extends InputProblem {
  readonly error?: unknown;
}

export async function runPredict(args: readonly string[], settings: PredictSettings, io: PredictIo = process): Promise<ExitCode> {
  const { sources, problems } = await expandInputs(args, settings.outDir === undefined ? {} : { excludeDir: settings.outDir });
  const single = sources.length + problems.length === 1 && settings.outDir === undefined;
  checkStdoutUse(settings, sources.length + problems.length, io.stdout);
  const stems = assignOutputStems(sources);
  if (settings.outDir !== undefined) {
    const victim = inputOverwrittenBy(settings.outDir, sources, stems);
    if (victim) throw new UsageError(`--out ${settings.outDir} would overwrite the input ${victim}; choose another directory`);
  }
  // Resolved once, before any file is written or worker started: a bad model fails fast (exit 3).
  const resolved = await resolveModelSpec(settings.model);
  if (sources.length === 0) return reportFailures(problems, 0, io.stderr);
  // Positions (and so image ids and stems) are those of the whole input list, shard or not:
  // shards' outputs never collide and merge back into exactly the single run's.
  const positions = shardPositions(sources.length, settings.shard);
  const sink = await createSink(settings, stems, single, io.stdout);
  const started = performance.now();
  const found = new Map<string, number>();
  const { model, failures } = await runBatch({
    model: resolved,
    ...(settings.family === undefined ? {} : { family: settings.family }),
    items: positions.map((index) => ({ index, source: sources[index], label: sources[index].label, read: () => readInput(sources[index], settings) })),
    concurrency: settings.concurrency,
    options: settings.segment,
    spelling: flagName,
    ...(settings.maxPixels === undefined ? {} : { decode: { maxPixels: settings.maxPixels } }),
    ...(single ? {} : { progress: 'predict' }),
    stderr: io.stderr,
    beforeImages: (loaded) => {
      if (loaded.ref.isDemo && settings.model === undefined) io.stderr.write(`maskserve: using the ${demoNotice(loaded.adapter.classNames)}\n`);
    },
    accept: async ({ index, source }, result) => {
      await sink.accept(index, source, result);
      for (const classId of result.instances.classIds) {
        const name = result.instances.classNames[classId] ?? String(classId);
        found.set(name, (found.get(name) ?? 0) + 1);
      }
    },
    failed: ({ index, source }, failure) => sink.failed(index, source, failure.reason),
  });
  await sink.finish();
  if (settings.outDir !== undefined) {
    io.stderr.write(`${outSummary(settings.outDir, positions.length - failures.length, found, (performance.now() - started) / 1000)}\n`);
  }
  return reportFailures([...problems, ...failures], sources.length, io.stderr, model);
}

/** `maskserve: 2 images, 7 instances (circle 3, ring 2, star 2) in 1.2 s -> out/ (...)`. */
export function outSummary(outDir: string, images: number, found: ReadonlyMap<string, number>, seconds: number): string {
  const total = [...found.values()].reduce((sum, count) => sum + count, 0);
  const byClass = [...found].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = byClass.slice(0, 6).map(([name, count]) => `${name} ${count}`);
  if (byClass.length > shown.length) shown.push(`${byClass.length - shown.length} more classes`);
  const classes = total > 0 ? ` (${shown.join(', ')})` : '';
  return (
    `maskserve: ${images} image${images === 1 ? '' : 's'}, ${total} instance${total === 1 ? '' : 's'}${classes} in ${seconds.toFixed(1)} s` +
    ` -> ${outDir} (<stem>.png, <stem>.json, ${RUN_FILES.cocoResults}, ${RUN_FILES.images})`
  );
}

function checkStdoutUse(settings: PredictSettings, inputCount: number, stdout: NodeJS.WriteStream): void {
  const { format } = settings;
  if (settings.outDir !== undefined || !isImageFormat(format)) return;
  if (inputCount > 1) throw new UsageError(`--format ${format} writes one image to stdout; use --out DIR for several inputs`);
  if (stdout.isTTY) throw new UsageError(`refusing to write ${format.toUpperCase()} bytes to a terminal: redirect stdout (> out.${OUTPUT_FORMATS[format].extension}) or use --out DIR`);
}

async function createSink(settings: PredictSettings, stems: readonly string[], single: boolean, stdout: NodeJS.WriteStream): Promise<ResultSink> {
  if (settings.outDir === undefined) return new StdoutSink(settings, single, stdout);
  const sink = new OutDirSink(settings.outDir, stems, settings);
  await sink.start();
  return sink;
}

function readInput(source: InputSource, settings: PredictSettings): Promise<Uint8Array> {
  if (source.kind === 'file') return readFile(source.path);
  return fetchImageBytes(source.url, settings.allowLoopback ? { allowLoopback: true } : {});
}

/** Lists failed inputs on stderr; the exit code says whether anything failed and how. */
function reportFailures(failures: readonly Failure[], attempted: number, stderr: NodeJS.WritableStream, model?: LoadedModel): ExitCode {
  if (failures.length === 0) return EXIT.OK;
  const total = attempted + failures.filter((failure) => failure.error === undefined).length;
  if (total === 1) {
    stderr.write(`maskserve: ${failures[0].label}: ${failures[0].reason}\n`);
  } else {
    stderr.write(`maskserve: ${failures.length} of ${total} inputs failed${model ? ` (model ${model.ref.id})` : ''}:\n`);
    for (const failure of failures) stderr.write(`  ${failure.label}: ${failure.reason}\n`);
  }
  // When nothing worked because of the model or a bug, say so rather than blaming the inputs.
  const codes = failures.map((failure) => (failure.error === undefined ? EXIT.INPUT_FAILED : inputExitCode(failure.error)));
  return failures.length === total && codes.every((code) => code === codes[0]) ? codes[0] : EXIT.INPUT_FAILED;
}

/** A malformed URL is a bad input here, not a bad option. */
function inputExitCode(error: unknown): ExitCode {
  const code = exitCodeFor(error);
  return code === EXIT.USAGE ? EXIT.INPUT_FAILED : code;
}
