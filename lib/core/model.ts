import type { Observable } from 'rxjs';

import type { JobsError } from '../errors/jobs-error.js';
import type { Job } from './job.js';
import type { MaxFailures } from './job/max-failures.js';

// The types the core's modules share about schedulers and their runs: graph.ts, plan.ts, run.ts, shutdown.ts
// and the events take a JobGroup, what they need of a scheduler, and never import scheduler.ts (which imports
// them). Only `eventScheduler` and `isGroup` are values.

/**
 * What the core needs of a scheduler (a job whose work is to run its member jobs): the class that
 * implements it is `Scheduler`, which is what events carry as `scheduler`.
 * @category models
 */
export interface JobGroup extends Job<boolean> {
  /** The member jobs, in insertion order. */
  readonly jobs: ReadonlySet<Job>;
  /** Number of member jobs (nested schedulers count as one). */
  readonly size: number;
  /** Whether `job` is a member. */
  has(job: Job): boolean;
  /** Removes member jobs. */
  remove(...jobs: Job[]): this;
  /** Why the latest run ended as it did. */
  why(): string;
  /** How many jobs may run at once. */
  jobsWindow: number | undefined;
  /** Bound, in milliseconds, on the shutdown phase that ends every run. */
  shutdownTimeout: number | undefined;
  /** Bound, in milliseconds, on the cleanup phase (`undefined`: ten times `shutdownTimeout`). */
  cleanupTimeout: number | undefined;
  /** @internal the members in insertion order, each once (see `SchedulerCore._memberList`). */
  _memberList(): Iterable<Job>;
  /** @internal the cold Observable of a run of this group. */
  _runGraph(options: RunGraphOptions): Observable<SchedulerEvent>;
  /** The failure budget of its runs (see `SchedulerOptions.maxFailures`). */
  maxFailures: MaxFailures | undefined;
  /** Listings and graphs show it as one line (see `SchedulerOptions.fold`). */
  fold: boolean;
  /** @internal whether a member's failure does not count against the budget (see `SchedulerCore`). */
  _uncounted(error: JobsError): boolean;
  /** @internal what a folded listing groups a member under (see `SchedulerCore`). */
  _foldKey(member: Job): string;
}

/**
 * Where the public scheduler class registers itself by declaration merging (lib/scheduler.ts, a layer above
 * core, which core never imports), so that events carry their scheduler typed as that class.
 * @category models
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface SchedulerRegistry {}

/**
 * The type of an event's `scheduler`: the class registered in {@link SchedulerRegistry} (`Scheduler`), else
 * {@link JobGroup}.
 * @category models
 */
export type EventScheduler = SchedulerRegistry extends { readonly scheduler: infer S extends JobGroup }
  ? S
  : JobGroup;

/**
 * A run's scheduler as its events carry it: every scheduler is an instance of the registered class at run
 * time (nothing constructs the core class itself).
 * @internal
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the core class is not exported
export const eventScheduler = (group: JobGroup): EventScheduler => group as EventScheduler;

/** Whether a job is a scheduler (by the prototype flag `_isScheduler`: no import of the class). @internal */
export const isGroup = (job: Job): job is JobGroup => job._isScheduler;

/**
 * The run of a nested scheduler, as the run that started it sees it: it shuts it down at its end, and
 * collects the cancelled jobs in it.
 * @internal
 */
export interface NestedRun {
  /** The members' shutdown, the first time it is asked for in this run (afterwards: nothing to do). */
  shutdown(): Observable<never> | undefined;
  /** Puts waiting jobs back to idle; collects a cancelled event per cancelled job, at every depth. */
  collectCancelled(reason: CancelReason, out: SchedulerEvent[] | undefined): void;
}

/** The run that starts a nested scheduler's run: the nested run registers with it. @internal */
export interface NestedRunHost {
  /** Records the run of the nested scheduler at plan index `index`. */
  adopt(index: number, run: NestedRun): void;
}

/** @internal */
export interface RunGraphOptions {
  /** The run's global timeout (ms); `undefined`: none. */
  readonly timeout: number | undefined;
  /** `critical` of the nearest enclosing scheduler that sets it, for members (and this one) that do not. */
  readonly inheritedCritical: boolean | undefined;
  /** Run as a member of a parent scheduler: the parent validated the graph and shuts this one down. */
  readonly nested: boolean;
  /** For a nested run: the parent's run, which shuts it down, and this scheduler's index in it. */
  readonly parent: { readonly run: NestedRunHost; readonly index: number } | undefined;
  /** Aborting it stops the run (reason `aborted`); already aborted, nothing runs. Top-level runs only. */
  readonly signal: AbortSignal | undefined;
  /** Jobs done in a previous run, not run again (see `RunOptions.restore`); given to nested runs too. */
  readonly restore?: ReadonlyMap<Job, unknown> | undefined;
  /**
   * Whether the jobs' events (started, value, done, failed, skipped) are emitted: not for `orchestrate()`,
   * which reads the end event alone (300,000 events nobody reads in a 100,000-job run), nor for the
   * schedulers nested in such a run. The end and cancelled events always are.
   */
  readonly jobEvents: boolean;
}

