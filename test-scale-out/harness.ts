// Scale-out on one machine: maskserve replicas (the real `serve` command, demo model) on loopback
// ports behind HAProxy (Debian's, config deploy/haproxy/haproxy.cfg), and closed-loop clients
// that honour Retry-After. Used by test-scale-out/haproxy.test.ts (short) and bench/scale-out.ts (the table).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const HAPROXY_CONFIG = `${REPO_ROOT}deploy/haproxy/haproxy.cfg`;

export interface Process {
  readonly port: number;
  readonly child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    const ready = await request(`${url}/readyz`).then(
      async (response) => (await response.body.dump(), response.statusCode === 200),
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100)); // polling a child process's port
  }
}

function wrap(child: ChildProcess, port: number): Process {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    port,
    child,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface ServeOptions {
  /** The checkout to run (bench/load.ts --baseline runs an older one). */
  readonly dir?: string;
  readonly port?: number;
  readonly model?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * `maskserve serve` on 127.0.0.1, resolved once /readyz answers 200. LOG_LEVEL=warn: per-request
 * log lines would cost the server CPU under load (and the silent ready line is why /readyz is polled).
 */
export async function startServe({ dir = REPO_ROOT, port, model = 'demo', env = {} }: ServeOptions = {}): Promise<Process> {
  const chosen = port ?? (await freePort());
  const child = spawn(process.execPath, ['bin/maskserve.js', 'serve', '--port', String(chosen), '--host', '127.0.0.1', '--model', model], {
    cwd: dir,
    env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitReady(`http://127.0.0.1:${chosen}`, child);
  return wrap(child, chosen);
}

/** One replica: `maskserve serve --model demo`, one worker with `threads` onnxruntime threads. */
export function startReplica(port?: number, threads = 1, env: Readonly<Record<string, string>> = {}): Promise<Process> {
  return startServe({ ...(port === undefined ? {} : { port }), env: { MASKSERVE_WORKERS: '1', MASKSERVE_INTRA_OP_THREADS: String(threads), ...env } });
}

/** HAProxy in the foreground with the project's config, in front of exactly three replicas. */
export async function startHaproxy(replicaPorts: readonly [number, number, number]): Promise<Process> {
  const port = await freePort();
  const child = spawn('haproxy', ['-db', '-f', HAPROXY_CONFIG], {
    env: {
      ...process.env,
      LB_BIND: `127.0.0.1:${port}`,
      REPLICA_1: `127.0.0.1:${replicaPorts[0]}`,
      REPLICA_2: `127.0.0.1:${replicaPorts[1]}`,
      REPLICA_3: `127.0.0.1:${replicaPorts[2]}`,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitReady(`http://127.0.0.1:${port}`, child);
  return wrap(child, port);
}

export interface LoadOutcome {
  /** Requests that ended 200 (after any retries). */
  readonly ok: number;
  /** 503 answers with Retry-After that the client then retried. */
  readonly retried: number;
  /** Anything else: other statuses, 503 without Retry-After, transport errors. */
  readonly failed: string[];
  readonly seconds: number;
}

/** `clients` closed loops POSTing `body` until `seconds` pass; a started request always ends. */
export async function runClients(url: string, body: Uint8Array, clients: number, seconds: number): Promise<LoadOutcome> {
  const dispatcher = new Agent({ connections: clients });
  let ok = 0;
  let retried = 0;
  const failed: string[] = [];
  const started = performance.now();
  const endAt = started + seconds * 1000;
  const one = async (): Promise<void> => {
    for (;;) {
      let response;
      try {
        response = await request(`${url}/api/v1/segment`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body, dispatcher });
        await response.body.dump();
      } catch (error) {
        failed.push(`transport: ${(error as Error).message}`);
        return;
      }
      if (response.statusCode === 200) {
        ok++;
        return;
      }
      const retryAfter = Number(response.headers['retry-after']);
      if (response.statusCode !== 503 || !(retryAfter > 0)) {
        failed.push(`status ${response.statusCode}`);
        return;
      }
      retried++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 1) * 1000)); // Retry-After, capped
    }
  };
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < endAt) await one();
    }),
  );
  await dispatcher.close();
  return { ok, retried, failed, seconds: (performance.now() - started) / 1000 };
}

/** 503 answers a replica has sent so far on POST /api/v1/segment (from its /metrics). */
export async function refusalsSent(port: number): Promise<number> {
  const response = await request(`http://127.0.0.1:${port}/metrics`);
  const text = await response.body.text();
  const line = text.split('\n').find((l) => l.startsWith('maskserve_http_requests_total{') && l.includes('route="/api/v1/segment"') && l.includes('status="503"'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}
