import type { Job } from '../job.js';
import { JobsError } from '../../errors/jobs-error.js';

/**
 * A job ran longer than its own `timeout`; its work was cancelled (teardown ran). The job fails with this
 * error, so the critical rule applies to it.
 * @category errors
 */
export class JobTimeoutError extends JobsError {
  override readonly name = 'JobTimeoutError' as const;
  override readonly code = 'job-timeout' as const;
  /** The job that timed out. */
  readonly job: Job;
  /** Its timeout, in milliseconds. */
  readonly timeout: number;

  constructor(job: Job, timeout: number) {
    super(`job "${job.label}" timed out after ${String(timeout)} ms and was cancelled`);
    this.job = job;
    this.timeout = timeout;
  }
}

declare module '../../errors/jobs-error.js' {
  interface JobsErrorByCode {
    'job-timeout': JobTimeoutError;
  }
}
