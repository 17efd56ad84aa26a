import { map, NEVER, Observable, tap, timer } from 'rxjs';

import type { RunState } from './run-state.js';

// The ways a run is stopped from outside its jobs, as Observables for its `takeUntil` (the others, every
// finite job done and a critical failure, come from the run itself).

/**
 * Emits `'timeout'` once the run's `timeout` (ms) expires, after recording that reason unless the run
 * already stopped for another; never emits without a timeout.
 * @internal
 */
export const deadline = (timeout: number | undefined, record: RunState): Observable<'timeout'> =>
  timeout === undefined
    ? NEVER
    : timer(timeout).pipe(
        map(() => 'timeout' as const),
        tap(() => {
          record.reason ??= 'timeout';
        }),
      );

/**
 * Calls `stop` when `signal` is aborted, while subscribed; emits nothing (`stop` makes the run's own stop
 * notifier emit).
 * @internal
 */
export const whenAborted = (signal: AbortSignal | undefined, stop: () => void): Observable<never> =>
  signal === undefined
    ? NEVER
    : new Observable<never>(() => {
        const onAbort = (): void => {
          stop();
        };
        signal.addEventListener('abort', onAbort);
        return () => {
          signal.removeEventListener('abort', onAbort);
        };
      });

/**
 * Emits once `signal` is aborted (at once if it already is), after calling `onAbort`; never emits without
 * a signal. For the cleanup phase, which the signal ends too.
 * @internal
 */
export const abortNotice = (signal: AbortSignal | undefined, onAbort: () => void): Observable<void> =>
  signal === undefined
    ? NEVER
    : new Observable<void>((subscriber) => {
        const notify = (): void => {
          onAbort();
          subscriber.next();
        };
        if (signal.aborted) {
          notify();
          return undefined;
        }
        signal.addEventListener('abort', notify);
        return () => {
          signal.removeEventListener('abort', notify);
        };
      });
