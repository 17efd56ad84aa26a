// Type tests of the scheduler's events: checked by `tsc -p .` (npm run typecheck), never run.
// Retries add optional fields to existing events, no new member: an exhaustive switch still compiles.
import type { JobsError, RetryOptions, SchedulerEvent } from '../../lib/index.js';

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
    case 'skipped':
      return String(e.because.length);
    case 'end':
      return String(e.ok);
    default: {
      const never: never = e;
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
