import { ConfigError } from '../../errors/config-error.js';
import { subjectOf } from '../job/job-options.js';
import { RunIf } from '../job/status.js';
import { Job } from '../job.js';

/** The `runIf` of a job as a small integer (a plan's `rules.rule` array holds them). @internal */
export const Rule = { AllDone: 0, AllSuccess: 1, Always: 2, OneFailed: 3 } as const;

const CODES: Readonly<Record<RunIf, number>> = {
  [RunIf.AllDone]: Rule.AllDone,
  [RunIf.AllSuccess]: Rule.AllSuccess,
  [RunIf.Always]: Rule.Always,
  [RunIf.OneFailed]: Rule.OneFailed,
};

// compared with, never called
// eslint-disable-next-line @typescript-eslint/unbound-method
const DEFAULT_SKIP_IF = Job.prototype._skipIf;

/**
 * What a plan knows of its members' trigger rules, gathered as it reads them (`note`, once per member): so
 * that a run where every job is `all-done` and no class overrides `_skipIf` (the 100,000-job case) reads
 * neither the jobs nor an array when it releases them, and never enters the cleanup phase.
 * @internal
 */
export class PlanRules {
  /** A {@link Rule} per member; `undefined` while every member is `all-done`. */
  rule: Uint8Array | undefined = undefined;
  /** How many members are `always` or `one-failed` (those the cleanup phase may start). */
  cleanupCount = 0;
  /** Whether some member's class overrides `Job._skipIf` (then the release asks each job). */
  hasSkipIf = false;
  readonly #size: number;

  constructor(size: number) {
    this.#size = size;
  }

  /**
   * Reads the rule of the member at `index`, which has `requirementCount` requirements.
   * @throws {ConfigError} for a `one-failed` job without requirements (it could never run).
   */
  note(job: Job, index: number, requirementCount: number): void {
    const runIf = job.runIf;
    if (runIf !== RunIf.AllDone) {
      const code = CODES[runIf];
      (this.rule ??= new Uint8Array(this.#size))[index] = code;
      if (code >= Rule.Always) this.cleanupCount++;
      if (code === Rule.OneFailed && requirementCount === 0)
        throw new ConfigError(
          subjectOf(job),
          'runIf',
          "'one-failed' needs a requirement (the job runs when one of its requirements failed): " +
            "add requires, or use runIf 'always'",
        );
    }
    if (job._skipIf !== DEFAULT_SKIP_IF) this.hasSkipIf = true;
  }
}
