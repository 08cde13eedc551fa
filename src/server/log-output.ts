// How the server logs: JSON lines (for log collectors) unless stdout is a terminal, where people
// read them: then pino-pretty's one line per event, coloured, with the time. LOG_FORMAT=json or
// pretty overrides the guess. Level: LOG_LEVEL (default info).
import { PinoPretty } from 'pino-pretty';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

type Env = Readonly<Record<string, string | undefined>>;

export function logFormat(env: Env, stdoutIsTty: boolean): LogFormat {
  const chosen = LOG_FORMATS.find((format) => format === env.LOG_FORMAT?.trim().toLowerCase());
  if (chosen !== undefined) return chosen;
  return stdoutIsTty ? 'pretty' : 'json';
}

/** fastify's `logger` option. */
export function loggerOptions(env: Env = process.env, stdoutIsTty = Boolean(process.stdout.isTTY)): Record<string, unknown> {
  const level = env.LOG_LEVEL ?? 'info';
  if (logFormat(env, stdoutIsTty) === 'json') return { level };
  // Synchronous, in this thread: a server's log volume does not need a worker transport.
  const stream = PinoPretty({ colorize: stdoutIsTty, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: true, sync: true });
  return { level, stream };
}

/**
 * The address to open in a browser: a wildcard bind (0.0.0.0, ::) is reached as localhost, which
 * is what a person on this machine can click.
 */
export function browsableUrl(host: string, port: number): string {
  const local = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host;
  return `http://${local.includes(':') ? `[${local}]` : local}:${port}`;
}
