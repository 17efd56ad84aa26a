import type { JobsError } from '../../errors/jobs-error.js';
import type { JobStatus } from '../job/status.js';

/**
 * The states of a job in one run, as small integers (a `Uint8Array` per run holds them); `STATUS_NAMES[code]`
 * is the {@link JobStatus} each one stands for.
 * @internal
 */
export const Code = {
  Idle: 0,
  Scheduled: 1,
  Running: 2,
  Done: 3,
  Failed: 4,
  Cancelled: 5,
  Skipped: 6,
} as const;

/** @internal */
export const STATUS_NAMES: readonly JobStatus[] = [
  'idle',
  'scheduled',
  'running',
  'done',
  'failed',
  'cancelled',
  'skipped',
];

/**
 * What a job reads of the latest run that includes it (see `RunState`), by its index in that run.
 * @internal
 */
export interface JobStates {
  /** A {@link Code} per member. */
  readonly status: Uint8Array;
  /** What the run left, per member (see `RunState.values`). */
  readonly values: unknown[];
  /** The JobsError of each failed member. */
  readonly errors: ReadonlyMap<number, JobsError>;
  /** With `maxFailures`: the members whose failure the budget tolerated or ignored. */
  readonly budget?: { readonly forgiven: ReadonlySet<number> } | undefined;
  /** The members done with a previous run's value, not run (`RunOptions.restore`); made on the first. */
  readonly restored?: ReadonlySet<number> | undefined;
}

/**
 * How a job's run ended, as `job.outcome()` returns it (a `JobOutcome`, which job.ts casts to, as this module
 * knows no `Job`): read from the states of the run at `index`; `undefined` when the job was in no run or its
 * run has not ended.
 * @internal
 */
export function outcomeAt(
  run: JobStates | undefined,
  index: number,
):
  | { readonly status: 'done'; readonly value: unknown; readonly restored?: true }
  | { readonly status: 'failed'; readonly error: JobsError }
  | { readonly status: 'cancelled' }
  | { readonly status: 'skipped'; readonly because: readonly unknown[] }
  | undefined {
  switch (run === undefined ? Code.Idle : run.status[index]) {
    case Code.Done:
      return run?.restored?.has(index) === true
        ? { status: 'done', value: run.values[index], restored: true }
        : { status: 'done', value: run?.values[index] };
    case Code.Failed: {
      const error = run?.errors.get(index);
      return error === undefined ? undefined : { status: 'failed', error };
    }
    case Code.Cancelled:
      return { status: 'cancelled' };
    case Code.Skipped:
      return { status: 'skipped', because: run?.values[index] as readonly unknown[] };
    default:
      return undefined;
  }
}
