/** A holder's state, for {@link Slots.requeue}. */
interface Holder {
  held: boolean;
  done: boolean;
  /** Set while the holder waits in {@link Slots.requeue}: leaves the queue and rejects the wait. */
  leave?: (() => void) | undefined;
}

/**
 * At most `limit` holders at once, served first come, first served: the per-connection session queue
 * (OpenSSH's `MaxSessions`) and the handshake ramp (its `MaxStartups`). A waiter whose signal aborts leaves the
 * queue without taking a slot. The limit can be lowered (a server that allows fewer sessions than said), and a
 * holder whose slot turned out unusable can give it back and wait again, ahead of newcomers.
 * @internal
 */
export class Slots {
  #limit: number;
  #busy = 0;
  readonly #waiters: (() => void)[] = [];
  readonly #retries: (() => void)[] = []; // holders waiting again (requeue): served before #waiters
  readonly #holders = new WeakMap<() => void, Holder>();

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  /** Holders allowed at once. */
  get limit(): number {
    return this.#limit;
  }

  /** Holders now. */
  get busy(): number {
    return this.#busy;
  }

  /** Waiters now. */
  get waiting(): number {
    return this.#waiters.length + this.#retries.length;
  }

  /**
   * Lowers the limit to `limit` (never below 1; a higher value changes nothing). Holders beyond it keep their
   * slots; nobody gets one until the holders are fewer than the new limit.
   */
  lower(limit: number): void {
    this.#limit = Math.max(1, Math.min(this.#limit, limit));
  }

  /** Resolves with a release function (idempotent) once a slot is free; rejects with the signal's reason. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    if (this.#busy < this.#limit) {
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

  /**
   * For the holder of `release`, whose slot could not be used (the server refused the session): gives the
   * slot back and resolves once it holds one again, served before those who never had one; `release` then
   * gives that one back. Rejects with the signal's reason if it aborts (or with an Error if `release` is
   * called) while waiting: nothing is held then.
   */
  requeue(release: () => void, signal?: AbortSignal): Promise<void> {
    const holder = this.#holders.get(release);
    if (holder === undefined || !holder.held) return Promise.reject(new Error('requeue: no slot held'));
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        holder.leave = undefined;
        holder.held = true;
        this.#busy++;
        resolve();
      };
      const leave = (reason: Error): void => {
        signal?.removeEventListener('abort', onAbort);
        holder.leave = undefined;
        const i = this.#retries.indexOf(wake);
        if (i !== -1) this.#retries.splice(i, 1);
        reject(reason);
      };
      const onAbort = (): void => {
        leave(signal?.reason as Error);
      };
      holder.held = false;
      if (signal?.aborted === true) {
        this.#free();
        reject(signal.reason as Error);
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      holder.leave = () => {
        leave(new Error('requeue: released while waiting'));
      };
      this.#retries.push(wake);
      this.#free();
    });
  }

  #releaser(): () => void {
    const holder: Holder = { held: true, done: false };
    const release = (): void => {
      if (holder.done) return;
      holder.done = true;
      holder.leave?.();
      if (!holder.held) return;
      holder.held = false;
      this.#free();
    };
    this.#holders.set(release, holder);
    return release;
  }

  /** One holder less: the next in line (a requeued holder first) takes the slot, if the limit allows. */
  #free(): void {
    this.#busy--;
    while (this.#busy < this.#limit) {
      const next = this.#retries.shift() ?? this.#waiters.shift();
      if (next === undefined) return;
      next();
    }
  }
}
