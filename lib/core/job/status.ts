/**
 * The states of a job, for its latest run.
 * `scheduled`: its requirements are met and it waits for a window slot. `done`: completed successfully.
 * `failed`: its work errored. `cancelled`: unsubscribed while running. `skipped`: not run because of `runIf`.
 * @category models
 */
export const JobStatus = {
  Idle: 'idle',
  Scheduled: 'scheduled',
  Running: 'running',
  Done: 'done',
  Failed: 'failed',
  Cancelled: 'cancelled',
  Skipped: 'skipped',
} as const;
/** @category models */
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/**
 * When a job whose requirements have all completed runs: `all-done` (the default, as in asynciojobs: even if
 * some failed) or `all-success` (otherwise it is skipped, and so are its own `all-success` dependents).
 * @category models
 */
export const RunIf = { AllDone: 'all-done', AllSuccess: 'all-success' } as const;
/** @category models */
export type RunIf = (typeof RunIf)[keyof typeof RunIf];
