// A memory budget for work in flight: a request reserves the bytes its decoded image will hold
// before decoding it, waits (FIFO, abortable) while the budget is spent, and gives them back when
// its answer is sent. Queue length alone does not bound memory: 17 admitted 40 MP images hold
// ~2 GB of pixels before any model runs.
import { MaskserveError } from '../errors.js';
import { formatBytes } from '../format-bytes.js';
import { once } from '../once.js';

interface Waiter {
  readonly bytes: number;
  readonly grant: () => void;
}

export class ByteBudget {
  private used = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  /**
   * Resolves with a release function once `bytes` fit (first come, first served). More than the
   * whole budget can never fit: refused at once. An abort while waiting rejects with the reason.
   */
  acquire(bytes: number, signal?: AbortSignal): Promise<() => void> {
    if (bytes > this.capacity) {
      return Promise.reject(
        new MaskserveError('IMAGE_TOO_LARGE', `Processing this image needs ${formatBytes(bytes)} of memory; this server allows ${formatBytes(this.capacity)} for images in flight`),
      );
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.used += bytes;
          resolve(once(() => this.give(bytes)));
        },
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
        this.pump(); // a big request leaving the head of the line may let smaller ones in
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  private give(bytes: number): void {
    this.used -= bytes;
    this.pump();
  }

  private pump(): void {
    while (this.waiters.length > 0 && this.used + this.waiters[0]!.bytes <= this.capacity) this.waiters.shift()!.grant();
  }
}

