import { Observable } from 'rxjs';
import type { OperatorFunction, Unsubscribable } from 'rxjs';

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
 * - FIFO: items start in the order they arrived; the source emits batches, and items that became ready
 *   together are all queued before any of them starts;
 * - a slot is given back when the task says so, after its teardown, however it ended (SSH session limits
 *   rely on this);
 * - no recursion: tasks that end synchronously, and items pushed while a task starts, are drained by one
 *   loop, so a chain of 100,000 synchronous jobs does not grow the call stack (mergeMap would);
 * - a task is a plain object, not an Observable: a job's run emits straight into the window's subscriber,
 *   with no Observable, Subscriber or closure of its own per job (it matters at 100,000 jobs).
 *
 * The result completes when the source has completed and every task has ended; unsubscribing
 * unsubscribes every running task.
 * @internal
 */
export function jobsWindow<T, R>(
  limit: number,
  start: (item: T, owner: WindowOwner<R>) => WindowTask,
): OperatorFunction<readonly T[], R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      // a queue with a moving head: O(1) push and shift, compacted when half of it is consumed
      let queue: T[] = [];
      let head = 0;
      let active = 0;
      let draining = false;
      let sourceDone = false;
      // running tasks, in a Set (O(1) removal), to unsubscribe them if the consumer leaves
      const tasks = new Set<WindowTask>();

      // a function: the consumer can leave during any call below, which type narrowing cannot see
      const downstreamClosed = (): boolean => subscriber.closed;
      const maybeComplete = (): void => {
        if (sourceDone && active === 0 && head === queue.length) subscriber.complete();
      };
      const owner: WindowOwner<R> = {
        next: (value) => {
          subscriber.next(value);
        },
        error: (err) => {
          subscriber.error(err);
        },
        release: (task) => {
          tasks.delete(task);
          active--;
          // inside the drain loop, the loop itself starts the next item
          if (!draining) drain();
        },
        get closed() {
          return subscriber.closed;
        },
      };
      const drain = (): void => {
        if (draining) return;
        draining = true;
        try {
          while (active < limit && head < queue.length && !downstreamClosed()) {
            const item = queue[head] as T;
            queue[head++] = undefined as T;
            if (head > 1024 && head * 2 > queue.length) {
              queue = queue.slice(head);
              head = 0;
            }
            active++;
            const task = start(item, owner);
            // the consumer may have left while the task was starting: then nothing tracks it any more
            if (downstreamClosed()) task.unsubscribe();
            else if (!task.closed) tasks.add(task);
          }
        } finally {
          draining = false;
        }
        maybeComplete();
      };

      const sourceSubscription = source.subscribe({
        next: (batch) => {
          for (const item of batch) queue.push(item);
          drain();
        },
        error: (err: unknown) => {
          subscriber.error(err);
        },
        complete: () => {
          sourceDone = true;
          maybeComplete();
        },
      });
      return () => {
        sourceSubscription.unsubscribe();
        for (const task of [...tasks]) task.unsubscribe();
        tasks.clear();
        queue = [];
        head = 0;
      };
    });
}

/**
 * {@link jobsWindow} for Observables: each item's Observable is a task, whose slot is given back after its
 * teardown. For tests and for callers that have Observables rather than tasks.
 * @internal
 */
export function mergeWindow<T, R>(
  limit: number,
  project: (item: T) => Observable<R>,
): OperatorFunction<readonly T[], R> {
  return jobsWindow<T, R>(limit, (item, owner) => {
    const subscription = project(item).subscribe({
      next: (value) => {
        owner.next(value);
      },
      error: (err: unknown) => {
        owner.error(err);
      },
    });
    // after the teardown; at once if the Observable has already ended (the window then sees it closed)
    subscription.add(() => {
      if (!owner.closed) owner.release(subscription);
    });
    return subscription;
  });
}
