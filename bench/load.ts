// Load benchmark (not a test): the real server in its own process, driven over loopback by N
// concurrent clients that POST the same photo back to back for a fixed time, while a probe
// asks /healthz every 100 ms. Targets (issue "Availability under hostile load", demo model):
// OK/s at 64 clients >= 0.9 x the best level, every 503 answered in < 50 ms at p99, /healthz
// p99 < 100 ms. The load generator's own CPU share is printed: on 2 cores it competes with the
// server, so compare rows of one run only.
//   node --import tsx bench/load.ts [--model demo] [--seconds 20] [--clients 1,4,24,64]
//        [--image data/shapes-heldout/images/shapes_0000.jpg] [--megapixels N] [--baseline DIR]
//        [--honour-retry-after] [--server-env NAME=VALUE ...]
// --megapixels N: send the image scaled up to about N MP instead (JPEG q90), e.g. 39 for the
// "big images block the event loop" finding: /healthz then shows what the loop was blocked by.
// --baseline DIR: also run the server from another checkout (e.g. a `git worktree` of an older
// commit, with node_modules) and print its rows first, measured the same way in the same run.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { Agent, request } from 'undici';
import { startServe } from '../test-scale-out/harness.js';
import { percentile, printTable } from './table.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'demo' },
    seconds: { type: 'string', default: '20' },
    image: { type: 'string', default: `${root}data/shapes-heldout/images/shapes_0000.jpg` },
    megapixels: { type: 'string' },
    clients: { type: 'string', default: '1,4,24,64' },
    baseline: { type: 'string' },
    // Settings for the servers measured (e.g. MASKSERVE_MAX_QUEUE=16), repeatable.
    'server-env': { type: 'string', multiple: true, default: [] },
    // Clients that wait Retry-After (capped at 1 s) after a 503, as HTTP asks; the default
    // clients re-send at once (the hostile case the targets are about).
    'honour-retry-after': { type: 'boolean', default: false },
  },
});
const photo = values.megapixels === undefined ? await readFile(values.image) : await scaledTo(Number(values.megapixels), await readFile(values.image));
const seconds = Number(values.seconds);
const levels = values.clients.split(',').map(Number);
const serverEnv = Object.fromEntries(values['server-env'].map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));

interface LevelResult {
  readonly clients: number;
  readonly okPerSecond: number;
  readonly okP50: number;
  readonly refused: number;
  readonly refusedP50: number;
  readonly refusedP99: number;
  readonly failed: number;
  readonly healthP99: number;
  readonly healthMax: number;
  readonly generatorCpu: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
}

const rows: string[][] = [
  ['server', 'clients', 'OK/s', 'OK/s vs best', 'OK p50 ms', '503s', '503 p50 ms', '503 p99 ms', 'other', '/healthz p99 ms', '/healthz max ms', 'generator CPU', 'server RSS MB', 'server peak RSS MB'],
];
const servers: [string, string][] = [...(values.baseline ? [['baseline', values.baseline] as [string, string]] : []), ['this', root]];
for (const [name, dir] of servers) {
  const server = await startServer(dir);
  try {
    await runLevel(server.url, 1, 3); // warm-up: first requests pay lazy initialisation
    const results: LevelResult[] = [];
    for (const clients of levels) results.push({ ...(await runLevel(server.url, clients, seconds)), ...server.memoryMb() });
    const best = Math.max(...results.map((r) => r.okPerSecond));
    for (const r of results) {
      rows.push([
        name,
        String(r.clients),
        r.okPerSecond.toFixed(2),
        `${(r.okPerSecond / best).toFixed(2)}x`,
        r.okP50.toFixed(0),
        String(r.refused),
        r.refused ? r.refusedP50.toFixed(1) : '-',
        r.refused ? r.refusedP99.toFixed(1) : '-',
        String(r.failed),
        r.healthP99.toFixed(1),
        r.healthMax.toFixed(1),
        `${(r.generatorCpu * 100).toFixed(0)} %`,
        r.rssMb.toFixed(0),
        r.peakRssMb.toFixed(0),
      ]);
    }
  } finally {
    await server.stop();
  }
}
const sent = values.megapixels === undefined ? values.image.split('/').at(-1) : `${values.image.split('/').at(-1)} scaled to ${values.megapixels} MP, ${(photo.byteLength / 2 ** 20).toFixed(1)} MiB`;
printTable(`Load: POST /api/v1/segment (raw JPEG ${sent}), model ${values.model}, ${seconds} s per level, ${values['server-env'].length ? values['server-env'].join(' ') : 'default server settings'}; clients ${values['honour-retry-after'] ? 'wait Retry-After after a 503' : 're-send at once after a 503'}`, rows);
console.log('503s are refusals (QUEUE_FULL); "other" counts any other non-200 answer or transport error. Generator CPU: share of one core used by this process. Peak RSS: the server\'s high-water mark since it started (all levels so far).');

