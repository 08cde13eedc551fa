// Entry point with side effects: start the HTTP server (PORT, HOST, MASKSERVE_MODEL from the env).
import { startServer } from './server/start.js';

try {
  await startServer();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`maskserve: could not start the server: ${message}\n`);
  process.exit(1);
}
