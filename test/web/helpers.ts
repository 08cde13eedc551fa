// Fixtures for the browser UI tests: a fresh UI build when the sources changed, a real server
// (buildApp + worker pool + the demo model) on a loopback port, and a headless Chromium.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { loadModel } from '../../src/pipeline.js';
import { createInferencePool, type InferencePool } from '../../src/runtime/worker-pool.js';
import { buildApp } from '../../src/server/app.js';
import { loadServerConfig } from '../../src/server/config.js';
import { samplesRoutes } from '../../src/server/routes/samples.js';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;
export const WEB_DIST = join(REPO_ROOT, 'web/dist');
export const HELDOUT_DIR = join(REPO_ROOT, 'data/shapes-heldout/images');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * Builds web/dist when it is missing or older than the sources. Test files run in parallel, so
 * each builds into its own folder and swaps it in: a reader never sees a half-written dist.
 */
export function ensureWebBuild(): void {
  const built = join(WEB_DIST, 'index.html');
  const sources = Math.max(newestMtime(join(REPO_ROOT, 'web/src')), newestMtime(join(REPO_ROOT, 'web/index.html')));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  const staging = join(REPO_ROOT, `web/.dist-${process.pid}`);
  const vite = join(REPO_ROOT, 'node_modules/vite/bin/vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', 'web', '--outDir', staging, '--emptyOutDir', '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the web UI build failed');
  rmSync(WEB_DIST, { recursive: true, force: true });
  try {
    renameSync(staging, WEB_DIST);
  } catch (error) {
    // Another test file swapped in its identical build first: keep that one.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(built)) throw error;
  }
}

export interface RunningUi {
  readonly app: FastifyInstance;
  readonly pool: InferencePool;
  readonly baseUrl: string;
  close(): Promise<void>;
}

/**
 * The real server wiring with the demo model, listening on 127.0.0.1:<random port>.
 * `allowLoopback` is the test-only fetch policy that lets URL inputs reach a local image server.
 */
export async function startUiServer(options: { allowLoopback?: boolean } = {}): Promise<RunningUi> {
  const pool = createInferencePool({ workers: 1, intraOpThreads: 1, maxQueue: 8 });
  try {
    const model = await loadModel('demo', { pool });
    const app = await buildApp({
      models: [model],
      pool,
      config: loadServerConfig({}, { webRoot: WEB_DIST }),
      fetchPolicy: { allowLoopback: options.allowLoopback ?? false },
    });
    // The lead registers the samples routes in app.ts; until then the test adds them itself.
    if (!app.hasRoute({ method: 'GET', url: '/api/v1/samples' })) await app.register(samplesRoutes);
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    return {
      app,
      pool,
      baseUrl,
      close: async () => {
        await app.close();
        await pool.close();
      },
    };
  } catch (error) {
    await pool.close();
    throw error;
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