/** The image scaled up (same aspect ratio) to about `megapixels` MP. */
async function scaledTo(megapixels: number, image: Uint8Array): Promise<Buffer> {
  const { width = 1, height = 1 } = await sharp(image).metadata();
  const scale = Math.sqrt((megapixels * 1e6) / (width * height));
  return sharp(image, { limitInputPixels: false }).resize(Math.round(width * scale), Math.round(height * scale)).jpeg({ quality: 90 }).toBuffer();
}

/** `clients` loops posting back to back for `duration` s, plus a /healthz probe every 100 ms. */
async function runLevel(url: string, clients: number, duration: number): Promise<Omit<LevelResult, 'rssMb' | 'peakRssMb'>> {
  const dispatcher = new Agent({ connections: clients, pipelining: 1 });
  // The probe has its own connection, as a kubelet's would: it never waits for a client's.
  const probeDispatcher = new Agent({ connections: 1, pipelining: 1 });
  const okTimes: number[] = [];
  const refusedTimes: number[] = [];
  const healthTimes: number[] = [];
  let failed = 0;
  const startedAt = performance.now();
  const cpuBefore = process.cpuUsage();
  const endAt = startedAt + duration * 1000;

  const client = async (): Promise<void> => {
    while (performance.now() < endAt) {
      const t0 = performance.now();
      try {
        const response = await request(`${url}/api/v1/segment`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: photo, dispatcher });
        await response.body.arrayBuffer();
        const ms = performance.now() - t0;
        if (response.statusCode === 200) okTimes.push(ms);
        else if (response.statusCode === 503) {
          refusedTimes.push(ms);
          if (values['honour-retry-after']) await new Promise((resolve) => setTimeout(resolve, Math.min(1, Number(response.headers['retry-after']) || 1) * 1000));
        }
        else failed++;
      } catch {
        failed++;
      }
    }
  };
  const probe = async (): Promise<void> => {
    while (performance.now() < endAt) {
      const t0 = performance.now();
      const response = await request(`${url}/healthz`, { dispatcher: probeDispatcher });
      await response.body.arrayBuffer();
      healthTimes.push(performance.now() - t0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  await Promise.all([...Array.from({ length: clients }, client), probe()]);
  const elapsed = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await Promise.all([dispatcher.close(), probeDispatcher.close()]);
  return {
    clients,
    okPerSecond: okTimes.length / elapsed,
    okP50: percentile(okTimes, 0.5),
    refused: refusedTimes.length,
    refusedP50: percentile(refusedTimes, 0.5),
    refusedP99: percentile(refusedTimes, 0.99),
    failed,
    healthP99: percentile(healthTimes, 0.99),
    healthMax: Math.max(...healthTimes),
    generatorCpu: (cpu.user + cpu.system) / 1e6 / elapsed,
  };
}

async function startServer(dir: string): Promise<{ url: string; memoryMb: () => { rssMb: number; peakRssMb: number }; stop: () => Promise<unknown> }> {
  const server = await startServe({ dir, model: values.model, env: serverEnv });
  const statusKb = (field: string): number =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))?.[1] ?? 0);
  return {
    url: `http://127.0.0.1:${server.port}`,
    memoryMb: () => ({ rssMb: statusKb('VmRSS') / 1024, peakRssMb: statusKb('VmHWM') / 1024 }),
    stop: () => server.stop(),
  };
}

