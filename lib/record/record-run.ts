/**
 * `recordRun()`: a run recorded in a directory, for library users.
 * @module
 */
import { defer, from, Observable, switchMap } from 'rxjs';
import type { MonoTypeOperatorFunction } from 'rxjs';

import type { JobGroup, SchedulerEvent } from '../core/model.js';
import { ConfigError } from '../errors/config-error.js';
import { describeValue } from '../errors/option-keys.js';
import { RunRecorder } from './recorder.js';

/**
 * Checks the `record` option of `run()` and `orchestrate()`: a directory name (a non-empty string without
 * NUL), or undefined.
 * @throws {ConfigError} naming `subject` and the field `record`.
 * @internal
 */
export function checkRecordOption(subject: string, record: unknown): asserts record is string | undefined {
  if (record === undefined) return;
  if (typeof record !== 'string' || record === '' || record.includes('\0'))
    throw new ConfigError(
      subject,
      'record',
      `must be the name of a directory (a non-empty string), got ${describeValue(record)}`,
    );
}

/**
 * What {@link recordRun} is told besides the directory.
 * @category models
 */
export interface RecordRunOptions {
  /**
   * A resumed run (`run({ restore })`): the run directory it resumes (`ResumePlan.from`), written in run.json
   * as `resumedFrom`. `run({ restore: plan, record })` gives it.
   */
  readonly resumedFrom?: string | undefined;
}

/**
 * Records the run that passes through it in the directory `dir` (the run directory itself, made if missing;
 * the files of an earlier run there are replaced): `run.json`, `plan.json` (every job, nested ones
 * included, with its key), `events.jsonl` (every event but output lines and chunks, as `toJsonLines()`
 * writes them, each with its job's `key`, then an `end` record), and each job's exact output in
 * `outputs/` (files named by `outputFileOf()`). Read it back with `readRun(dir)`. Passes every event on
 * unchanged; the result completes once the files are written. Recording must not fail the run: a directory
 * that cannot be written is one warning line on stderr and no record; an output file that cannot be (a full
 * disk) cuts the outputs with one warning, while the events and the end are still recorded, and run.json's
 * `recordIncomplete` says so. Unsubscribing records the run as `interrupted`.
 * @example
 * await lastValueFrom(scheduler.run().pipe(recordRun(scheduler, 'runs/today')));
 * const record = await readRun('runs/today');
 * // a resumed run, which run.json says (`resumedFrom`)
 * const plan = resumePlan(scheduler, record);
 * await lastValueFrom(scheduler.run({ restore: plan.restore }).pipe(recordRun(scheduler, 'runs/again', { resumedFrom: plan.from })));
 * @throws {ConfigError} (when subscribed) for a `dir` that is not a non-empty string.
 * @category combinators
 */
export const recordRun =
  (
    scheduler: JobGroup,
    dir: string,
    options: RecordRunOptions = {},
  ): MonoTypeOperatorFunction<SchedulerEvent> =>
  (source) =>
    defer(() => {
      checkRecordOption(`recordRun() of scheduler "${scheduler.label}"`, dir);
      const recorder = new RunRecorder(scheduler, dir, { resumedFrom: options.resumedFrom });
      return from(recorder.start()).pipe(switchMap(() => recorded(source, recorder)));
    });

/** `source`, its events given to `recorder`, which is ended before the result completes or errors. */
const recorded = (source: Observable<SchedulerEvent>, recorder: RunRecorder): Observable<SchedulerEvent> =>
  new Observable<SchedulerEvent>((subscriber) => {
    let over = false;
    const subscription = source.subscribe({
      next: (e) => {
        recorder.event(e);
        subscriber.next(e);
      },
      error: (e: unknown) => {
        over = true;
        void recorder.end({ interrupted: false, ok: false, why: `error: ${String(e)}` }).then(() => {
          subscriber.error(e);
        });
      },
      complete: () => {
        over = true;
        void recorder.end({ interrupted: false }).then(() => {
          subscriber.complete();
        });
      },
    });
    return () => {
      subscription.unsubscribe();
      if (!over) void recorder.end({ interrupted: true, why: 'interrupted (unsubscribed)' });
    };
  });
