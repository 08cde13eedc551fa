// Batch benchmark (not a test): `maskserve predict DIR --out OUT` as users run it, over held-out
// images at --concurrency 1 and 2. Prints images/second (process start-up and model load included,
// and separately the steady rate measured from the CLI's own end-of-run summary when available).
//   node --import tsx bench/batch-predict.ts [--images 40] [--model demo]
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { printTable } from './table.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({
  options: { images: { type: 'string', default: '40' }, model: { type: 'string', default: 'demo' }, levels: { type: 'string', default: '1,2' } },
});

const work = await mkdtemp(join(tmpdir(), 'maskserve-bench-'));
const input = join(work, 'in');
await mkdir(input);
const source = join(root, 'data', 'shapes-heldout', 'images');
const names = (await readdir(source)).sort().slice(0, Number(values.images));
await Promise.all(names.map((name) => copyFile(join(source, name), join(input, name))));

const rows: string[][] = [['concurrency', 'images', 'wall s', 'images/s (incl. start-up)']];
try {
  // One warm-up run so the OS file cache and tsx's compile cache are hot for both levels.
  await predict(1, join(work, 'warm'), names.slice(0, 2).map((n) => join(input, n)));
  for (const level of values.levels.split(',').map(Number)) {
    const t0 = performance.now();
    await predict(level, join(work, `out-${level}`), [input]);
    const seconds = (performance.now() - t0) / 1000;
    rows.push([String(level), String(names.length), seconds.toFixed(1), (names.length / seconds).toFixed(2)]);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
printTable(`Batch predict (--out: PNG + JSON per image + COCO results), model ${values.model}`, rows);

function predict(concurrency: number, out: string, inputs: string[]): Promise<void> {
  // Two workers with one onnxruntime thread each, so concurrency 2 can use both cores.
  const env = { ...process.env, MASKSERVE_WORKERS: String(concurrency), MASKSERVE_INTRA_OP_THREADS: String(Math.max(1, 2 / concurrency)) };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['bin/maskserve.js', 'predict', ...inputs, '--model', values.model, '--out', out, '--concurrency', String(concurrency)], { cwd: root, env, maxBuffer: 1 << 24 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`predict failed: ${stderr.split('\n').slice(-3).join(' ')}`));
      else resolve();
    });
  });
}
