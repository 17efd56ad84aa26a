import { describeRaised } from '../errors/job-failed-error.js';
import type { CancelReason, EventScheduler, SchedulerEndEvent, StopReason } from '../model.js';
import type { RunState } from './run-state.js';

// `why()`'s text for the record of a run (see `RunState`), and the end event that carries it.

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
      const { failed, skipped } = record;
      const notes = [
        ...(failed > 0 ? [`${String(failed)} failed, not critical`] : []),
        ...(skipped > 0 ? [`${String(skipped)} skipped`] : []),
      ];
      return `fine: every job completed${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
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
      return `critical job "${culprit.label}" failed: ${cause}`;
    }
    case 'unsubscribed':
      return 'cancelled: unsubscribed before the end';
    case 'aborted':
      return `cancelled: aborted by its signal${abortDetail(record.abortReason)}`;
  }
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
