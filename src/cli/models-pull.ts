// `maskserve models pull ID [--int8 --calibrate DIR]`: download + verify into the cache (and make
// the int8 copy), progress on stderr, path on stdout.
import { basename } from 'node:path';
import { MaskserveError } from '../errors.js';
import { catalogEntry } from '../models/catalog.js';
import { pullModel } from '../models/pull.js';
import { EXIT, UsageError, type ExitCode } from './exit-codes.js';
import { createByteProgress, createItemProgress, type ItemProgress } from './progress.js';
import { integerFlag } from './flag-values.js';
import { INT8_SUFFIX } from '../models/cache.js';
import { DEFAULT_CALIBRATION_IMAGES, MAX_CALIBRATION_IMAGES, MIN_CALIBRATION_IMAGES } from '../quantize/calibration-settings.js';

export interface PullIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream;
}

export interface PullFlags {
  readonly mirror?: string;
  readonly int8?: boolean;
  readonly calibrate?: string;
  readonly images?: string;
}

export async function runModelsPull(id: string, flags: PullFlags, io: PullIo = process): Promise<ExitCode> {
  const entry = catalogEntry(id);
  if (flags.int8 && flags.calibrate === undefined) {
    throw new UsageError(`--int8 needs --calibrate DIR|GLOB: ${DEFAULT_CALIBRATION_IMAGES} or more photos like those you will serve (the int8 model is made on this machine)`);
  }
  if (!flags.int8 && (flags.calibrate !== undefined || flags.images !== undefined)) throw new UsageError('--calibrate and --images only apply with --int8');
  const images = flags.images === undefined ? undefined : integerFlag(flags.images, '--images', MIN_CALIBRATION_IMAGES, MAX_CALIBRATION_IMAGES);
  let calibration: ItemProgress | undefined;
  const progress = createByteProgress(`pull ${id}`, io.stderr);
  // Ctrl-C keeps the .part file so the next pull resumes instead of starting over.
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  try {
    let converted = false;
    const path = await pullModel(entry, {
      ...(flags.mirror === undefined ? {} : { baseUrl: flags.mirror }),
      onProgress: (received, total) => progress.update(received, total),
      onConvert: () => {
        progress.stop();
        converted = true;
        io.stderr.write(`maskserve: converting ${id} to ONNX (detectron2 checkpoint, no Python needed)...\n`);
      },
      signal: controller.signal,
      ...(flags.int8 && flags.calibrate !== undefined
        ? {
            int8: {
              calibrate: flags.calibrate,
              ...(images === undefined ? {} : { images }),
              onStage: (stage) => {
                progress.stop();
                if (stage === 'calibrate') io.stderr.write(`maskserve: quantizing ${id} to int8 on your calibration images...\n`);
              },
              onImage: (done, total, file) => {
                calibration ??= createItemProgress('calibrate', total, io.stderr);
                calibration.tick(basename(file), true);
              },
            },
          }
        : {}),
    });
    progress.stop();
    calibration?.stop();
    io.stderr.write(
      converted
        ? `maskserve: ${id} is ready (checkpoint sha256 recorded in its card and required from now on)\n`
        : `maskserve: ${id} is ready (sha256 verified)\n`,
    );
    if (flags.int8) io.stderr.write(`maskserve: ${id}${INT8_SUFFIX} is ready: use it with \`--model ${id}${INT8_SUFFIX}\`\n`);
    io.stdout.write(`${path}\n`);
    return EXIT.OK;
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    throw new MaskserveError('DOWNLOAD_FAILED', `Download of ${id} interrupted; the partial file is kept: run the same command again to resume`);
  } finally {
    progress.stop();
    calibration?.stop();
    process.off('SIGINT', onSignal);
  }
}
