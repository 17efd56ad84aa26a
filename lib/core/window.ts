import type { Subscriber, Unsubscribable } from 'rxjs';

/** A running task, as the window sees it: a Subscription-like handle. @internal */
export interface WindowTask extends Unsubscribable {
  /** True once the task has ended (or been unsubscribed). */
  readonly closed: boolean;
}

/**
 * What a task is given: where to emit its values, and how to give its slot back. A task calls `release`
 * exactly once, after its own teardown, when it ends by itself; it does not when it is unsubscribed.
 * @internal
 */
export interface WindowOwner<R> {
  next(value: R): void;
  error(err: unknown): void;
  release(task: WindowTask): void;
  /** The consumer is gone: a task starting now should not start its work. */
  readonly closed: boolean;
}

/**
 * Runs tasks, `limit` at a time, the scheduler's jobs window. Like `mergeMap(project, limit)`, with what
 * the scheduler needs:
 * - FIFO: items start in the order they arrived; items that became ready together are all queued (`push`)
 *   before any of them starts (`drain`);
 * - a slot is given back when the task says so, after its teardown, however it ended (SSH session limits
 *   rely on this);
 * - no recursion: tasks that end synchronously, and items pushed while a task starts, are drained by one
 *   loop, so a chain of 100,000 synchronous jobs does not grow the call stack (mergeMap would);
 * - a task is a plain object, not an Observable: a job's run emits straight into the window's subscriber,
 *   with no Observable, Subscriber or closure of its own per job (it matters at 100,000 jobs).
 *
 * The window is the owner its tasks are given. It completes its subscriber once `end()` has been called
 * and every task has ended; `unsubscribe()` unsubscribes every running task and drops the queue. Used
 * directly by the scheduler's run (no source Observable, no array per batch).
 * @internal
 */
export class TaskWindow<T, R> implements WindowOwner<R> {
  // a queue with a moving head: O(1) push and shift, compacted when half of it is consumed
  #queue: T[] = [];
  #head = 0;
  #active = 0;
  #draining = false;
  #ended = false;
  // running tasks, in a Set (O(1) removal), to unsubscribe them if the consumer leaves
  readonly #tasks = new Set<WindowTask>();
  readonly #limit: number;
  readonly #start: (item: T, owner: WindowOwner<R>) => WindowTask;
  readonly #subscriber: Subscriber<R>;

  constructor(
    limit: number,
    start: (item: T, owner: WindowOwner<R>) => WindowTask,
    subscriber: Subscriber<R>,
  ) {
    this.#limit = limit;
    this.#start = start;
    this.#subscriber = subscriber;
  }

  next(value: R): void {
    this.#subscriber.next(value);
  }
  error(err: unknown): void {
    this.#subscriber.error(err);
  }
  release(task: WindowTask): void {
    // a task that ended while it started was never tracked (and then, often, no task is)
    if (this.#tasks.size !== 0) this.#tasks.delete(task);
    this.#active--;
    // inside the drain loop, the loop itself starts the next item
    if (!this.#draining) this.drain();
  }
  /** The consumer is gone: a task starting now should not start its work. */
  get closed(): boolean {
    return this.#subscriber.closed;
  }

  /** Queues an item; it starts at the next `drain()`. */
  push(item: T): void {
    this.#queue.push(item);
  }

  /** Starts queued items while slots are free (does nothing when called from inside the loop). */
  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#active < this.#limit && this.#head < this.#queue.length && !this.#downstreamClosed()) {
        const item = this.#queue[this.#head] as T;
        this.#queue[this.#head++] = undefined as T;
        if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
        this.#active++;
        const task = this.#start(item, this);
        // the consumer may have left while the task was starting: then nothing tracks it any more
        if (this.#downstreamClosed()) task.unsubscribe();
        else if (!task.closed) this.#tasks.add(task);
      }
    } finally {
      this.#draining = false;
    }
    this.#maybeComplete();
  }

  /** No item will be pushed any more: completes once every task has ended. */
  end(): void {
    this.#ended = true;
    this.#maybeComplete();
  }

  /** Unsubscribes every running task, and drops the queue. */
  unsubscribe(): void {
    for (const task of [...this.#tasks]) task.unsubscribe();
    this.#tasks.clear();
    this.#queue = [];
    this.#head = 0;
  }

  // a method: the consumer can leave during any call in the loop, which type narrowing cannot see
  #downstreamClosed(): boolean {
    return this.#subscriber.closed;
  }

  #maybeComplete(): void {
    if (this.#ended && this.#active === 0 && this.#head === this.#queue.length) this.#subscriber.complete();
  }
}
