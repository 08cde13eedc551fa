// Promise.all rejects with whichever promise fails first in time, so when two reads fail the
// error a user sees would depend on which disk read finished first. This runs them all the same
// way but rejects with the first failure in argument order: the same input, the same message.
export async function allInOrder<T extends readonly unknown[]>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  const values: unknown[] = [];
  for (const outcome of settled) {
    if (outcome.status === 'rejected') throw outcome.reason;
    values.push(outcome.value);
  }
  return values as { -readonly [K in keyof T]: Awaited<T[K]> };
}
