// The scheduler's window (TaskWindow) as RxJS operators, for the tests of its rules: items are batches of
// tasks, or of Observables whose slot is given back after their teardown.
import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';

import { TaskWindow } from '../../lib/core/window.js';
import type { WindowOwner, WindowTask } from '../../lib/core/window.js';

/**
 * {@link TaskWindow} as an operator: the source emits batches of items.
 */
export function jobsWindow<T, R>(
  limit: number,
  start: (item: T, owner: WindowOwner<R>) => WindowTask,
): OperatorFunction<readonly T[], R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      const window = new TaskWindow(limit, start, subscriber);
      const sourceSubscription = source.subscribe({
        next: (batch) => {
          for (const item of batch) window.push(item);
          window.drain();
        },
        error: (err: unknown) => {
          subscriber.error(err);
        },
        complete: () => {
          window.end();
        },
      });
      return () => {
        sourceSubscription.unsubscribe();
        window.unsubscribe();
      };
    });
}

/**
 * {@link jobsWindow} for Observables: each item's Observable is a task, whose slot is given back after its
 * teardown.
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
