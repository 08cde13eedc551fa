// `maskserve models quantize MODEL --calibrate DIR|GLOB`: an fp32 ONNX model -> MODEL-int8.onnx +
// card. Progress per calibration image on stderr, the new model's path on stdout.
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CALIBRATION_METHODS,
  DEFAULT_CALIBRATION_IMAGES,
  MAX_CALIBRATION_IMAGES,
  MIN_CALIBRATION_IMAGES,
} from '../quantize/calibration-settings.js';
import { quantizeModel, type QuantizeStage } from '../quantize/quantize.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { integerFlag, numberFlag, oneOfFlag } from './flag-values.js';
import { createItemProgress, type ItemProgress } from './progress.js';

export interface QuantizeFlags {
  readonly calibrate: string;
  readonly images?: string;
  readonly method?: string;
  readonly percentile?: string;
  readonly out?: string;
  readonly family?: string;
  readonly keepFloat?: string;
  readonly fp32RoiFeatures?: boolean;
}

export interface QuantizeIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream;
}

const STAGES: Readonly<Record<QuantizeStage, string>> = Object.freeze({
  read: 'reading the model',
  calibrate: 'calibrating activation ranges',
  write: 'writing the int8 model',
});

export async function runModelsQuantize(model: string, flags: QuantizeFlags, io: QuantizeIo = process): Promise<ExitCode> {
  const images = flags.images === undefined ? DEFAULT_CALIBRATION_IMAGES : integerFlag(flags.images, '--images', MIN_CALIBRATION_IMAGES, MAX_CALIBRATION_IMAGES);
  const method = flags.method === undefined ? undefined : oneOfFlag(CALIBRATION_METHODS, flags.method, '--method');
  const percentile = flags.percentile === undefined ? undefined : numberFlag(flags.percentile, '--percentile', 90, 100, true);
  const keepFloat = flags.keepFloat?.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const started = performance.now();
  let progress: ItemProgress | undefined;
  try {
    const result = await quantizeModel({
      model,
      calibrate: flags.calibrate,
      images,
      ...(method ? { method } : {}),
      ...(percentile === undefined ? {} : { percentile }),
      ...(flags.out === undefined ? {} : { out: flags.out }),
      ...(flags.family === undefined ? {} : { family: flags.family }),
      plan: { ...(keepFloat ? { keepFloat } : {}), ...(flags.fp32RoiFeatures ? { floatRoiAlignInputs: true } : {}) },
      onStage: (stage) => {
        progress?.stop();
        io.stderr.write(`maskserve: ${STAGES[stage]}...\n`);
      },
      onImage: (done, total, file) => {
        progress ??= createItemProgress('calibrate', total, io.stderr);
        progress.tick(basename(file), true);
      },
    });
    progress?.stop();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const q = result.card.quantization as { quantizedLayers: number; calibrationImages: number; method: string };
    io.stderr.write(
      `maskserve: quantized in ${seconds} s: ${q.quantizedLayers} layers int8, ${result.plan.keptFloat.length} kept fp32, ` +
        `${q.calibrationImages} calibration images (${q.method}); card ${result.cardPath}\n`,
    );
    io.stderr.write(`maskserve: serve it with \`maskserve serve --model ${result.onnxPath}\`\n`);
    io.stdout.write(`${result.onnxPath}\n`);
    return EXIT.OK;
  } finally {
    progress?.stop();
  }
}
