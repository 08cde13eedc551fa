// `maskserve serve`: the web app and HTTP API (src/server/start.ts does the work).
import type { Command } from 'commander';
import { invalidParameter } from '../errors.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import type { CommandContext } from './program.js';

const EXAMPLES = `
Serves the upload page at /, the HTTP API under /api/v1 (OpenAPI docs at /docs), and
/healthz, /readyz. Stops cleanly on SIGINT/SIGTERM.

Environment: PORT and HOST are used when --port/--host are not given; MASKSERVE_MODEL picks the
default model; MASKSERVE_WORKERS, MASKSERVE_INTRA_OP_THREADS, MASKSERVE_MAX_QUEUE size inference.

Examples:
  $ maskserve serve                                   # http://0.0.0.0:8080 with the default model
  $ maskserve serve --port 3000 --host 127.0.0.1 --model mask-rcnn-r50-fpn-int8
  $ PORT=8081 maskserve serve --model demo
`;

interface ServeFlags {
  readonly port?: string;
  readonly host?: string;
  readonly model?: string;
}

export interface ServeSettings {
  readonly port?: number;
  readonly host?: string;
  readonly model?: string;
}

/** Flags only: PORT / HOST fallbacks and their validation live in the server config. */
export function resolveServeSettings(flags: ServeFlags): ServeSettings {
  let port: number | undefined;
  if (flags.port !== undefined) {
    port = flags.port.trim() === '' ? Number.NaN : Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidParameter('a port number between 0 and 65535', '--port', flags.port);
  }
  if (flags.host !== undefined && flags.host.trim() === '') throw invalidParameter('a host name or address', '--host', flags.host);
  return Object.freeze({
    ...(port === undefined ? {} : { port }),
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(flags.model === undefined ? {} : { model: flags.model }),
  });
}

export function registerServeCommand(program: Command, context: CommandContext): void {
  program
    .command('serve')
    .summary('run the web app and HTTP API')
    .description('Run the web app (upload form, URL form, annotated results) and the HTTP API.')
    .option('-p, --port <port>', 'port to listen on (default: $PORT, else 8080)')
    .option('--host <host>', 'address to bind (default: $HOST, else 0.0.0.0)')
    .option('-m, --model <models>', 'catalog id, .onnx path or "demo"; several, comma-separated (default: $MASKSERVE_MODEL, else the first downloaded catalog model, else demo)')
    .addHelpText('after', EXAMPLES + EXIT_CODES_HELP)
    .action(async (flags: ServeFlags) => {
      const settings = resolveServeSettings(flags);
      const { startServer } = await import('../server/start.js');
      await startServer(settings);
      // No context.exit(): the server keeps the process alive until a signal stops it.
      void context;
    });
}
