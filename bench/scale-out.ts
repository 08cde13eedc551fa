// Scale-out benchmark (not a test): throughput of 1 replica vs 3 replicas behind HAProxy
// (deploy/haproxy/haproxy.cfg), all on this machine, and a run where one of the 3 replicas is
// stopped (SIGTERM) and restarted in the middle. Needs Debian's haproxy.
//   node --import tsx bench/scale-out.ts [--clients 16] [--seconds 30] [--image data/shapes-heldout/images/shapes_0000.jpg]
// One replica alone gets all cores (2 onnxruntime threads); each of the three gets 1, so on a
// 2-core machine the three compete for the same cores: this measures the balancer's overhead and
// the failover, not more hardware.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runClients, startHaproxy, startReplica, type LoadOutcome, type Process } from '../test-scale-out/harness.js';
import { printTable } from './table.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '30' },
    image: { type: 'string', default: `${root}data/shapes-heldout/images/shapes_0000.jpg` },
  },
});
const body = await readFile(values.image);
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const cores = availableParallelism();

const rows: string[][] = [['setup', 'OK/s', 'requests OK', '503 retried by the client', 'failed or lost']];
const row = (setup: string, outcome: LoadOutcome) =>
  rows.push([setup, (outcome.ok / outcome.seconds).toFixed(2), String(outcome.ok), String(outcome.retried), String(outcome.failed.length)]);

{
  const single = await startReplica(undefined, cores);
  try {
    row(`1 replica (${cores} threads), direct`, await runClients(`http://127.0.0.1:${single.port}`, body, clients, seconds));
  } finally {
    await single.stop();
  }
}

const replicas: Process[] = await Promise.all([startReplica(), startReplica(), startReplica()]);
const balancer = await startHaproxy([replicas[0]!.port, replicas[1]!.port, replicas[2]!.port]);
try {
  const url = `http://127.0.0.1:${balancer.port}`;
  row('3 replicas (1 thread each) behind HAProxy', await runClients(url, body, clients, seconds));
  const load = runClients(url, body, clients, seconds);
  await new Promise((resolve) => setTimeout(resolve, (seconds * 1000) / 3));
  await replicas[1]!.stop('SIGTERM');
  replicas[1] = await startReplica(replicas[1]!.port);
  row('3 replicas, one stopped (SIGTERM) and restarted mid-run', await load);
} finally {
  await balancer.stop();
  await Promise.all(replicas.map((replica) => replica.stop()));
}
printTable(`Scale-out: ${clients} closed-loop clients, ${seconds} s each, POST /api/v1/segment (${values.image.split('/').at(-1)}), demo model, ${cores} cores`, rows);
