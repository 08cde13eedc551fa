// What `maskserve predict` was given -> the list of images to process, in a stable order.
// Accepts files, directories (searched recursively), glob patterns (for shells that do not
// expand them, and for quoting) and http(s) URLs. Problems are collected, not thrown, so one
// bad argument does not stop a batch.
import { stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze(['jpg', 'jpeg', 'png', 'webp', 'gif', 'avif', 'tif', 'tiff']);
const IMAGE_GLOB = `**/*.{${IMAGE_EXTENSIONS.join(',')}}`;

export type InputSource =
  | { readonly kind: 'file'; readonly label: string; readonly path: string }
  | { readonly kind: 'url'; readonly label: string; readonly url: string };

export interface InputProblem {
  readonly label: string;
  readonly reason: string;
}

export interface ExpandedInputs {
  readonly sources: readonly InputSource[];
  readonly problems: readonly InputProblem[];
}

export function isUrlArgument(arg: string): boolean {
  return /^https?:\/\//i.test(arg);
}

export interface ExpandOptions {
  readonly cwd?: string;
  /**
   * Directory whose files directories and globs skip: `predict photos/ --out photos/results`
   * run twice must not segment its own annotated PNGs.
   */
  readonly excludeDir?: string;
}

export async function expandInputs(args: readonly string[], options: ExpandOptions = {}): Promise<ExpandedInputs> {
  const cwd = options.cwd ?? process.cwd();
  const excluded = options.excludeDir === undefined ? undefined : resolve(cwd, options.excludeDir) + sep;
  const sources: InputSource[] = [];
  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  const addFile = (path: string, label: string, searched = true) => {
    if (seen.has(path) || (searched && excluded !== undefined && path.startsWith(excluded))) return;
    seen.add(path);
    sources.push({ kind: 'file', label, path });
  };
  for (const arg of args) {
    if (isUrlArgument(arg)) {
      sources.push({ kind: 'url', label: arg, url: arg });
      continue;
    }
    const path = resolve(cwd, arg);
    const kind = await pathKind(path);
    if (kind === 'file') {
      // Named explicitly: no extension filter, content sniffing decides what it is.
      addFile(path, arg, false);
    } else if (kind === 'directory') {
      const found = await imagesUnder(path);
      if (found.length === 0) problems.push({ label: arg, reason: `no image files (${IMAGE_EXTENSIONS.join(', ')}) in this directory` });
      for (const file of found) addFile(file, displayPath(file, cwd));
    } else if (isDynamicPattern(arg)) {
      const found = await imagesMatching(arg, cwd);
      if (found.length === 0) problems.push({ label: arg, reason: 'the pattern matched no image files' });
      for (const file of found) addFile(file, displayPath(file, cwd));
    } else {
      problems.push({ label: arg, reason: 'no such file or directory' });
    }
  }
  return { sources, problems };
}

async function pathKind(path: string): Promise<'file' | 'directory' | undefined> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'directory' : 'file';
  } catch {
    return undefined;
  }
}

async function imagesUnder(dir: string): Promise<string[]> {
  const files = await glob(IMAGE_GLOB, { cwd: dir, absolute: true, onlyFiles: true, caseSensitiveMatch: false });
  return files.sort();
}

async function imagesMatching(pattern: string, cwd: string): Promise<string[]> {
  const files = await glob(pattern, { cwd, absolute: true, onlyFiles: true, expandDirectories: false });
  const extension = new RegExp(`\\.(${IMAGE_EXTENSIONS.join('|')})$`, 'i');
  return files.filter((file) => extension.test(file)).sort();
}

function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel.startsWith('..') ? file : rel;
}
