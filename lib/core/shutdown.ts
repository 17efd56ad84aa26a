import {
  catchError,
  defer,
  EMPTY,
  finalize,
  from,
  ignoreElements,
  mergeAll,
  takeUntil,
  tap,
  timer,
} from 'rxjs';
import type { Observable } from 'rxjs';

import type { Job, ShutdownContext } from './job.js';
import { isGroup } from './model.js';
import type { JobGroup, NestedRun } from './model.js';

/**
 * Calls the shutdown hook of each of `jobs` (the members of `scheduler`) once, concurrently, with a signal
 * aborted once the scheduler's `shutdownTimeout` expires, or if the shutdown is unsubscribed before the hooks
 * are done; completes when all are done, or at that timeout. A nested scheduler's members are shut down
 * through it: those of its run within this one (`nestedRun(i)`), unless that run did so itself; all of them
 * when it did not run. Errors of hooks are ignored (a shutdown must not change the run's outcome).
 * @internal
 */
export function shutdownMembers(
  scheduler: JobGroup,
  jobs: Iterable<Job>,
  nestedRun: (index: number) => NestedRun | undefined,
): Observable<never> {
  return defer(() => {
    const controller = new AbortController();
    const context: ShutdownContext = { signal: controller.signal };
    const pending: Observable<unknown>[] = [];
    let index = 0;
    for (const job of jobs) {
      const i = index++;
      try {
        const hook = isGroup(job) ? nestedShutdown(job, nestedRun(i)) : job.shutdown(context);
        if (hook !== undefined) pending.push(from(hook).pipe(catchError(() => EMPTY)));
      } catch {
        // a throwing hook is ignored, like a rejecting one
      }
    }
    if (pending.length === 0) return EMPTY;
    const bound = scheduler.shutdownTimeout;
    let over = false;
    const all = from(pending).pipe(mergeAll(), ignoreElements());
    const bounded =
      bound === undefined
        ? all
        : all.pipe(
            takeUntil(
              timer(bound).pipe(
                tap(() => {
                  over = true;
                  // as AbortSignal.timeout() does
                  controller.abort(
                    new DOMException(`shutdown timed out after ${String(bound)} ms`, 'TimeoutError'),
                  );
                }),
              ),
            ),
          );
    return bounded.pipe(
      tap({
        complete: () => {
          over = true;
        },
      }),
      finalize(() => {
        // unsubscribed before the end (the consumer left during the shutdown phase)
        if (!over) controller.abort();
      }),
    );
  });
}

/** A nested scheduler's part in its parent's shutdown (see {@link shutdownMembers}). */
const nestedShutdown = (nested: JobGroup, run: NestedRun | undefined): Observable<never> | undefined =>
  run === undefined ? shutdownMembers(nested, nested._memberList(), noNestedRun) : run.shutdown();

const noNestedRun = (): undefined => undefined;
