// `maskserve serve` wiring: flags reach startServer, the server answers, SIGTERM ends it with 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, childEnv, createWorkspace, type Workspace } from './helpers.js';

describe('maskserve serve', () => {
  let ws: Workspace;
  before(async () => {
    ws = await createWorkspace();
  });
  after(() => ws.cleanup());

  it('logs readable lines with LOG_FORMAT=pretty (the default on a terminal), JSON otherwise', async () => {
    const env = childEnv({ MASKSERVE_CACHE_DIR: ws.cacheDir, LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/maskserve.js'), 'serve', '--port', '0', '--host', '127.0.0.1', '--model', ws.modelPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'exit');
    try {
      const lines: string[] = [];
      for await (const line of createInterface({ input: child.stdout })) {
        lines.push(line);
        if (line.includes('maskserve ready at')) break;
      }
      assert.match(lines.at(-1) ?? '', /^\[\d\d:\d\d:\d\d\] INFO: maskserve ready at http:\/\/127\.0\.0\.1:\d+ \(model oracle-maskrcnn\)/);
      assert.ok(lines.every((line) => !line.startsWith('{')), lines.join('\n'));
      child.kill('SIGTERM');
      assert.equal((await exited)[0], 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('listens on the requested host and port with the requested model, and stops on SIGTERM', async () => {
    const env = childEnv({ MASKSERVE_CACHE_DIR: ws.cacheDir, PORT: '1', LOG_LEVEL: 'info' });
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/maskserve.js'), 'serve', '--port', '0', '--host', '127.0.0.1', '--model', ws.modelPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'exit');
    try {
      // The server logs one JSON line per event; wait for the one announcing readiness.
      let url: string | undefined;
      for await (const line of createInterface({ input: child.stdout })) {
        const match = /maskserve ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (match) {
          url = match[1];
          break;
        }
      }
      assert.ok(url, 'the server announced its URL');
      assert.notEqual(new URL(url).port, '1', '--port wins over PORT');
      const models = (await (await fetch(`${url}/api/v1/models`)).json()) as unknown;
      assert.match(JSON.stringify(models), /oracle-maskrcnn/);
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
