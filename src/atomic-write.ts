// The one way maskserve writes a file that others read (models, cards, merged results).
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `chunks` (bytes, or text as UTF-8) to `path` via a temporary file in the same directory,
 * synced, then renamed: a crash or a full disk never leaves half a file under the final name, and
 * the temporary file is removed on failure.
 */
export async function writeAtomically(path: string, chunks: readonly (Uint8Array | string)[]): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const handle = await open(temporary, 'w');
    try {
      for (const chunk of chunks) await handle.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
