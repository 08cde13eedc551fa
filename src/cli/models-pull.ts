// `maskserve models pull ID`: download + verify into the cache, progress on stderr, path on stdout.
import { MaskserveError } from '../errors.js';
import { catalogEntry } from '../models/catalog.js';
import { pullModel } from '../models/pull.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { createByteProgress } from './progress.js';

export interface PullIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream;
}

export async function runModelsPull(id: string, flags: { mirror?: string }, io: PullIo = process): Promise<ExitCode> {
  const entry = catalogEntry(id);
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
    });
    progress.stop();
    io.stderr.write(
      converted
        ? `maskserve: ${id} is ready (checkpoint sha256 recorded in its card and required from now on)\n`
        : `maskserve: ${id} is ready (sha256 verified)\n`,
    );
    io.stdout.write(`${path}\n`);
    return EXIT.OK;
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    throw new MaskserveError('DOWNLOAD_FAILED', `Download of ${id} interrupted; the partial file is kept: run the same command again to resume`);
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
  }
}
