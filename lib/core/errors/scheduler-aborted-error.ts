import type { StopReason } from '../model.js';
import type { Job } from '../job.js';
import { JobsError } from '../../errors/jobs-error.js';

/**
 * A nested scheduler's run ended `false` (a critical failure inside it, or its timeout); this is its failure
 * as a job of its parent, so the parent's critical rule applies to it. The message is the nested `why()`.
 * @category errors
 */
export class SchedulerAbortedError extends JobsError {
  override readonly name = 'SchedulerAbortedError' as const;
  override readonly code = 'scheduler-aborted' as const;
  /** The nested scheduler. */
  readonly scheduler: Job;
  /** Why it ended `false`. */
  readonly reason: StopReason;

  constructor(scheduler: Job, reason: StopReason, why: string, options?: { cause?: unknown }) {
    super(`scheduler "${scheduler.label}" ended false: ${why}`, options);
    this.scheduler = scheduler;
    this.reason = reason;
  }
}

declare module '../../errors/jobs-error.js' {
  interface JobsErrorByCode {
    'scheduler-aborted': SchedulerAbortedError;
  }
}
