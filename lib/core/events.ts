// The events of a run; declared in model.ts, next to the JobGroup they name (see there).
export type {
  CancelReason,
  JobCancelledEvent,
  JobDoneEvent,
  JobFailedEvent,
  JobGroup,
  JobSkippedEvent,
  JobStartedEvent,
  JobValueEvent,
  SchedulerEndEvent,
  SchedulerEvent,
  StopReason,
} from './model.js';
export type { JobOutcome } from './job.js';
