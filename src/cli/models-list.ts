// `maskserve models list`: the catalog plus the demo model, with what is on this machine.
import { stat } from 'node:fs/promises';
import { cacheStatus, modelCacheDir, recordedCheckpointSha256, type CacheState } from '../models/cache.js';
import { CATALOG_IDS, catalogEntry } from '../models/catalog.js';
import { DEMO_MODEL_ID, DEMO_MODEL_PATH } from '../models/resolve.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { formatTable } from './table.js';

export interface ModelListing {
  readonly id: string;
  readonly family: string;
  readonly bytes: number | null;
  readonly state: CacheState | 'bundled';
  readonly path: string;
  readonly license: string;
  readonly boxMap: number | null;
  readonly maskMap: number | null;
  readonly sha256: string | null;
  readonly url: string | null;
  readonly description: string;
}

export async function listModels(env: Readonly<Record<string, string | undefined>> = process.env): Promise<ModelListing[]> {
  const rows: ModelListing[] = [];
  for (const id of CATALOG_IDS) {
    const entry = catalogEntry(id);
    // No hashing here: listing must stay instant; a hand-copied file shows as `unverified`.
    const status = await cacheStatus(entry, { env, verify: false });
    rows.push({
      id,
      family: entry.family,
      // A detectron2 entry's size and sha256 are known once it has been downloaded (and converted).
      bytes: entry.kind === 'onnx' ? entry.bytes : status.state === 'ready' ? status.bytes : null,
      state: status.state,
      path: status.path,
      license: entry.license,
      boxMap: entry.accuracy.boxMap,
      maskMap: entry.accuracy.maskMap ?? null,
      sha256: entry.kind === 'onnx' ? entry.sha256 : ((await recordedCheckpointSha256(status.path)) ?? null),
      url: entry.url,
      description: entry.description,
    });
  }
  const demoBytes = await stat(DEMO_MODEL_PATH).then((info) => info.size, () => null);
  rows.push({
    id: DEMO_MODEL_ID,
    family: 'maskrcnn',
    bytes: demoBytes,
    state: demoBytes === null ? 'missing' : 'bundled',
    path: DEMO_MODEL_PATH,
    license: 'Apache-2.0 (trained for maskserve)',
    boxMap: null,
    maskMap: null,
    sha256: null,
    url: null,
    description: 'Small Mask R-CNN trained on synthetic shapes; works offline, not on real photos.',
  });
  return rows;
}

export async function runModelsList(flags: { json?: boolean }, stdout: NodeJS.WritableStream = process.stdout): Promise<ExitCode> {
  const rows = await listModels();
  if (flags.json) {
    stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return EXIT.OK;
  }
  const table = formatTable(
    ['ID', 'SIZE', 'STATE', 'BOX AP', 'MASK AP', 'DESCRIPTION'],
    rows.map((row) => [
      row.id,
      row.bytes === null ? '-' : `${(row.bytes / 1e6).toFixed(1)} MB`,
      row.state,
      row.boxMap === null ? '-' : row.boxMap.toFixed(3),
      row.maskMap === null ? '-' : row.maskMap.toFixed(3),
      row.description,
    ]),
  );
  stdout.write(`${table}\nCache: ${modelCacheDir()}\nStates: ready = downloaded and verified; partial = run \`maskserve models pull ID\` to resume.\n`);
  return EXIT.OK;
}
