import { defer } from 'rxjs';
import type { MonoTypeOperatorFunction, Observable } from 'rxjs';

import { ConfigError } from '../errors/config-error.js';
import { checkOptionKeys, describeValue } from '../errors/option-keys.js';
import { Job } from './job.js';
import { checkDuration, subjectOf } from './job/job-options.js';
import { isGroup } from './model.js';
import type { JobGroup, SchedulerEvent } from './model.js';
import { ORCHESTRATE_KEYS, RUN_KEYS } from './scheduler-options.js';
import type { OrchestrateOptions, RunOptions } from './scheduler-options.js';

// How `run()` and `orchestrate()` start a run of a scheduler at top level (a nested one is started by the run
// of its parent, through `_runGraph`).

/**
 * A top-level run of `scheduler`: its options checked when subscribed (so that `run()` errors rather than
 * throws), then `_runGraph`. `jobEvents` false: only the end event is made (see `orchestrate()`).
 * @internal
 */
export function runFromTop(
  scheduler: JobGroup,
  options: RunOptions,
  jobEvents: boolean,
): Observable<SchedulerEvent> {
  const timeout = options.timeout ?? scheduler.timeout;
  return defer(() => {
    // checked when subscribed, so that run() errors rather than throws
    checkOptionKeys(() => subjectOf(scheduler), 'run()', options, RUN_KEYS, 'run options');
    checkDuration(scheduler, 'timeout', timeout);
    checkRestore(scheduler, options.restore);
    return scheduler._runGraph({
      timeout,
      inheritedCritical: undefined,
      nested: false,
      jobEvents,
      parent: undefined,
      signal: options.signal,
      restore: options.restore,
    });
  });
}

/** Checks `restore` (from plain JavaScript too): a Map whose keys are jobs, none a scheduler. */
function checkRestore(scheduler: JobGroup, restore: unknown): void {
  if (restore === undefined) return;
  if (!(restore instanceof Map))
    throw new ConfigError(
      subjectOf(scheduler),
      'restore',
      `must be a Map of jobs to their values, got ${describeValue(restore)}`,
    );
  for (const job of (restore as Map<unknown, unknown>).keys()) {
    if (!(job instanceof Job))
      throw new ConfigError(
        subjectOf(scheduler),
        'restore',
        `its keys must be jobs, got ${describeValue(job)}`,
      );
    if (isGroup(job))
      throw new ConfigError(
        subjectOf(scheduler),
        'restore',
        `scheduler "${job.label}" cannot be restored whole: give the members that completed`,
      );
  }
}

/** Checks the keys of `orchestrate()`'s options. @throws {ConfigError} for an unknown one. @internal */
export const checkOrchestrateOptions = (scheduler: JobGroup, options: OrchestrateOptions): void => {
  checkOptionKeys(
    () => subjectOf(scheduler),
    'orchestrate()',
    options,
    ORCHESTRATE_KEYS,
    'orchestrate options',
  );
};

/**
 * `orchestrate()` of `scheduler`: its run, resolved to the `ok` of its end event, after the shutdown phase.
 * `ownRun`: a subclass's own `run()`, if it has one (else only the end event is made, unless printed);
 * `verboseRenderer`: the renderer of `verbose: true`.
 * @internal
 */
export function orchestrateGroup(
  scheduler: JobGroup,
  options: OrchestrateOptions,
  ownRun: ((options: RunOptions) => Observable<SchedulerEvent>) | undefined,
  verboseRenderer: () => MonoTypeOperatorFunction<SchedulerEvent> | undefined,
): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    // a throw here rejects the Promise
    checkOrchestrateOptions(scheduler, options);
    let ok = false;
    const run: RunOptions = { timeout: options.timeout, signal: options.signal, restore: options.restore };
    const verbose = options.verbose ?? false;
    const renderer = verbose === true ? verboseRenderer() : verbose === false ? undefined : verbose;
    // only the end event is read here: the jobs' events need not be made (unless `run` is overridden, or
    // they are printed)
    const events$ = ownRun !== undefined ? ownRun(run) : runFromTop(scheduler, run, renderer !== undefined);
    (renderer === undefined ? events$ : events$.pipe(renderer)).subscribe({
      next: (e) => {
        if (e.type === 'end' && (e.scheduler as JobGroup) === scheduler) ok = e.ok;
      },
      error: reject,
      complete: () => {
        resolve(ok);
      },
    });
  });
}
