import type { Job } from '../job.js';
import { JobsError } from '../../errors/jobs-error.js';

/**
 * A job requires a job that is not a member of the same scheduler. Raised by `run()`/`orchestrate()`
 * before any job starts. `scheduler.sanitize()` drops such requirements.
 * @category errors
 */
export class ForeignRequirementError extends JobsError {
  override readonly name = 'ForeignRequirementError' as const;
  override readonly code = 'foreign-requirement' as const;
  /** The member that has the requirement. */
  readonly job: Job;
  /** The required job, which is not a member. */
  readonly requirement: Job;
  /** Label of the scheduler. */
  readonly scheduler: string;

  constructor(scheduler: string, job: Job, requirement: Job) {
    super(
      `scheduler "${scheduler}": job "${job.label}" requires job "${requirement.label}", which is not in ` +
        `this scheduler; add "${requirement.label}" to it, or call sanitize() to drop the requirement`,
    );
    this.job = job;
    this.requirement = requirement;
    this.scheduler = scheduler;
  }
}

declare module '../../errors/jobs-error.js' {
  interface JobsErrorByCode {
    'foreign-requirement': ForeignRequirementError;
  }
}
