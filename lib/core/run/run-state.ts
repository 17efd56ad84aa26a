import type { JobsError } from '../../errors/jobs-error.js';
import type { Job } from '../job.js';
import type { FailureBudget, MaxFailures } from '../job/max-failures.js';
import type { StopReason } from '../model.js';
import { Code } from './codes.js';
import type { JobStates } from './codes.js';

/**
 * What one run of a scheduler knows of its members, indexed by their position in the run's plan: a struct of
 * arrays owned by the run, so that two runs of one scheduler (two subscriptions to `run()`) never write over
 * each other, and so that 100,000 jobs cost three arrays rather than 100,000 objects. It also holds the
 * run's record (why it stopped), which the scheduler keeps for its latest run. Each job points to the
 * latest run started that includes it (set by `job._enterRun`): its inspection methods read through that.
 * @internal
 */
export class RunState implements JobStates {
  /** A {@link Code} per member. */
  readonly status: Uint8Array;
  /**
   * What the run left, by status: done: the last value; failed: what the work raised; skipped: the
   * requirements that did not succeed. (While running: the last value so far.)
   */
  readonly values: unknown[];
  /** The JobsError of each failed member (failures are few: a Map, not an array). */
  readonly errors = new Map<number, JobsError>();
  /** The members done with a previous run's value, not run (`RunOptions.restore`): made on the first. */
  restored: Set<number> | undefined = undefined;

  // The run's record, for `why()`, `list()` and nested cancellations: why it stopped (`undefined` while it
  // runs), its timeout, the critical job whose failure aborted it and its error, the `reason` of the aborted
  // signal, and how many jobs failed (not critically, when the run is fine) and were skipped so far.
  reason: StopReason | undefined = undefined;
  timeout: number | undefined = undefined;
  culprit: Job | undefined = undefined;
  culpritError: JobsError | undefined = undefined;
  abortReason: unknown = undefined;
  failed = 0;
  skipped = 0;
  /** The count of failures against the scheduler's `maxFailures`: only when it is set. */
  readonly budget: BudgetRecord | undefined;

  constructor(size: number, budget?: BudgetRecord) {
    this.status = new Uint8Array(size);
    // holey, at its final size: filled as jobs end
    this.values = new Array<unknown>(size);
    this.budget = budget;
  }

  /** Records that the member at `index` failed: what its work `raised`, and the JobsError of that. */
  fail(index: number, raised: unknown, error: JobsError): void {
    this.status[index] = Code.Failed;
    this.values[index] = raised;
    this.errors.set(index, error);
    this.failed++;
  }

  /** Records that the member at `index` is done with a previous run's `value`, not run. */
  restore(index: number, value: unknown): void {
    this.values[index] = value;
    (this.restored ??= new Set()).add(index);
  }

  /** Records that the member at `index` was skipped, `because` of these requirements that did not succeed. */
  skip(index: number, because: Job[]): void {
    this.status[index] = Code.Skipped;
    this.values[index] = because;
    this.skipped++;
  }
}

/**
 * How a failure counts against a failure budget: `tolerated` (within it), `ignored` (not counted, see
 * `_uncounted`), `over` (one more than the budget: the run stops).
 * @internal
 */
export type Verdict = 'tolerated' | 'ignored' | 'over';

/**
 * A run's count of its members' failures against its scheduler's `maxFailures` (made only when that is set:
 * runs without it allocate nothing for it), and the members whose failure it forgave, for `isTolerated()`.
 * @internal
 */
export class BudgetRecord {
  failed = 0;
  /** Failures counted against the budget, the one over it included. */
  counted = 0;
  tolerated = 0;
  ignored = 0;
  /** The members whose failure was tolerated or ignored, by plan index. */
  readonly forgiven = new Set<number>();
  readonly maxFailures: MaxFailures;
  readonly budget: number;
  /** Number of members in the run. */
  readonly size: number;

  constructor(maxFailures: MaxFailures, budget: number, size: number) {
    this.maxFailures = maxFailures;
    this.budget = budget;
    this.size = size;
  }

  /** Counts the failure of the member at `index`; `uncounted`: it does not count against the budget. */
  count(index: number, uncounted: boolean): Verdict {
    this.failed++;
    if (uncounted) {
      this.ignored++;
      // every member failed, none counted (all unreachable, say): nothing was done, which no budget forgives
      if (this.ignored === this.size) return 'over';
      this.forgiven.add(index);
      return 'ignored';
    }
    if (this.counted++ < this.budget) {
      this.tolerated++;
      this.forgiven.add(index);
      return 'tolerated';
    }
    return 'over';
  }

  /** What `failureBudget()` returns: plain data. */
  data(): FailureBudget {
    const { maxFailures, budget, failed, tolerated, ignored } = this;
    return { maxFailures, budget, failed, tolerated, ignored };
  }
}
