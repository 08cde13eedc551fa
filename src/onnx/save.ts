// Writes a model and its card so a crash or a full disk never leaves half a file under the final
// name: each goes to a temporary file in the same directory, is synced, then renamed; the model is
// removed again if its card cannot be written. Used by `models convert` and `models quantize`.
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { modelCardPath } from '../models/model-card.js';
import type { ModelCard } from '../types.js';
import { modelChunks, type ModelSpec } from './writer.js';

export async function saveModelWithCard(onnxPath: string, spec: ModelSpec, card: ModelCard): Promise<string> {
  const cardPath = modelCardPath(onnxPath);
  await writeAtomically(onnxPath, modelChunks(spec));
  try {
    await writeAtomically(cardPath, [new TextEncoder().encode(`${JSON.stringify(card, null, 2)}\n`)]);
  } catch (error) {
    await rm(onnxPath, { force: true });
    throw error;
  }
  return cardPath;
}

/** Writes `chunks` to `path` via a temporary file in the same directory and a rename. */
async function writeAtomically(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const handle = await open(temporary, 'w');
    try {
      for (const chunk of chunks) await handle.write(chunk);
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
