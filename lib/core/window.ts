import { Observable } from 'rxjs';
import type { OperatorFunction, Subscription } from 'rxjs';

/**
 * Like `mergeMap(project, limit)`, with the three properties the scheduler needs:
 * - FIFO: items start in the order they arrived;
 * - a slot is given back only once the inner Observable has completed, errored or been unsubscribed and
 *   its teardown has run (SSH session limits rely on this);
 * - no recursion: inners that complete synchronously, and items pushed while an inner runs, are drained by
 *   one loop, so a chain of 100,000 synchronous jobs does not grow the call stack (mergeMap would).
 *
 * The source emits batches: items that became ready together are all queued before any of them starts.
 * An inner error is passed on (the scheduler's inners never error: failures are events).
 * The result completes when the source has completed and every inner has.
 * @internal
 */
export function jobsWindow<T, R>(
  limit: number,
  project: (item: T) => Observable<R>,
): OperatorFunction<readonly T[], R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      // a queue with a moving head: O(1) push and shift, compacted when half of it is consumed
      let queue: T[] = [];
      let head = 0;
      let active = 0;
      let draining = false;
      let sourceDone = false;
      // open inners, in a Set: Subscription.add/remove would splice an array, O(n) per job
      const inners = new Set<Subscription>();
      // one observer for every inner: they differ only by their subscriptions
      const innerObserver = {
        next: (value: R) => {
          subscriber.next(value);
        },
        error: (err: unknown) => {
          subscriber.error(err);
        },
      };

      // a function: the consumer can leave during any call below, which type narrowing cannot see
      const downstreamClosed = (): boolean => subscriber.closed;
      const maybeComplete = (): void => {
        if (sourceDone && active === 0 && head === queue.length) subscriber.complete();
      };
      const release = (): void => {
        active--;
        drain();
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
            let released = false;
            const inner = project(item).subscribe(innerObserver);
            // the slot comes back after the inner's teardown, however it ends
            inner.add(() => {
              if (!released) {
                released = true;
                inners.delete(inner);
                if (draining) active--;
                else release();
              }
            });
            // the consumer may have left while the inner was starting: then nothing tracks it any more
            if (downstreamClosed()) inner.unsubscribe();
            else if (!inner.closed) inners.add(inner);
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
        for (const inner of [...inners]) inner.unsubscribe();
        queue = [];
        head = 0;
      };
    });
}
