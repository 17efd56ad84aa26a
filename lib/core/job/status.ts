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
 * When a job whose requirements have all settled runs:
 * - `all-done` (the default, as in asynciojobs): even if some failed;
 * - `all-success`: only if every one succeeded, otherwise it is skipped (and so are its own `all-success`
 *   dependents);
 * - `always`: as `all-done` while the run goes on; and when the run stops because a critical job failed or
 *   its timeout expired, it still runs, in the cleanup phase (after the running jobs are cancelled, before
 *   the shutdown), bounded by the scheduler's `cleanupTimeout`;
 * - `one-failed`: only if at least one requirement failed or was cancelled (a skipped one does not count),
 *   otherwise it is skipped (`rule: 'one-failed'` on its skipped event); it runs in the cleanup phase too
 *   when a requirement failed or was cancelled. It needs at least one requirement.
 * @category models
 */
export const RunIf = {
  AllDone: 'all-done',
  AllSuccess: 'all-success',
  Always: 'always',
  OneFailed: 'one-failed',
} as const;
/** @category models */
export type RunIf = (typeof RunIf)[keyof typeof RunIf];
