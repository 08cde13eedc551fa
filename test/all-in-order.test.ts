import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allInOrder } from '../src/all-in-order.js';

describe('allInOrder', () => {
  it('resolves to the values in order, like Promise.all', async () => {
    assert.deepEqual(await allInOrder([Promise.resolve(1), Promise.resolve('two')]), [1, 'two']);
  });

  it('rejects with the first failure in argument order, not in time', async () => {
    let failSecondNow!: () => void;
    const second = new Promise<never>((_, reject) => {
      failSecondNow = () => reject(new Error('second'));
    });
    failSecondNow(); // the second argument fails first ...
    const first = Promise.resolve().then(() => Promise.reject(new Error('first'))); // ... the first later
    await assert.rejects(allInOrder([first, second]), /first/);
  });
});
