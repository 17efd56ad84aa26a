import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';

import type { JobsError } from '../errors/jobs-error.js';
import type { JobOutcome, SchedulerEvent } from './events.js';
import type { Job } from './job.js';

/**
 * Follows one job on a scheduler's stream, typed from the job: emits each value the job emits (its `value`
 * events, as `T`); when the run is over (the stream completes), completes, or errors with the job's
 * `JobsError` if it failed. It never ends before the run does, so following a job never cuts the run short
 * (a job that is cancelled or skipped, or not run, just emits nothing more).
 * @example
 * const fetch = new Job(async () => download(url)); // Job<Buffer>
 * const body: Buffer = await lastValueFrom(scheduler.run().pipe(valuesOf(fetch))); // rejects if it failed
 * @category combinators
 */
export function valuesOf<T>(job: Job<T, unknown>): OperatorFunction<SchedulerEvent, T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let failure: JobsError | undefined;
      const subscription = source.subscribe({
        next: (e) => {
          if (e.type === 'value' && e.job === job) subscriber.next(e.value as T);
          else if (e.type === 'failed' && e.job === job) failure = e.error;
        },
        error: (e: unknown) => {
          subscriber.error(e);
        },
        complete: () => {
          if (failure === undefined) subscriber.complete();
          else subscriber.error(failure);
        },
      });
      return subscription;
    });
}

/**
 * Follows one job on a scheduler's stream, typed from the job: emits how it ended (a {@link JobOutcome},
 * `done` with its last value as `T`, `failed` with its error, `cancelled` or `skipped`) when it does, and
 * completes with the stream (without emitting when the job did not end in the run).
 * @example
 * scheduler.run().pipe(outcomeOf(fetch)).subscribe((o) => console.log(o.status === 'done' ? o.value : o.status));
 * @category combinators
 */
export function outcomeOf<T>(job: Job<T, unknown>): OperatorFunction<SchedulerEvent, JobOutcome<T>> {
  return (source) =>
    new Observable<JobOutcome<T>>((subscriber) =>
      source.subscribe({
        next: (e) => {
          if (e.type === 'end' || e.job !== job) return;
          switch (e.type) {
            case 'done':
              subscriber.next({ status: 'done', value: e.value as T });
              break;
            case 'failed':
              subscriber.next({ status: 'failed', error: e.error });
              break;
            case 'cancelled':
              subscriber.next({ status: 'cancelled' });
              break;
            case 'skipped':
              subscriber.next({ status: 'skipped', because: e.because });
              break;
            default:
              break;
          }
        },
        error: (e: unknown) => {
          subscriber.error(e);
        },
        complete: () => {
          subscriber.complete();
        },
      }),
    );
}
