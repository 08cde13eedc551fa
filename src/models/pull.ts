// `models pull` for every kind of catalog entry: ONNX files are downloaded and verified against
// the catalog; detectron2 zoo checkpoints are downloaded (verified against the sha256 recorded at
// their first download, if any), converted to ONNX in the cache, and the checkpoint is removed.
// With `int8`, the fp32 model is then quantized on the user's images into `<file>-int8.onnx`
// (never downloaded: int8 weights are made on the machine that will serve them).
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { convertDetectron2 } from '../convert/convert.js';
import { zooConfig } from '../convert/detectron2/zoo.js';
import { quantizeModel, type QuantizeOptions } from '../quantize/quantize.js';
import { cacheStatus, INT8_SUFFIX, modelCacheDir, quantizedModelPath, recordedCheckpointSha256, verifiedMarkerPath } from './cache.js';
import type { CatalogEntry, Detectron2CatalogEntry } from './catalog.js';
import { downloadFile, downloadModel, type DownloadOptions } from './download.js';

export interface PullOptions extends DownloadOptions {
  /** Called when a detectron2 checkpoint is downloaded and its conversion starts. */
  readonly onConvert?: () => void;
  /** Also make an int8 copy (`<ID>-int8`), calibrated on these images. */
  readonly int8?: Pick<QuantizeOptions, 'calibrate' | 'images' | 'onStage' | 'onImage'>;
}

/** Makes a catalog model ready in the cache; resolves to the path `--model ID` will load. */
export async function pullModel(entry: CatalogEntry, options: PullOptions = {}): Promise<string> {
  const fp32 = entry.kind === 'detectron2' ? await pullDetectron2(entry, options) : await downloadModel(entry, options);
  if (!options.int8) return fp32;
  const out = quantizedModelPath(entry, options.env, options.cacheDir);
  const result = await quantizeModel({ ...options.int8, model: fp32, out, id: `${entry.id}${INT8_SUFFIX}` });
  return result.onnxPath;
}

async function pullDetectron2(entry: Detectron2CatalogEntry, options: PullOptions): Promise<string> {
  const dir = options.cacheDir ?? modelCacheDir(options.env);
  const status = await cacheStatus(entry, { cacheDir: dir });
  if (status.state === 'ready') return status.path;
  const onnxPath = join(dir, entry.onnxFile);
  // Trust on first use: a card left from an earlier conversion pins the checkpoint's sha256.
  const pinned = await recordedCheckpointSha256(onnxPath);
  const { path: checkpoint } = await downloadFile({ id: entry.id, url: entry.url, file: entry.file, sha256: pinned }, options);
  options.onConvert?.();
  try {
    await convertDetectron2({
      checkpoint,
      sourceName: basename(new URL(entry.url).pathname),
      config: zooConfig(entry.backbone, `detectron2 model zoo ${entry.backbone}-FPN`),
      out: onnxPath,
      id: entry.id,
      cardExtras: { license: entry.license, url: entry.url, accuracy: entry.accuracy, description: entry.description },
    });
  } finally {
    await Promise.all([rm(checkpoint, { force: true }), rm(verifiedMarkerPath(checkpoint), { force: true })]);
  }
  return onnxPath;
}
