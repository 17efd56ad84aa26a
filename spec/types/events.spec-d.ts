// Type tests of the scheduler's events: checked by `tsc -p .` (npm run typecheck), never run.
// Retries add optional fields to existing events, no new member: an exhaustive switch still compiles.
import type { JobsError, RetryOptions, RunIf, SchedulerEvent } from '../../lib/index.js';

export const describeEvent = (e: SchedulerEvent): string => {
  switch (e.type) {
    case 'started': {
      const attempt: number | undefined = e.attempt;
      const previous: JobsError | undefined = e.previousError;
      return `${e.job.label} ${String(attempt)} ${previous?.message ?? ''}`;
    }
    case 'value':
    case 'done':
      return String(e.value);
    case 'failed': {
      const attempts: number | undefined = e.attempts;
      return `${e.error.message} ${String(attempts)}`;
    }
    case 'cancelled':
      return e.reason;
    case 'skipped': {
      const rule: 'one-failed' | undefined = e.rule;
      return `${String(e.because.length)} ${rule ?? ''}`;
    }
    case 'end':
      return String(e.ok);
    default: {
      const never: never = e;
      return never;
    }
  }
};

// RunIf has four members: an exhaustive switch names each
export const describeRule = (rule: RunIf): string => {
  switch (rule) {
    case 'all-done':
    case 'all-success':
      return 'while the run goes on';
    case 'always':
    case 'one-failed':
      return 'in the cleanup phase too';
    default: {
      const never: never = rule;
      return never;
    }
  }
};

export const options: RetryOptions = {
  count: 3,
  delay: 500,
  backoff: 1.5,
  maxDelay: 10_000,
  retryIf: (error: JobsError, attempt: number) => error.code !== 'config' && attempt < 3,
};
// @ts-expect-error retryIf says yes or no
export const notBoolean: RetryOptions = { count: 1, retryIf: () => 'yes' };
// @ts-expect-error a count is required
export const noCount: RetryOptions = { delay: 500 };
// @ts-expect-error the fields are read-only
options.count = 4;
