import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { defaultRuntimeOptions, executionProviders, resolveRuntimeOptions } from '../../src/runtime/runtime-options.js';

describe('defaultRuntimeOptions', () => {
  it('defaults to one worker using every core, cpu, queue of 16', () => {
    assert.deepEqual(defaultRuntimeOptions({}, 8), { workers: 1, intraOpThreads: 8, executionProvider: 'cpu', maxQueue: 128 });
    assert.equal(defaultRuntimeOptions({}).intraOpThreads, availableParallelism());
  });

  it('splits the cores between workers unless threads are given', () => {
    assert.equal(defaultRuntimeOptions({ MASKSERVE_WORKERS: '2' }, 8).intraOpThreads, 4);
    assert.equal(defaultRuntimeOptions({ MASKSERVE_WORKERS: '3' }, 8).intraOpThreads, 2);
    assert.deepEqual(defaultRuntimeOptions({ MASKSERVE_WORKERS: '2', MASKSERVE_INTRA_OP_THREADS: '1', MASKSERVE_MAX_QUEUE: '0' }, 8), {
      workers: 2,
      intraOpThreads: 1,
      executionProvider: 'cpu',
      maxQueue: 0,
    });
  });

  it('reads the execution provider', () => {
    assert.equal(defaultRuntimeOptions({ MASKSERVE_EXECUTION_PROVIDER: 'cuda' }, 2).executionProvider, 'cuda');
    assert.deepEqual(executionProviders('cuda'), ['cuda', 'cpu']);
    assert.deepEqual(executionProviders('cpu'), ['cpu']);
  });

  it('ignores empty variables', () => {
    assert.deepEqual(defaultRuntimeOptions({ MASKSERVE_WORKERS: '', MASKSERVE_EXECUTION_PROVIDER: ' ' }, 4), defaultRuntimeOptions({}, 4));
  });

  it('rejects bad values naming the variable, sharp style', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ MASKSERVE_WORKERS: 'two' }, /^Expected an integer between 1 and 4 for MASKSERVE_WORKERS but received "two"$/],
      [{ MASKSERVE_WORKERS: '0' }, /MASKSERVE_WORKERS but received 0/],
      [{ MASKSERVE_WORKERS: '5' }, /between 1 and 4 for MASKSERVE_WORKERS/],
      [{ MASKSERVE_WORKERS: '2', MASKSERVE_INTRA_OP_THREADS: '3' }, /between 1 and 2 for MASKSERVE_INTRA_OP_THREADS but received 3/],
      [{ MASKSERVE_MAX_QUEUE: '-1' }, /MASKSERVE_MAX_QUEUE but received "-1"/],
      [{ MASKSERVE_EXECUTION_PROVIDER: 'tpu' }, /^Expected one of cpu, cuda for MASKSERVE_EXECUTION_PROVIDER but received "tpu"$/],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => defaultRuntimeOptions(env, 4), { code: 'INVALID_OPTION', message });
    }
  });
});

describe('resolveRuntimeOptions', () => {
  it('fills defaults and validates code-given options by their option names', () => {
    assert.deepEqual(resolveRuntimeOptions({ workers: 2, maxQueue: 3 }, 4), { workers: 2, intraOpThreads: 2, executionProvider: 'cpu', maxQueue: 3 });
    assert.throws(() => resolveRuntimeOptions({ intraOpThreads: 1.5 }, 4), { code: 'INVALID_OPTION', message: /for intraOpThreads but received 1.5/ });
    assert.throws(() => resolveRuntimeOptions({ executionProvider: 'gpu' }, 4), { message: /for executionProvider/ });
  });

  it('returns a frozen object', () => {
    assert.ok(Object.isFrozen(resolveRuntimeOptions({}, 2)));
  });
});
