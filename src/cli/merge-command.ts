// `maskserve merge` registration: combine `predict --out` directories (shards) into one.
import type { Command } from 'commander';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import type { CommandContext } from './program.js';

const EXAMPLES = `
Reads coco-results.json and images.json from each directory and writes both, combined, into
--out. Shards of one run (predict --shard K/N over the same inputs) keep their image ids, so
the result is what one run over all inputs writes. Directories whose image ids collide
(unrelated runs) are renumbered from 1 in the order given. <stem>.png/.json files stay where
they are (their names do not collide across shards of one run).

Examples:
  $ maskserve predict photos/ --shard 0/2 --out part-0/
  $ maskserve predict photos/ --shard 1/2 --out part-1/
  $ maskserve merge part-0/ part-1/ --out results/
`;

export function registerMergeCommand(program: Command, context: CommandContext): void {
  program
    .command('merge')
    .summary('combine the outputs of several predict --out runs (shards)')
    .description('Combine coco-results.json and images.json of several `predict --out` directories into one.')
    .argument('<dirs...>', 'directories written by `maskserve predict --out`')
    .requiredOption('-o, --out <dir>', 'where to write the combined coco-results.json and images.json')
    .addHelpText('after', EXAMPLES + EXIT_CODES_HELP)
    .action(async (dirs: string[], flags: { out: string }) => {
      const { mergeRuns } = await import('./merge.js');
      const summary = await mergeRuns(dirs, flags.out);
      process.stderr.write(
        `maskserve: merged ${dirs.length} run${dirs.length === 1 ? '' : 's'}: ${summary.images} images, ${summary.results} results` +
          `${summary.renumbered ? ' (image ids collided: renumbered in the order given)' : ''} -> ${flags.out}\n`,
      );
      context.exit(EXIT.OK);
    });
}
