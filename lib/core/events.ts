import type { JobsError } from '../errors/jobs-error.js';
import type { Job } from './job.js';
import type { SchedulerCore as Scheduler } from './scheduler.js';

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
  readonly scheduler: Scheduler;
}

/** A job got its window slot and its work was subscribed. @category models */
export interface JobStartedEvent extends JobEventBase {
  readonly type: 'started';
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
}
/** A job failed; `critical` says whether that aborts its scheduler. @category models */
export interface JobFailedEvent extends JobEventBase {
  readonly type: 'failed';
  readonly error: JobsError;
  readonly critical: boolean;
}
/** A running job was unsubscribed (its teardown ran). @category models */
export interface JobCancelledEvent extends JobEventBase {
  readonly type: 'cancelled';
  readonly reason: CancelReason;
}
/** A job with `runIf: 'all-success'` was not run because these requirements did not succeed. @category models */
export interface JobSkippedEvent extends JobEventBase {
  readonly type: 'skipped';
  readonly because: readonly Job[];
}
/** A scheduler's run is over: the last event of its stream. @category models */
export interface SchedulerEndEvent {
  readonly type: 'end';
  readonly scheduler: Scheduler;
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

/**
 * How a job's latest run ended (`job.outcome()`); `undefined` while it has not ended.
 * @category models
 */
export type JobOutcome<T = unknown> =
  | { readonly status: 'done'; readonly value: T | undefined }
  | { readonly status: 'failed'; readonly error: JobsError }
  | { readonly status: 'cancelled' }
  | { readonly status: 'skipped'; readonly because: readonly Job[] };
