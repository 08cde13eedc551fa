// `npm run bench`: every benchmark under bench/, one after another, each in its own process so
// one run's workers, sessions and heap never colour the next one's timings or RSS.
// Arguments after `--` go to every script (e.g. `npm run bench -- --model demo`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHMARKS = ['segment.ts', 'batch-predict.ts', 'load.ts'];
const extraArgs = process.argv.slice(2);

let failed = 0;
for (const script of BENCHMARKS) {
  const path = fileURLToPath(new URL(script, import.meta.url));
  process.stdout.write(`\n## bench/${script}\n\n`);
  const { status, signal } = spawnSync(process.execPath, ['--import', 'tsx', path, ...extraArgs], { stdio: 'inherit' });
  if (status !== 0) {
    failed++;
    process.stderr.write(`bench/${script} failed (${signal ?? `exit ${status}`})\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
