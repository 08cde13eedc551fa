// Builds the browser UI (web/) with Vite when it exists; the server falls back to its
// server-rendered page otherwise, so a missing UI never blocks start-up or tests.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

if (!existsSync('web/index.html')) {
  console.error('web/index.html not found: skipping the UI build');
  process.exit(0);
}
const result = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', 'web', '--logLevel', 'warn'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
