// Runs the real `maskserve` executable as a subprocess (what users run), against fixtures made
// here: an oracle Mask R-CNN graph (fixed detections), generated images, a temp cache dir.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { buildMaskRcnnOracle, rectMask28 } from '../helpers/oracle-models.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'maskserve.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly text: string;
}

/** `maskserve ...args`; the environment is clean of MASKSERVE_* and points the cache at `cacheDir`. */
export function maskserve(args: readonly string[], options: { env?: Record<string, string>; cwd?: string; cacheDir?: string } = {}): Promise<CliResult> {
  const env = childEnv({ MASKSERVE_CACHE_DIR: options.cacheDir ?? join(tmpdir(), 'maskserve-cli-no-cache'), ...options.env });
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, env, encoding: 'buffer', maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr: stderr.toString('utf8'), text: stdout.toString('utf8') });
    });
  });
}

/** This process's environment without MASKSERVE_* settings, one small inference worker, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MASKSERVE_') && value !== undefined) env[key] = value;
  // Tests share two cores with everything else.
  return { ...env, MASKSERVE_WORKERS: '1', MASKSERVE_INTRA_OP_THREADS: '1', ...extra };
}

export interface Workspace {
  readonly dir: string;
  readonly modelPath: string;
  readonly cacheDir: string;
  /** Writes a solid-colour image; the format follows the extension (png, jpg). */
  image(name: string, width?: number, height?: number): Promise<string>;
  cleanup(): Promise<void>;
}

/**
 * The oracle always reports a person and a dog (boxes in network pixels; a 640x480 image is
 * resized by 800/480, so they land at about [48,48,336,336] and [360,120,540,420]).
 */
export async function createWorkspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'maskserve-cli-test-'));
  const square = rectMask28({ x0: 4, y0: 4, x1: 24, y1: 24 });
  const model = buildMaskRcnnOracle({
    boxes: [
      [80, 80, 560, 560],
      [600, 200, 900, 700],
    ],
    labels: [1, 17],
    scores: [0.95, 0.8],
    masks: [square, square],
  });
  const modelPath = join(dir, 'oracle-maskrcnn.onnx');
  await writeFile(modelPath, model);
  return {
    dir,
    modelPath,
    cacheDir: join(dir, 'cache'),
    async image(name, width = 640, height = 480) {
      const path = join(dir, name);
      const base = sharp({ create: { width, height, channels: 3, background: { r: 90, g: 140, b: 200 } } });
      await (name.endsWith('.png') ? base.png() : base.jpeg()).toFile(path);
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** stderr must be exactly one line (no stack traces). */
export function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got:\n${stderr}`);
  return lines[0];
}

/** Parses argv with the real command tree in this process (for option handling and help texts). */
export async function runInProcess(argv: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  const { runCli } = await import('../../src/cli/program.js');
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) => ({ write: (chunk: string | Uint8Array) => (append(String(chunk)), true) }) as unknown as NodeJS.WritableStream;
  const code = await runCli(argv, { stdout: sink((t) => (stdout += t)), stderr: sink((t) => (stderr += t)), env });
  return { code, stdout, stderr };
}
