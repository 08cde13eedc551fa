// The server as a subprocess: its JSON log lines, and a way to wait for one of them.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface LogLine {
  readonly msg?: string;
  readonly url?: string;
  readonly req?: { url?: string };
  readonly [key: string]: unknown;
}

/** Collects the child's JSON log lines and lets a test wait for one matching a predicate. */
export function logWatcher(child: ChildProcessWithoutNullStreams) {
  const lines: LogLine[] = [];
  const waiters: { test: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text };
    }
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  return {
    lines,
    next(test: (line: LogLine) => boolean): Promise<LogLine> {
      const seen = lines.find(test);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ test, resolve }));
    },
  };
}


export interface ServerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly log: ReturnType<typeof logWatcher>;
  readonly baseUrl: string;
  readonly port: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/** `npm start`'s entry point on 127.0.0.1 and a free port, JSON logs; resolves once it is ready. */
export async function startServerProcess(env: Readonly<Record<string, string>>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const log = logWatcher(child);
  const ready = await Promise.race([
    log.next((line) => typeof line.msg === 'string' && line.msg.startsWith('maskserve ready at')),
    exited.then((exit) => {
      throw new Error(`server exited early (${JSON.stringify(exit)}): ${stderr}`);
    }),
  ]);
  const baseUrl = ready.url as string;
  return { child, log, baseUrl, port: Number(new URL(baseUrl).port), exited, stderr: () => stderr };
}
