/**
 * At most `limit` holders at once, served first come, first served: the per-connection session queue
 * (OpenSSH's `MaxSessions`) and the handshake ramp (its `MaxStartups`). A waiter whose signal aborts leaves the
 * queue without taking a slot.
 * @internal
 */
export class Slots {
  readonly limit: number;
  #busy = 0;
  readonly #waiters: (() => void)[] = [];

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  /** Holders now. */
  get busy(): number {
    return this.#busy;
  }

  /** Waiters now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves with a release function (idempotent) once a slot is free; rejects with the signal's reason. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    if (this.#busy < this.limit) {
      this.#busy++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.#busy++;
        resolve(this.#releaser());
      };
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(wake);
        if (i !== -1) this.#waiters.splice(i, 1);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(wake);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#busy--;
      this.#waiters.shift()?.();
    };
  }
}
