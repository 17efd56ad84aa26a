import type { Job } from '../job.js';
import { isJobsError, JobsError } from '../../errors/jobs-error.js';

/** `Name: message` for an Error, the text of anything else. @internal */
export const describeRaised = (e: unknown): string => {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  if (typeof e === 'string') return e;
  try {
    // undefined for undefined, functions and symbols
    const json = JSON.stringify(e) as string | undefined;
    return json ?? String(e);
  } catch {
    return String(e); // circular
  }
};

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
    super(`job "${job.label}" failed: ${describeRaised(cause)}`, { cause });
    this.job = job;
  }
}

declare module '../../errors/jobs-error.js' {
  interface JobsErrorByCode {
    'job-failed': JobFailedError;
  }
}

/**
 * The JobsError of what a job's work raised: itself if it is one, else a JobFailedError wrapping it.
 * @internal
 */
export const toJobsError = (raised: unknown, job: Job): JobsError =>
  isJobsError(raised) ? raised : new JobFailedError(job, raised);
