import type { Job } from '../job.js';
import { JobsError } from '../../errors/jobs-error.js';

/**
 * The requirements of a scheduler's jobs form a cycle. Raised by `run()`/`orchestrate()` before any job
 * starts; the message spells the cycle out, `a -> b -> a`.
 * @category errors
 */
export class CycleError extends JobsError {
  override readonly name = 'CycleError' as const;
  override readonly code = 'cycle' as const;
  /** The jobs on the cycle, in requirement order; the first one is repeated at the end of the message only. */
  readonly cycle: readonly Job[];
  /** Label of the scheduler whose jobs form the cycle. */
  readonly scheduler: string;

  constructor(scheduler: string, cycle: readonly Job[]) {
    const path = [...cycle, ...cycle.slice(0, 1)].map((j) => j.label).join(' -> ');
    super(
      `scheduler "${scheduler}": the requirements form a cycle: ${path}; remove one of these requirements`,
    );
    this.cycle = cycle;
    this.scheduler = scheduler;
  }
}

declare module '../../errors/jobs-error.js' {
  interface JobsErrorByCode {
    cycle: CycleError;
  }
}
