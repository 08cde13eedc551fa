// Writes a model and its card so a crash or a full disk never leaves half a file under the final
// name: each goes to a temporary file in the same directory, is synced, then renamed; the model is
// removed again if its card cannot be written. Used by `models convert` and `models quantize`.
import { rm } from 'node:fs/promises';
import { writeAtomically } from '../atomic-write.js';
import { modelCardPath } from '../models/model-card.js';
import type { ModelCard } from '../types.js';
import { modelChunks, type ModelSpec } from './writer.js';

export async function saveModelWithCard(onnxPath: string, spec: ModelSpec, card: ModelCard): Promise<string> {
  const cardPath = modelCardPath(onnxPath);
  await writeAtomically(onnxPath, modelChunks(spec));
  try {
    await writeAtomically(cardPath, [`${JSON.stringify(card, null, 2)}\n`]);
  } catch (error) {
    await rm(onnxPath, { force: true });
    throw error;
  }
  return cardPath;
}
