import { defer } from 'rxjs';
import type { Observable } from 'rxjs';

import { checkOptionKeys } from '../errors/option-keys.js';
import { checkDuration, subjectOf } from './job/job-options.js';
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
    return scheduler._runGraph({
      timeout,
      inheritedCritical: undefined,
      nested: false,
      jobEvents,
      parent: undefined,
      signal: options.signal,
    });
  });
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
