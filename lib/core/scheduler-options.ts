import type { MonoTypeOperatorFunction } from 'rxjs';

import { ConfigError } from '../errors/config-error.js';
import { describeValue, optionKeys } from '../errors/option-keys.js';
import { isChain, Job } from './job.js';
import type { JobOptions } from './job.js';
import { subjectOf } from './job/job-options.js';
import type { CheckedJob } from './job/job-options.js';
import type { MaxFailures } from './job/max-failures.js';
import type { SchedulerEvent } from './model.js';

/**
 * Options of a scheduler; each is also a mutable field of the same name.
 * @category models
 */
export interface SchedulerOptions extends Omit<JobOptions, 'shutdown' | 'retries'> {
  /**
   * The default of the members (at any depth) that do not set `critical`, and this scheduler's own
   * criticality in its parent. Unset (the default): members keep the setting of an enclosing scheduler, else
   * their class default (`Job`: false, `SshJob`: true, as in apssh), and a nested scheduler is not critical.
   */
  readonly critical?: boolean | undefined;
  /**
   * Milliseconds for the whole run: on expiry every running job is cancelled and the run ends `false`.
   * (For a nested scheduler, counted from when it starts.)
   */
  readonly timeout?: number | undefined;
  /** How many jobs may run at once (a nested scheduler takes one slot). Default: no limit. */
  readonly jobsWindow?: number | undefined;
  /** Bound, in milliseconds, on the shutdown phase that ends every run. Default 1000. */
  readonly shutdownTimeout?: number | undefined;
  /**
   * A failure budget: how many members may fail before the run stops, a count or a percentage of the
   * members (`3`, `'10%'`: the floor of that share of the members when the run starts, so `'10%'` of 37 is
   * 3). Set, it replaces the members' `critical` (even an explicit `critical: true`; members of nested
   * schedulers keep theirs): a failure within the budget is tolerated (its event says `tolerated: true`,
   * the run goes on and can end fine), the one beyond it stops the run as a critical failure does (reason
   * `critical`, that member the culprit, the members still running cancelled). `0` stops at the first
   * failure. Unset (the default): no budget, the members' `critical` decides. This scheduler's own
   * `critical` still says what its parent does when it stops. See `failureBudget()`, `job.isTolerated()`.
   */
  readonly maxFailures?: MaxFailures | undefined;
  /**
   * Listings and graphs show this scheduler as one line (one node) rather than its members. Default false.
   */
  readonly fold?: boolean | undefined;
  /**
   * Bound, in milliseconds, on the cleanup phase: after a critical failure or the run's timeout, the jobs
   * with `runIf: 'always'` (or `'one-failed'` with a failed requirement) still run, before the shutdown; on
   * expiry those still running are cancelled. Default: ten times `shutdownTimeout` (none if that is unset);
   * `Infinity` for no bound.
   */
  readonly cleanupTimeout?: number | undefined;
}

/** @category models */
export interface RunOptions {
  /** Overrides the scheduler's own `timeout` for this run (nested schedulers keep theirs). */
  readonly timeout?: number | undefined;
  /**
   * Aborting it cancels the run: running jobs are cancelled, the shutdown phase runs, and the run ends
   * `false` (reason `aborted`). Already aborted: no job runs.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Jobs that a previous run completed, with their values: a resumed run. Each of them is not run; it is done
   * at once, with that value, and its `done` event says `restored: true` (no `started` event). Members of
   * nested schedulers too (a nested scheduler itself cannot be restored whole: it runs, and its restored
   * members are not run). What a previous run completed is read from its record by `restorable()`.
   */
  readonly restore?: ReadonlyMap<Job, unknown> | undefined;
}

/** @category models */
export interface OrchestrateOptions extends RunOptions {
  /**
   * Print the run as it goes: `true` writes the jobs' progress, their output lines and, at the end, the
   * failures in words to stdout and stderr (`writeProgress()`); or give a renderer of your own, an operator
   * that passes the events on (`writeProgress({ stdout: stream })`, `writeLines()`). Default: nothing printed.
   */
  readonly verbose?: boolean | MonoTypeOperatorFunction<SchedulerEvent> | undefined;
}

/** The keys of {@link SchedulerOptions} beyond those of a job (see `Job.extraOptions`). @internal */
export const SCHEDULER_KEYS: readonly string[] = [
  'jobsWindow',
  'shutdownTimeout',
  'maxFailures',
  'fold',
  'cleanupTimeout',
];
/** The keys of {@link RunOptions}, for `run()` and `orchestrate()`. @internal */
export const RUN_KEYS = optionKeys(['timeout', 'signal', 'restore']);
/** The keys of {@link OrchestrateOptions}. @internal */
export const ORCHESTRATE_KEYS = optionKeys(['timeout', 'signal', 'restore', 'verbose']);
/** @internal */
export const isOptionsObject = (x: unknown): x is SchedulerOptions =>
  typeof x === 'object' &&
  x !== null &&
  (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null);

/** What `new Scheduler(...)` is given, for error messages: `new Scheduler(job "a", job "b")`. */
const shownArgument = (x: unknown): string =>
  x instanceof Job
    ? `${x._isScheduler ? 'scheduler' : 'job'} "${x.label}"`
    : isChain(x)
      ? 'a Sequence'
      : describeValue(x);

/**
 * Refuses what `new Scheduler` would misread: jobs as separate arguments (asynciojobs' `Scheduler(*jobs)`),
 * one job or one scheduler instead of an array (a scheduler is iterable: its jobs would be adopted).
 * @internal
 */
export function checkSchedulerArguments(jobs: unknown, options: unknown, args: IArguments): void {
  const given = (): string => `new Scheduler(${Array.from(args, shownArgument).join(', ')})`;
  const where = 'scheduler (a new Scheduler)';
  const second: unknown = args[1];
  if (args.length > 2 || second instanceof Job || isChain(second) || Array.isArray(second))
    throw new ConfigError(
      where,
      'jobs',
      `must be one array: write new Scheduler([a, b, ...], options) rather than ${given()}`,
    );
  if (jobs instanceof Job)
    throw new ConfigError(
      where,
      'jobs',
      jobs._isScheduler
        ? `must be an array, got ${given()}: to nest that scheduler write new Scheduler([inner]); ` +
            'to take its jobs, new Scheduler([...inner])'
        : `must be an array: write new Scheduler([job]) rather than ${given()}`,
    );
  if (typeof jobs !== 'object' || jobs === null || !(Symbol.iterator in jobs))
    throw new ConfigError(where, 'jobs', `must be an array of jobs, got ${given()}`);
  if (!isOptionsObject(options))
    throw new ConfigError(
      where,
      'options',
      `must be an object such as { jobsWindow: 4 }, got ${describeValue(options)} in ${given()}`,
    );
}

/** Refuses the `shutdown` option, which a scheduler takes from `JobOptions` but has no use for. @internal */
export function refuseShutdownOption(scheduler: CheckedJob, options: SchedulerOptions): void {
  if ((options as { shutdown?: unknown }).shutdown !== undefined)
    throw new ConfigError(
      subjectOf(scheduler),
      'shutdown',
      'is not an option of Scheduler: a scheduler shuts its own jobs down; give the hook to a job of it',
    );
}

/** The error of a scheduler given itself, or a scheduler that contains it, as a member. @internal */
export const cannotHold = (scheduler: CheckedJob, job: Job): ConfigError =>
  new ConfigError(
    subjectOf(scheduler),
    'jobs',
    `cannot hold scheduler "${job.label}", which ${job === scheduler ? 'is itself' : 'contains it'}`,
  );
