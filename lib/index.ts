// Public API: explicit named re-exports only.
export { Job, JobStatus, RunIf } from './core/job.js';
export type { JobChain, JobContext, JobOptions, Requirement, ShutdownHook, Work } from './core/job.js';
export { Sequence } from './core/sequence.js';
export type { Schedulable, SequenceOptions } from './core/sequence.js';
export { Scheduler } from './core/scheduler.js';
export type { RunOptions, SchedulerOptions } from './core/scheduler.js';
export type { KeepOnlyBetweenOptions } from './core/graph.js';
export type {
  CancelReason,
  JobCancelledEvent,
  JobDoneEvent,
  JobFailedEvent,
  JobOutcome,
  JobSkippedEvent,
  JobStartedEvent,
  JobValueEvent,
  SchedulerEndEvent,
  SchedulerEvent,
  StopReason,
} from './core/events.js';
export { isJobsError, JobsError } from './core/errors/jobs-error.js';
export type { JobsErrorByCode, JobsErrorCode } from './core/errors/jobs-error.js';
export { ConfigError } from './core/errors/config-error.js';
export { CycleError } from './core/errors/cycle-error.js';
export { ForeignRequirementError } from './core/errors/foreign-requirement-error.js';
export { JobFailedError } from './core/errors/job-failed-error.js';
export { JobTimeoutError } from './core/errors/job-timeout-error.js';
export { NotAMemberError } from './core/errors/not-a-member-error.js';
export { SchedulerAbortedError } from './core/errors/scheduler-aborted-error.js';
export { GraphvizError } from './render/graphviz-error.js';
export type { GraphvizErrorDetails } from './render/graphviz-error.js';
export { listingLegend } from './render/list.js';
export type { ListOptions } from './render/list.js';
export type { GraphicFormat } from './render/export.js';
