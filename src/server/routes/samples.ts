// Sample images for the browser UI's one-click examples: GET /api/v1/samples lists a dozen
// held-out images (never training images, so the demo is honest), GET /samples/:name serves one.
// The name is validated twice: by pattern (no separators, no dot-only names) and by resolving it
// inside the folder, so no request can read a file outside it.
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { MaskserveError } from '../../errors.js';

export const DEFAULT_SAMPLES_DIR = fileURLToPath(new URL('../../../data/shapes-heldout/images/', import.meta.url));
export const SAMPLE_NAME = /^[\w.-]+\.(jpg|png)$/;
const DEFAULT_LIMIT = 12;

const MEDIA_TYPES: Readonly<Record<string, string>> = Object.freeze({ jpg: 'image/jpeg', png: 'image/png' });

export interface SamplesOptions {
  /** Folder of sample images (default: data/shapes-heldout/images). */
  readonly dir?: string;
  /** How many images the list offers (the first ones by name). */
  readonly limit?: number;
}

export interface SampleEntry {
  readonly name: string;
  readonly url: string;
}

/** The first `limit` valid image names in `dir`, sorted; an absent folder is an empty list. */
export async function listSamples(dir: string, limit = DEFAULT_LIMIT): Promise<SampleEntry[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return []; // e.g. a container image built without the data folder: the UI just hides samples
  }
  return entries
    .filter((entry) => entry.isFile() && isSampleName(entry.name))
    .map((entry) => entry.name)
    .sort()
    .slice(0, limit)
    .map((name) => ({ name, url: `/samples/${encodeURIComponent(name)}` }));
}

/** An image name without any path part; hidden (dot) files are never samples. */
export function isSampleName(name: string): boolean {
  return SAMPLE_NAME.test(name) && !name.startsWith('.');
}

/** Absolute path of `name` inside `dir`, or a coded error; never a path outside `dir`. */
export function samplePath(dir: string, name: string): string {
  if (!isSampleName(name)) {
    throw new MaskserveError('INVALID_REQUEST', `Expected a sample file name like "shapes_0000.jpg" for name but received ${JSON.stringify(name.slice(0, 80))}`);
  }
  const root = resolve(dir);
  const path = resolve(root, name);
  if (!path.startsWith(root + sep) || basename(path) !== name) {
    throw new MaskserveError('NOT_FOUND', `No sample named ${JSON.stringify(name)}`);
  }
  return path;
}

const SampleList = {
  type: 'object',
  properties: {
    samples: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' }, url: { type: 'string' } }, required: ['name', 'url'] },
    },
  },
  required: ['samples'],
} as const;

export const samplesRoutes: FastifyPluginAsync<SamplesOptions> = async (app, options) => {
  const dir = options.dir ?? DEFAULT_SAMPLES_DIR;
  const limit = options.limit ?? DEFAULT_LIMIT;

  app.get(
    '/api/v1/samples',
    { schema: { tags: ['samples'], summary: 'Sample images for trying the service', response: { 200: SampleList } } },
    async (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return { samples: await listSamples(dir, limit) };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/samples/:name',
    { schema: { tags: ['samples'], summary: 'One sample image', hide: true } },
    async (request, reply) => {
      const path = samplePath(dir, request.params.name);
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch {
        throw new MaskserveError('NOT_FOUND', `No sample named ${JSON.stringify(request.params.name)}`);
      }
      const extension = path.slice(path.lastIndexOf('.') + 1);
      // Samples never change while a server runs; an hour of caching keeps the picker snappy.
      return reply.header('cache-control', 'public, max-age=3600').type(MEDIA_TYPES[extension] ?? 'application/octet-stream').send(bytes);
    },
  );
};
