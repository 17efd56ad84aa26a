import type { Job } from '../job.js';
import { JobsError } from './jobs-error.js';

const messageOf = (e: unknown): string =>
  e instanceof Error
    ? `${e.name}: ${e.message}`
    : typeof e === 'string'
      ? e
      : (JSON.stringify(e) ?? String(e));

/**
 * A job's work threw or errored with something that is not an rxjobs error; the original is the `cause`.
 * Carried by the `failed` event; `job.raisedException()` returns the original.
 * @category errors
 */
export class JobFailedError extends JobsError {
  override readonly name = 'JobFailedError' as const;
  override readonly code = 'job-failed' as const;
  /** The job that failed. */
  readonly job: Job;

  constructor(job: Job, cause: unknown) {
    super(`job "${job.label}" failed: ${messageOf(cause)}`, { cause });
    this.job = job;
  }
}

declare module './jobs-error.js' {
  interface JobsErrorByCode {
    'job-failed': JobFailedError;
  }
}
