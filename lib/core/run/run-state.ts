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
 * What one run of a scheduler knows of its members, indexed by their position in the run's plan: a struct of
 * arrays owned by the run, so that two runs of one scheduler (two subscriptions to `run()`) never write over
 * each other, and so that 100,000 jobs cost three arrays rather than 100,000 objects. Each job points to the
 * latest run started that includes it (set by `job._enterRun`): its inspection methods read through that.
 * @internal
 */
export class RunState {
  /** A {@link Code} per member. */
  readonly status: Uint8Array;
  /**
   * What the run left, by status: done: the last value; failed: what the work raised; skipped: the
   * requirements that did not succeed. (While running: the last value so far.)
   */
  readonly values: unknown[];
  /** The JobsError of each failed member (failures are few: a Map, not an array). */
  readonly errors = new Map<number, JobsError>();

  constructor(size: number) {
    this.status = new Uint8Array(size);
    // holey, at its final size: filled as jobs end
    this.values = new Array<unknown>(size);
  }
}
