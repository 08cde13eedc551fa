// The `maskserve` executable (bin/maskserve.js runs this through tsx). The only CLI file with
// side effects: it reads argv and the environment, and owns the process exit.
import { runCli } from './cli/program.js';

const code = await runCli(process.argv.slice(2), { stderr: process.stderr, env: process.env });
if (code !== undefined) {
  // Let piped stdout drain (a PNG or a large JSON) before exiting; exiting explicitly also stops
  // idle keep-alive sockets from holding the process open.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(code);
}
