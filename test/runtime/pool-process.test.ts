import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { promisify } from 'node:util';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

// Same start-up as bin/maskserve.js: tsx registered through its API in the main thread only.
const launcher = `
import { register } from 'tsx/esm/api';
register();
const { probe } = await import('./test/runtime/pool-probe.ts');
await probe();
`;

it('works in a process launched like bin/maskserve.js, and close() lets that process exit', async () => {
  // The safety timeout only bounds a hang; the test waits for the child's own exit.
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', launcher], {
    cwd: repoRoot,
    timeout: 120_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
  assert.ok(!result.execArgv.includes('--import'), 'tsx must not come from a loader flag that workers would inherit');
  assert.deepEqual(result.y, [4, 8, 12]);
  assert.equal(result.n, '15');
});
