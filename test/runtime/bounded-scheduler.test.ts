import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedScheduler } from '../../src/runtime/bounded-scheduler.js';

/** A task the test finishes by hand. */
function manualTask<T>() {
  let finish!: (value: T) => void;
  let fail!: (error: unknown) => void;
  let started = false;
  const done = new Promise<T>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return {
    start: () => {
      started = true;
      return done;
    },
    finish: (value: T) => finish(value),
    fail: (error: unknown) => fail(error),
    get started() {
      return started;
    },
  };
}

describe('BoundedScheduler', () => {
  it('averages task times: the first measurement replaces the initial guess, later ones move it', async () => {
    const scheduler = new BoundedScheduler(1, 5);
    assert.equal(scheduler.averageTaskMs, 1000, 'a guess until something is measured');
    const first = manualTask<number>();
    const done = scheduler.submit(first.start);
    first.finish(1);
    await done;
    const measured = scheduler.averageTaskMs;
    assert.ok(measured < 1000, `the first task took ${measured} ms, and the average is that`);
    const urgent = manualTask<number>();
    const load = scheduler.submit(urgent.start, { urgent: true });
    urgent.finish(1);
    await load;
    assert.equal(scheduler.averageTaskMs, measured, 'urgent tasks (session loads) are not inference');
  });

  it('starts tasks while slots are free, queues the rest in order', async () => {
    const scheduler = new BoundedScheduler(2, 5);
    const tasks = [manualTask<number>(), manualTask<number>(), manualTask<number>()];
    const results = tasks.map((task) => scheduler.submit(task.start));
    assert.deepEqual(
      tasks.map((task) => task.started),
      [true, true, false],
    );
    assert.equal(scheduler.running, 2);
    assert.equal(scheduler.queued, 1);
    tasks[1].finish(1);
    assert.equal(await results[1], 1);
    assert.equal(tasks[2].started, true, 'the freed slot goes to the queued task');
    assert.equal(scheduler.queued, 0);
    tasks[0].finish(0);
    tasks[2].finish(2);
    assert.deepEqual(await Promise.all(results), [0, 1, 2]);
    assert.equal(scheduler.running, 0);
  });

  it('rejects at once with QUEUE_FULL and a Retry-After when the queue is full', async () => {
    const scheduler = new BoundedScheduler(1, 1);
    const running = manualTask<void>();
    const first = scheduler.submit(running.start);
    const second = scheduler.submit(manualTask<void>().start);
    await assert.rejects(scheduler.submit(manualTask<void>().start), (error: Error & { code?: string; details?: Record<string, unknown> }) => {
      assert.equal(error.code, 'QUEUE_FULL');
      assert.equal(typeof error.details?.retryAfter, 'number');
      assert.ok((error.details?.retryAfter as number) >= 1);
      return true;
    });
    assert.equal(running.started, true);
    assert.equal(scheduler.queued, 1);
    running.finish();
    await first;
    void second;
  });

  it('maxQueue 0 runs only what fits in the slots', async () => {
    const scheduler = new BoundedScheduler(1, 0);
    const running = manualTask<void>();
    const first = scheduler.submit(running.start);
    await assert.rejects(scheduler.submit(manualTask<void>().start), { code: 'QUEUE_FULL' });
    running.finish();
    await first;
    const next = manualTask<string>();
    const again = scheduler.submit(next.start);
    next.finish('ok');
    assert.equal(await again, 'ok');
  });

  it('aborting a queued task removes it without starting it', async () => {
    const scheduler = new BoundedScheduler(1, 4);
    const running = manualTask<void>();
    const first = scheduler.submit(running.start);
    const queued = manualTask<void>();
    const controller = new AbortController();
    const aborted = scheduler.submit(queued.start, { signal: controller.signal });
    assert.equal(scheduler.queued, 1);
    controller.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    assert.equal(scheduler.queued, 0);
    running.finish();
    await first;
    assert.equal(queued.started, false);
  });

  it('aborting a running task answers at once but keeps the slot until the work ends', async () => {
    const scheduler = new BoundedScheduler(1, 4);
    const running = manualTask<void>();
    const controller = new AbortController();
    const result = scheduler.submit(running.start, { signal: controller.signal });
    controller.abort(new Error('client went away'));
    await assert.rejects(result, { message: 'client went away' });
    assert.equal(scheduler.running, 1);
    const next = manualTask<void>();
    const nextResult = scheduler.submit(next.start);
    assert.equal(next.started, false);
    running.finish();
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(next.started, true);
    next.finish();
    await nextResult;
  });

  it('rejects an already aborted signal without queueing', async () => {
    const scheduler = new BoundedScheduler(1, 4);
    const task = manualTask<void>();
    await assert.rejects(scheduler.submit(task.start, { signal: AbortSignal.abort() }), { name: 'AbortError' });
    assert.equal(task.started, false);
  });

  it('urgent tasks go first and are never refused', async () => {
    const scheduler = new BoundedScheduler(1, 0);
    const running = manualTask<void>();
    const order: string[] = [];
    const first = scheduler.submit(running.start);
    const urgent = scheduler.submit(async () => void order.push('urgent'), { urgent: true });
    running.finish();
    await Promise.all([first, urgent]);
    assert.deepEqual(order, ['urgent']);
  });

  it('passes task errors through and frees the slot', async () => {
    const scheduler = new BoundedScheduler(1, 0);
    await assert.rejects(
      scheduler.submit(() => Promise.reject(new Error('boom'))),
      { message: 'boom' },
    );
    await assert.rejects(
      scheduler.submit(() => {
        throw new Error('sync boom');
      }),
      { message: 'sync boom' },
    );
    assert.equal(scheduler.running, 0);
  });

  it('close() rejects queued tasks and refuses new ones', async () => {
    const scheduler = new BoundedScheduler(1, 4);
    const running = manualTask<void>();
    const first = scheduler.submit(running.start);
    const queued = scheduler.submit(manualTask<void>().start);
    scheduler.close(new Error('closing'));
    await assert.rejects(queued, { message: 'closing' });
    await assert.rejects(scheduler.submit(manualTask<void>().start), { message: 'closing' });
    running.finish();
    await first;
  });
});
