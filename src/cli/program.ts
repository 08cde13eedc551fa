// The `maskserve` command tree. Building it has no side effects; src/cli.ts parses argv with it
// and turns the outcome into an exit code. Each command lives in its own file and loads its
// heavy dependencies only when it runs.
import { Command, CommanderError } from 'commander';
import { registerEvalCommand } from './eval-command.js';
import { EXIT, EXIT_CODES_HELP, describeError, exitCodeFor, type ExitCode } from './exit-codes.js';
import { registerMergeCommand } from './merge-command.js';
import { registerModelsCommand } from './models-command.js';
import { registerPredictCommand } from './predict-command.js';
import { registerServeCommand } from './serve-command.js';
import { MASKSERVE_VERSION } from '../version.js';

export interface CommandContext {
  /** Commands report how they ended; a command that never calls it (serve) keeps the process alive. */
  exit(code: ExitCode): void;
}

export interface CliIo {
  /** Help and version text (commands write their results to process.stdout themselves). */
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}


const ROOT_HELP = `
Run \`maskserve <command> --help\` for a command's options and examples.

Environment:
  MASKSERVE_MODEL         default model (catalog id, .onnx path or "demo")
  MASKSERVE_CACHE_DIR     where downloaded models live (else $XDG_CACHE_HOME/maskserve, ~/.cache/maskserve)
  MASKSERVE_MODEL_MIRROR  fetch catalog models from <mirror>/<file> instead of the publisher
  MASKSERVE_WORKERS, MASKSERVE_INTRA_OP_THREADS, MASKSERVE_EXECUTION_PROVIDER (cpu|cuda)
                          inference threads and device
  MASKSERVE_DEBUG=1       print stack traces of internal errors
`;

export function buildProgram(context: CommandContext, io: CliIo): Command {
  const program = new Command('maskserve')
    .description('Instance segmentation: class, score, box and pixel mask for every object in a photo.')
    .version(MASKSERVE_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => (io.stdout ?? process.stdout).write(text),
      writeErr: (text) => io.stderr.write(text),
      // Commander's parse errors: one line, prefixed like every other maskserve error.
      outputError: (text, write) => write(`maskserve: ${text.trim().replace(/^error: /, '')} (see --help)\n`),
    })
    .addHelpText('after', ROOT_HELP + EXIT_CODES_HELP);
  registerPredictCommand(program, context);
  registerModelsCommand(program, context);
  registerEvalCommand(program, context);
  registerMergeCommand(program, context);
  registerServeCommand(program, context);
  return program;
}

/** Parses `argv` (without node and script) and runs the command; undefined = keep running (server). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode | undefined> {
  let code: ExitCode | undefined;
  const program = buildProgram({ exit: (value) => (code = value) }, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error);
    io.stderr.write(`maskserve: ${describeError(error)}\n`);
    if (io.env.MASKSERVE_DEBUG === '1' && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}

function commanderExitCode(error: CommanderError): ExitCode {
  // --help and --version end normally; everything else commander reports is a usage error.
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.OK;
  return EXIT.USAGE;
}
