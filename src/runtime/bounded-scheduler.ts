// A bounded FIFO in front of the worker threads. Tasks start only when a worker slot is free, so
// the counts below are exact (piscina's own queue stays empty), a full queue is refused at once
// (the server answers 503 + Retry-After instead of letting latency grow), and an aborted task
// that never started is simply dropped.
import { MaskserveError } from '../errors.js';

export interface SubmitOptions {
  readonly signal?: AbortSignal;
  /** Internal work (session loading): goes ahead of ordinary tasks and is never refused. */
  readonly urgent?: boolean;
}

interface Pending {
  readonly start: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly signal?: AbortSignal;
  readonly urgent: boolean;
  onAbort?: () => void;
}

/** Until a task has been measured, assume one second per task for Retry-After. */
const INITIAL_TASK_MS = 1000;
/** Weight of the newest duration in the moving average. */
const AVERAGE_WEIGHT = 0.2;

export class BoundedScheduler {
  private readonly urgent: Pending[] = [];
  private readonly normal: Pending[] = [];
  private active = 0;
  private averageMs = INITIAL_TASK_MS;
  private measured = false;
  private closedWith: Error | undefined;

  constructor(
    readonly slots: number,
    readonly maxQueue: number,
  ) {}

  get queued(): number {
    return this.urgent.length + this.normal.length;
  }

  get running(): number {
    return this.active;
  }

  /** Moving average of recent task times (ms); INITIAL_TASK_MS until one is measured. */
  get averageTaskMs(): number {
    return this.averageMs;
  }

  /** Runs `start` when a slot is free. Rejects at once with QUEUE_FULL when maxQueue tasks already wait. */
  submit<T>(start: () => Promise<T>, options: SubmitOptions = {}): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const mustWait = this.active >= this.slots || this.queued > 0;
    if (mustWait && !options.urgent && this.normal.length >= this.maxQueue) {
      return Promise.reject(this.queueFullError());
    }
    return new Promise<T>((resolve, reject) => {
      const urgent = options.urgent === true;
      const task: Pending = { start, resolve: resolve as (value: unknown) => void, reject, urgent, ...(signal ? { signal } : {}) };
      if (signal) {
        // Queued: drop the task. Running: answer the caller now; the slot stays taken until the
        // worker finishes (onnxruntime cannot interrupt a run, and killing the thread would
        // throw away its loaded sessions).
        task.onAbort = () => {
          this.remove(task);
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', task.onAbort, { once: true });
      }
      (urgent ? this.urgent : this.normal).push(task);
      this.pump();
    });
  }

  /** Seconds until a slot is likely free: the average task time x tasks ahead / slots (at least 1). */
  retryAfterSeconds(): number {
    return secondsFor(this.active + this.queued, this.averageMs, this.slots);
  }

  /** Rejects every queued task with `error` and refuses new ones; running tasks finish normally. */
  close(error: Error): void {
    this.closedWith = error;
    for (const task of [...this.urgent, ...this.normal]) {
      this.remove(task);
      task.reject(error);
    }
  }

  private queueFullError(): MaskserveError {
    const retryAfter = this.retryAfterSeconds();
    return new MaskserveError('QUEUE_FULL', `The inference queue is full (${this.maxQueue} waiting); retry in ${retryAfter} s`, {
      retryAfter,
    });
  }

  private remove(task: Pending): void {
    for (const queue of [this.urgent, this.normal]) {
      const index = queue.indexOf(task);
      if (index >= 0) queue.splice(index, 1);
    }
  }

  private pump(): void {
    while (this.active < this.slots) {
      const task = this.urgent.shift() ?? this.normal.shift();
      if (!task) return;
      this.launch(task);
    }
  }

  private launch(task: Pending): void {
    this.active += 1;
    const startedAt = performance.now();
    let work: Promise<unknown>;
    try {
      work = task.start();
    } catch (error) {
      work = Promise.reject(error);
    }
    // Free the slot before answering the caller, so stats() seen by the caller are already current.
    work.then(
      (value) => {
        this.finish(task, startedAt);
        task.resolve(value);
      },
      (error: unknown) => {
        this.finish(task, startedAt);
        task.reject(error);
      },
    );
  }

  private finish(task: Pending, startedAt: number): void {
    // Session loads are one-off and slow; only inference times predict the wait.
    if (!task.urgent) {
      const ms = performance.now() - startedAt;
      // The first measurement replaces the guess outright.
      this.averageMs = this.measured ? this.averageMs + AVERAGE_WEIGHT * (ms - this.averageMs) : ms;
      this.measured = true;
    }
    if (task.signal && task.onAbort) task.signal.removeEventListener('abort', task.onAbort);
    this.active -= 1;
    this.pump();
  }
}

/** Whole seconds (at least 1) that `tasks` take at `averageMs` each, `slots` at a time: a Retry-After. */
export function secondsFor(tasks: number, averageMs: number, slots: number): number {
  return Math.max(1, Math.ceil((averageMs * tasks) / slots / 1000));
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
