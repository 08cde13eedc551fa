// The memory budget for images in flight: FIFO grants, waiting while spent, abortable waits, and
// an at-once refusal for what could never fit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteBudget } from '../../src/runtime/byte-budget.js';

describe('ByteBudget', () => {
  it('grants while there is room and makes the rest wait, first come first served', async () => {
    const budget = new ByteBudget(100);
    const releaseA = await budget.acquire(60);
    const order: string[] = [];
    const b = budget.acquire(60).then((release) => (order.push('b'), release));
    const c = budget.acquire(30).then((release) => (order.push('c'), release));
    await Promise.resolve();
    assert.equal(budget.inUse, 60, 'c waits behind b even though it would fit: no overtaking');
    releaseA();
    const [releaseB, releaseC] = await Promise.all([b, c]);
    assert.deepEqual(order, ['b', 'c']);
    assert.equal(budget.inUse, 90);
    releaseB();
    releaseB(); // twice is harmless
    releaseC();
    assert.equal(budget.inUse, 0);
  });

  it('refuses more than the whole budget at once, naming both sizes', async () => {
    await assert.rejects(new ByteBudget(2 ** 20).acquire(3 * 2 ** 20), /needs 3 MiB of memory; this server allows 1 MiB/);
  });

  it('drops an aborted waiter with the abort reason and lets the next one in', async () => {
    const budget = new ByteBudget(100);
    const release = await budget.acquire(80);
    const controller = new AbortController();
    const big = budget.acquire(90, controller.signal);
    const small = budget.acquire(20);
    controller.abort(new Error('deadline'));
    await assert.rejects(big, /deadline/);
    const releaseSmall = await small;
    assert.equal(budget.inUse, 100);
    release();
    releaseSmall();
    assert.equal(budget.inUse, 0);
  });
});
