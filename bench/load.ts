// Load benchmark (not a test): the real server in its own process, driven by autocannon over
// loopback at 1, 2, 4 and 8 concurrent clients. Prints throughput, p50/p99 latency, errors and
// server RSS, and the ratio of end-to-end latency to bare session.run time.
//   node --import tsx bench/load.ts [--model demo] [--seconds 15] [--image data/shapes-heldout/images/shapes_0000.jpg]
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadModel } from '../src/pipeline.js';
import { decodeImage } from '../src/input/decode.js';
import { createInferencePool } from '../src/runtime/worker-pool.js';
import { median, printTable } from './table.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'demo' },
    seconds: { type: 'string', default: '15' },
    image: { type: 'string', default: `${root}data/shapes-heldout/images/shapes_0000.jpg` },
    clients: { type: 'string', default: '1,2,4,8' },
  },
});
const photo = await readFile(values.image);

const bareRunMs = await measureBareRun();
const server = await startServer();
const rows: string[][] = [['clients', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'server RSS MB', 'p50 / run']];
try {
  for (const clients of values.clients.split(',').map(Number)) {
    const result = await autocannon({
      url: `${server.url}/api/v1/segment?maskFormat=rle`,
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: photo,
      connections: clients,
      duration: Number(values.seconds),
    });
    rows.push([
      String(clients),
      result.requests.average.toFixed(1),
      result.latency.p50.toFixed(0),
      result.latency.p99.toFixed(0),
      String(result.non2xx + result.errors),
      (server.rssBytes() / 2 ** 20).toFixed(0),
      (result.latency.p50 / bareRunMs).toFixed(2),
    ]);
  }
} finally {
  server.stop();
}
printTable(`Load: POST /api/v1/segment (raw JPEG body), model ${values.model}, ${values.seconds} s per level; bare session.run median ${bareRunMs.toFixed(1)} ms`, rows);
console.log('p50 / run > clients at saturation is queueing: one worker serves one request at a time by default (MASKSERVE_WORKERS).');

/** Median of session.run alone on the same image, in this process (the server is not running yet). */
async function measureBareRun(): Promise<number> {
  const pool = createInferencePool();
  try {
    const model = await loadModel(values.model, { pool });
    const { feeds } = model.adapter.preprocess(await decodeImage(photo));
    const times: number[] = [];
    for (let i = 0; i < 25; i++) {
      const copy = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, { ...t, data: t.data.slice() }]));
      const t0 = performance.now();
      await model.session.run(copy);
      if (i >= 5) times.push(performance.now() - t0);
    }
    return median(times);
  } finally {
    await pool.close();
  }
}

async function startServer(): Promise<{ url: string; rssBytes: () => number; stop: () => void }> {
  const child = spawn(process.execPath, ['bin/maskserve.js', 'serve', '--port', '0', '--host', '127.0.0.1', '--model', values.model], {
    cwd: root,
    env: { ...process.env, MASKSERVE_MAX_QUEUE: '64' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        const match = /maskserve ready at (http:\/\/[^\s"]+)/.exec(line);
        if (match) resolve(match[1].replace(/\/$/, ''));
      });
    }
  });
  return {
    url,
    rssBytes: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    stop: () => child.kill('SIGTERM'),
  };
}
