import type { Job } from '../job.js';
import { JobsError } from '../../errors/jobs-error.js';

/**
 * A graph operation (`bypassAndRemove`, `remove`, `predecessors`...) was given a job that is not a member
 * of the scheduler.
 * @category errors
 */
export class NotAMemberError extends JobsError {
  override readonly name = 'NotAMemberError' as const;
  override readonly code = 'not-a-member' as const;
  /** The job that is not a member. */
  readonly job: Job;
  /** Label of the scheduler. */
  readonly scheduler: string;

  constructor(scheduler: string, job: Job, operation: string) {
    super(`scheduler "${scheduler}": ${operation}: job "${job.label}" is not a member of this scheduler`);
    this.job = job;
    this.scheduler = scheduler;
  }
}

declare module '../../errors/jobs-error.js' {
  interface JobsErrorByCode {
    'not-a-member': NotAMemberError;
  }
}
