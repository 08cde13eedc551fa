// Readiness is separate from liveness: a process is live as soon as it runs, but ready only
// after its model answered a warm-up inference, and no longer ready the moment it starts draining.
export type ReadinessState = 'starting' | 'ready' | 'draining';

export class Readiness {
  #state: ReadinessState;

  constructor(initial: ReadinessState = 'starting') {
    this.#state = initial;
  }

  get state(): ReadinessState {
    return this.#state;
  }

  get isReady(): boolean {
    return this.#state === 'ready';
  }

  markReady(): void {
    // Draining is final: a late warm-up must not make a stopping server look ready again.
    if (this.#state === 'starting') this.#state = 'ready';
  }

  markDraining(): void {
    this.#state = 'draining';
  }
}