/**
 * Why a run stopped: `fine` (every non-forever job completed), `timeout` (the scheduler's timeout fired),
 * `critical` (a critical job failed), `unsubscribed` (the subscriber left, or the parent cancelled it),
 * `aborted` (the `signal` given to `run()` or `orchestrate()` was aborted).
 * @category models
 */
export type StopReason = 'fine' | 'timeout' | 'critical' | 'unsubscribed' | 'aborted';

/**
 * Why a job was cancelled: `forever` (a forever job, once the other jobs were done), `timeout`, `critical`
 * (a critical job failed elsewhere), `parent` (its scheduler was itself cancelled by its parent), `aborted`
 * (the run's `signal` was aborted).
 * @category models
 */
export type CancelReason = 'forever' | 'timeout' | 'critical' | 'parent' | 'aborted';

interface JobEventBase {
  /** The job the event is about. */
  readonly job: Job;
  /** The scheduler the job is a member of (a nested one for the jobs inside it). */
  readonly scheduler: EventScheduler;
}

/** A job got its window slot and its work was subscribed. @category models */
export interface JobStartedEvent extends JobEventBase {
  readonly type: 'started';
  /** With `retries`: the number of this attempt (2 for the first retry); absent on the first attempt. */
  readonly attempt?: number;
  /** With `attempt`: how the previous attempt failed. */
  readonly previousError?: JobsError;
}
/** A job's Observable emitted a value. @category models */
export interface JobValueEvent extends JobEventBase {
  readonly type: 'value';
  readonly value: unknown;
}
/** A job completed successfully; `value` is its result (its last value). @category models */
export interface JobDoneEvent extends JobEventBase {
  readonly type: 'done';
  readonly value: unknown;
  /** Present (and true) only when the job was not run: a previous run's value (`RunOptions.restore`). */
  readonly restored?: true;
}
/** A job failed; `critical` says whether that aborts its scheduler. @category models */
export interface JobFailedEvent extends JobEventBase {
  readonly type: 'failed';
  readonly error: JobsError;
  readonly critical: boolean;
  /** With `retries`: how many attempts failed, when more than one (`error` is the last one's). */
  readonly attempts?: number;
  /**
   * Present (and true) only when the scheduler's `maxFailures` tolerated this failure: it counts against
   * the budget, the run goes on (`critical` is false).
   */
  readonly tolerated?: true;
  /**
   * Present (and true) only when the scheduler's budget does not count this failure (an unreachable host
   * under `ignoreUnreachable`, say): the run goes on (`critical` is false).
   */
  readonly ignored?: true;
}
/** A running job was unsubscribed (its teardown ran). @category models */
export interface JobCancelledEvent extends JobEventBase {
  readonly type: 'cancelled';
  readonly reason: CancelReason;
}
/**
 * A job was not run: with `runIf: 'all-success'`, because these requirements did not succeed; with
 * `runIf: 'one-failed'`, because none of them failed (`because` empty, `rule: 'one-failed'`).
 * @category models
 */
export interface JobSkippedEvent extends JobEventBase {
  readonly type: 'skipped';
  readonly because: readonly Job[];
  /** Present when the job was skipped by `runIf: 'one-failed'` (no requirement failed). */
  readonly rule?: 'one-failed';
}
/** A scheduler's run is over: the last event of its stream. @category models */
export interface SchedulerEndEvent {
  readonly type: 'end';
  readonly scheduler: EventScheduler;
  /** What `orchestrate()` resolves to. */
  readonly ok: boolean;
  readonly reason: StopReason;
  /** The same text as `scheduler.why()`. */
  readonly why: string;
}

/**
 * What `scheduler.run()` emits; discriminated by `type`. Events of nested schedulers' jobs appear on their
 * parent's stream, with `scheduler` set to the nested scheduler.
 * @category models
 */
export type SchedulerEvent =
  | JobStartedEvent
  | JobValueEvent
  | JobDoneEvent
  | JobFailedEvent
  | JobCancelledEvent
  | JobSkippedEvent
  | SchedulerEndEvent;
