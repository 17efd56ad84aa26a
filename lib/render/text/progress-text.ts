/**
 * The lines of a scheduler's run as `writeProgress` tells it: one per job event, and the summary at the end.
 * @module
 */
import { inspect } from 'node:util';

import type { JobFailedEvent, JobOutcome, SchedulerEndEvent, SchedulerEvent } from '../../core/events.js';
import type { Job } from '../../core/job.js';
import { isCommandEvent } from './command-events.js';
import { describeFailure } from './failure-reason.js';

/** At most this many failures are described at the end; the rest are counted. */
const SUMMARY_LIMIT = 20;

const firstLine = (text: string): string => text.split('\n', 1)[0] ?? '';

/** A job's value, short, on one line. */
const describeValue = (value: unknown): string => {
  const text = firstLine(
    typeof value === 'string' ? JSON.stringify(value) : inspect(value, { depth: 1, breakLength: Infinity }),
  );
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** `(critical)`, or what the scheduler's `maxFailures` made of a failure: `(tolerated)`, `(ignored)`. */
const failedHow = (e: JobFailedEvent): string => {
  if (e.ignored === true) return ' (ignored)';
  if (e.tolerated === true) return ' (tolerated)';
  return e.critical ? ' (critical)' : '';
};

/** The line telling how a job ended, or `undefined` for events that tell none. @internal */
export function progressText(e: SchedulerEvent): string | undefined {
  switch (e.type) {
    case 'started':
      return `-- ${e.job.label}: started${e.attempt === undefined ? '' : ` (attempt ${String(e.attempt)})`}`;
    case 'done': {
      // a command's exit event is no news: the output told it
      const shown = e.value === undefined || isCommandEvent(e.value) ? '' : ` -> ${describeValue(e.value)}`;
      return `-- ${e.job.label}: done${shown}`;
    }
    case 'failed':
      return `-- ${e.job.label}: FAILED${failedHow(e)}: ${firstLine(e.error.message)}`;
    case 'cancelled':
      return e.reason === 'forever'
        ? `-- ${e.job.label}: stopped (forever job)`
        : `-- ${e.job.label}: cancelled (${e.reason})`;
    case 'skipped':
      return e.because.length === 0
        ? `-- ${e.job.label}: skipped (no requirement failed)`
        : `-- ${e.job.label}: skipped (${e.because.map((j) => j.label).join(', ')} did not succeed)`;
    default:
      return undefined;
  }
}

/**
 * The end of the run, then one line per job that did not succeed (forever jobs stopped at the end do; a
 * failure that its scheduler's `maxFailures` tolerated says so), with a final `\n`.
 * @internal
 */
export function summaryText(end: SchedulerEndEvent, failures: ReadonlyMap<Job, JobOutcome>): string {
  const lines = [`== ${end.scheduler.label}: ${end.ok ? 'ok' : 'FAILED'} (${end.why})`];
  if (failures.size > 0) {
    lines.push(`== ${String(failures.size)} job(s) did not succeed:`);
    const shown = [...failures].slice(0, SUMMARY_LIMIT).map(([job, outcome]) => {
      const reason = describeFailure(outcome);
      const status = reason?.status ?? outcome.status;
      // a failure that the scheduler's maxFailures forgave (the run went on)
      const forgiven = outcome.status === 'failed' && job.isTolerated() ? ' (tolerated)' : '';
      return { label: job.label, status: `${status}${forgiven}`, detail: reason?.detail ?? '' };
    });
    const labelWidth = Math.min(30, Math.max(...shown.map((s) => s.label.length)));
    const statusWidth = Math.min(24, Math.max(...shown.map((s) => s.status.length)));
    for (const { label, status, detail } of shown)
      lines.push(
        `   ${label.padEnd(labelWidth)}  ${status.padEnd(statusWidth)}  ${firstLine(detail)}`.trimEnd(),
      );
    if (failures.size > SUMMARY_LIMIT)
      lines.push(`   ... and ${String(failures.size - SUMMARY_LIMIT)} more (see debrief())`);
  }
  return `${lines.join('\n')}\n`;
}
