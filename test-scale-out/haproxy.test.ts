// Horizontal scaling with a real load balancer: HAProxy (deploy/haproxy/haproxy.cfg) in front of
// three maskserve replicas on loopback. Under a closed-loop load, one replica gets SIGTERM and is
// restarted: no request fails or is lost (each ends 200, or 503 + Retry-After that the client
// retries), because HAProxy stops routing to a draining replica (/readyz) and retries refusals and
// refused connections on another one.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { refusalsSent, runClients, startHaproxy, startReplica, type Process } from './harness.js';

const PHOTO = new URL('../data/shapes-heldout/images/shapes_0000.jpg', import.meta.url);

describe('three replicas behind HAProxy', { timeout: 180_000 }, () => {
  let replicas: Process[] = [];
  let balancer: Process | undefined;

  before(async () => {
    replicas = await Promise.all([startReplica(), startReplica(), startReplica()]);
    balancer = await startHaproxy([replicas[0]!.port, replicas[1]!.port, replicas[2]!.port]);
  });
  after(async () => {
    await balancer?.stop();
    await Promise.all(replicas.map((replica) => replica.stop()));
  });

  it('loses no request while a replica is stopped (SIGTERM) and restarted mid-run', async () => {
    const body = await readFile(PHOTO);
    const url = `http://127.0.0.1:${balancer!.port}`;
    const load = runClients(url, body, 6, 12);
    // A third of the way in: drain and stop replica 2, then bring it back on its port.
    await new Promise((resolve) => setTimeout(resolve, 4000)); // a point in a timed load run, not a synchronisation
    const exitCode = await replicas[1]!.stop('SIGTERM');
    assert.equal(exitCode, 0, 'the replica drained and exited 0');
    replicas[1] = await startReplica(replicas[1]!.port);
    const outcome = await load;
    assert.deepEqual(outcome.failed, []);
    assert.ok(outcome.ok > 10, `${outcome.ok} requests answered`);
  });
});

describe('three small replicas behind HAProxy', { timeout: 180_000 }, () => {
  let replicas: Process[] = [];
  let balancer: Process | undefined;

  before(async () => {
    // Room for one waiting request each: 12 clients overfill every replica now and then.
    replicas = await Promise.all([0, 1, 2].map(() => startReplica(undefined, 1, { MASKSERVE_MAX_QUEUE: '1' })));
    balancer = await startHaproxy([replicas[0]!.port, replicas[1]!.port, replicas[2]!.port]);
  });
  after(async () => {
    await balancer?.stop();
    await Promise.all(replicas.map((replica) => replica.stop()));
  });

  it('a full replica’s 503 is retried on another one; what still reaches a client carries Retry-After', async () => {
    const outcome = await runClients(`http://127.0.0.1:${balancer!.port}`, await readFile(PHOTO), 12, 8);
    const sent = (await Promise.all(replicas.map((replica) => refusalsSent(replica.port)))).reduce((a, b) => a + b, 0);
    assert.deepEqual(outcome.failed, []);
    assert.ok(sent > 0, 'the replicas did refuse requests (QUEUE_FULL)');
    assert.ok(outcome.retried < sent, `HAProxy retried refusals elsewhere: replicas sent ${sent} 503s, clients saw ${outcome.retried}`);
  });
});
