// File names for `predict --out DIR`: one `<stem>.png` + `<stem>.json` per input, stems made
// unique (`dog`, `dog-2`, ...) and never colliding with the run-level files or with an input.
import { basename, extname, join, resolve } from 'node:path';
import type { InputSource } from './predict-inputs.js';

export const RUN_FILES = Object.freeze({ cocoResults: 'coco-results.json', images: 'images.json' });

/** File name without extension; URLs use the last path segment. Unsafe characters become `_`. */
export function stemOf(source: InputSource): string {
  let name: string;
  if (source.kind === 'url') {
    try {
      name = decodeURIComponent(new URL(source.url).pathname.split('/').pop() ?? '');
    } catch {
      name = '';
    }
  } else {
    name = basename(source.path);
  }
  const stem = basename(name, extname(name)).replace(/[^\w.@+-]/g, '_').replace(/^\.+/, '');
  return stem === '' ? 'image' : stem;
}

/** One unique stem per source, in input order. Case-insensitive, for case-insensitive disks. */
export function assignOutputStems(sources: readonly InputSource[]): string[] {
  const taken = new Set(Object.values(RUN_FILES).map((file) => basename(file, '.json').toLowerCase()));
  return sources.map((source) => {
    const stem = stemOf(source);
    let candidate = stem;
    for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem}-${n}`;
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}

export function outputPaths(outDir: string, stem: string): { png: string; json: string } {
  return { png: join(outDir, `${stem}.png`), json: join(outDir, `${stem}.json`) };
}

/** The first input that a run writing into outDir would overwrite, if any. */
export function inputOverwrittenBy(outDir: string, sources: readonly InputSource[], stems: readonly string[]): string | undefined {
  const written = new Set<string>([...Object.values(RUN_FILES).map((file) => resolve(outDir, file))]);
  for (const stem of stems) {
    const { png, json } = outputPaths(resolve(outDir), stem);
    written.add(png).add(json);
  }
  const normalise = (path: string) => resolve(path).toLowerCase();
  const writtenLower = new Set([...written].map(normalise));
  const hit = sources.find((source) => source.kind === 'file' && writtenLower.has(normalise(source.path)));
  return hit?.label;
}
