// Runs every test/**/*.test.ts with node's built-in runner (Node 20's --test takes no globs).
// Usage: node scripts/run-tests.mjs [--dir test-parity] [substring filter...]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function listTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : listTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const args = process.argv.slice(2);
const dirFlag = args.indexOf('--dir');
const root = dirFlag >= 0 ? args.splice(dirFlag, 2)[1] : 'test';
const filters = args;
const files = listTests(root)
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// A short report (scripts/test-reporter.mjs): a line per file, failures in full, the totals.
// TEST_REPORTER=tap (or spec) gives node's own reporters instead.
const reporter = process.env.TEST_REPORTER ?? fileURLToPath(new URL('./test-reporter.mjs', import.meta.url));
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-reporter=${reporter}`, ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
