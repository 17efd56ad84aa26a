import type { JobsError } from '../../errors/jobs-error.js';
import { describeRaised } from '../errors/job-failed-error.js';
import type { Job } from '../job.js';
import { maxFailuresText } from '../job/max-failures.js';
import type {
  CancelReason,
  EventScheduler,
  JobFailedEvent,
  SchedulerEndEvent,
  StopReason,
} from '../model.js';
import type { BudgetRecord, RunState, Verdict } from './run-state.js';

// `why()`'s text for the record of a run (see `RunState`), the end event that carries it, and the failed
// event of a job, which says how the failure counted.

/** How each stop reason names the cancellation of the jobs still running. @internal */
export const CANCEL_REASON: Record<StopReason, CancelReason> = {
  fine: 'forever',
  timeout: 'timeout',
  critical: 'critical',
  unsubscribed: 'parent',
  aborted: 'aborted',
};

/** What an abort reason adds to `why()`: nothing for the default one (`controller.abort()`). */
const abortDetail = (reason: unknown): string => {
  if (reason instanceof Error) return reason.name === 'AbortError' ? '' : `: ${reason.message}`;
  return typeof reason === 'string' || typeof reason === 'number' ? `: ${String(reason)}` : '';
};

/** How `why()` starts for a run that reached its end (see {@link whyForPeople}). @internal */
export const FINE_WHY = 'fine: ';

/**
 * The text of `why()` for a run record.
 * @internal
 */
export function explain(record: RunState | undefined): string {
  if (record === undefined) return 'not run yet';
  switch (record.reason) {
    case undefined:
      return 'running';
    case 'fine': {
      const { failed, skipped, budget } = record;
      const notes = [
        ...(budget !== undefined
          ? budgetNotes(budget)
          : failed > 0
            ? [`${String(failed)} failed, not critical`]
            : []),
        ...(skipped > 0 ? [`${String(skipped)} skipped`] : []),
      ];
      return `${FINE_WHY}every job completed${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
    }
    case 'timeout':
      return `timed out after ${String(record.timeout)} ms`;
    case 'critical': {
      const culprit = record.culprit;
      if (culprit === undefined) return 'a critical job failed';
      // what the work raised, not the JobFailedError wrapping it (whose message names the job again)
      const error = record.culpritError;
      const cause =
        error?.code === 'job-failed' ? describeRaised(error.cause) : (error?.message ?? 'unknown error');
      const budget = record.budget;
      // under a budget no member is critical: the run stopped for one failure more than it tolerates
      if (budget !== undefined) return `${overBudget(budget)}: "${culprit.label}" failed: ${cause}`;
      return `critical job "${culprit.label}" failed: ${cause}`;
    }
    case 'unsubscribed':
      return 'cancelled: unsubscribed before the end';
    case 'aborted':
      return `cancelled: aborted by its signal${abortDetail(record.abortReason)}`;
  }
}

/**
 * `why()`'s text as a run record keeps it, for people (`why()` itself keeps its `fine:` tag, which programs
 * and listings read): a run that reached its end without `fine:` (`every job completed (1 skipped)`); one
 * where `failed` jobs failed with nothing to tolerate them (jobs not critical: the run went on, it is still
 * a failure) says so first (`2 jobs failed (not critical); 1 skipped`). `unit` names what failed (`2 hosts
 * failed` for rxssh). Any other text (a critical failure, a timeout) as it is.
 * @internal
 */
export function whyForPeople(why: string, failed: number, unit = 'job'): string {
  if (!why.startsWith(FINE_WHY)) return why;
  const rest = why.slice(FINE_WHY.length);
  if (failed <= 0) return rest;
  const open = rest.indexOf(' (');
  const notes = open < 0 ? [] : rest.slice(open + 2, -1).split('; ');
  const others = notes.filter((n) => !/^\d+ failed, not critical$/.test(n));
  // rxssh's hosts are never critical: no need to say it
  const head = `${String(failed)} ${unit}${failed === 1 ? '' : 's'} failed${unit === 'job' ? ' (not critical)' : ''}`;
  return others.length === 0 ? head : `${head}; ${others.join('; ')}`;
}

/** `2 failed, tolerated by maxFailures 40% (2)`, `1 failed, ignored`: a fine run's notes on its budget. */
const budgetNotes = ({ tolerated, ignored, maxFailures, budget }: BudgetRecord): string[] => [
  ...(tolerated > 0
    ? [`${String(tolerated)} failed, tolerated by maxFailures ${maxFailuresText(maxFailures, budget)}`]
    : []),
  ...(ignored > 0 ? [`${String(ignored)} failed, ignored`] : []),
];

/** `3 of 5 members failed, more than maxFailures 40% (2)`: why a budget stopped its run. */
const overBudget = ({ counted, size, ignored, maxFailures, budget }: BudgetRecord): string =>
  ignored === size
    ? `all ${String(size)} members failed, none counted against maxFailures (all ignored): nothing was done`
    : `${String(counted)} of ${String(size)} members failed${ignored > 0 ? ` (and ${String(ignored)} ignored)` : ''}, ` +
      `more than maxFailures ${maxFailuresText(maxFailures, budget)}`;

/**
 * The failed event of `job`; `verdict`: how its scheduler's budget counted the failure, if it has one
 * (`tolerated` and `ignored` are present only when true).
 * @internal
 */
export function failedEvent(
  job: Job,
  error: JobsError,
  critical: boolean,
  scheduler: EventScheduler,
  attempts: number,
  verdict: Verdict | undefined,
): JobFailedEvent {
  const event: { -readonly [K in keyof JobFailedEvent]: JobFailedEvent[K] } = {
    type: 'failed',
    job,
    error,
    critical,
    scheduler,
  };
  if (attempts > 1) event.attempts = attempts;
  if (verdict === 'tolerated') event.tolerated = true;
  else if (verdict === 'ignored') event.ignored = true;
  return event;
}

/** The end event of a run of `scheduler` that stopped for `reason`, with `why()`'s text. @internal */
export const endEvent = (
  scheduler: EventScheduler,
  reason: StopReason,
  record: RunState,
): SchedulerEndEvent => ({
  type: 'end',
  scheduler,
  ok: reason === 'fine',
  reason,
  why: explain(record),
});
