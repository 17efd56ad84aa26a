const BRAND = Symbol.for('rxjobs.JobsError');

/**
 * Base class of every error rxjobs raises on purpose. Each subclass has a literal `code`, so that
 * `isJobsError(e, 'cycle')` narrows, across realms and across two copies of the package.
 * @category errors
 */
export class JobsError extends Error {
  override readonly name: string = 'JobsError';
  /** Literal discriminant of the subclass. */
  readonly code: string = 'jobs';
  /** @internal brand checked by {@link isJobsError}. */
  readonly [BRAND] = true;
}

/**
 * Map of every error code to its class, extended by each error file through declaration merging.
 * @category errors
 */
export interface JobsErrorByCode {
  jobs: JobsError;
}

/** @category errors */
export type JobsErrorCode = keyof JobsErrorByCode;

/**
 * True when `e` is an rxjobs error, and when `code` is given, one with that `code`.
 * @example
 * if (isJobsError(e, 'cycle')) console.error(e.cycle.map((j) => j.label));
 * @category errors
 */
export function isJobsError(e: unknown): e is JobsError;
export function isJobsError<C extends JobsErrorCode>(e: unknown, code: C): e is JobsErrorByCode[C];
export function isJobsError(e: unknown, code?: string): boolean {
  if (typeof e !== 'object' || e === null || (e as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (e as { code?: unknown }).code === code;
}
