// How each unit of a CLI run ended (a host for rxssh, a job for `rxjobs run`): its result from the scheduler's
// event, the exit status of the run, and the `--mark` files that record the results.
import { writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';

import type {
  CancelReason,
  JobFailedEvent,
  JobOutcome,
  JobSkippedEvent,
  SchedulerEvent,
} from '../core/events.js';
import { isJobsError } from '../errors/jobs-error.js';
import { makeDirectory } from '../render/files/make-directory.js';
import { isCommandEvent } from '../render/text/command-events.js';
import { describeFailure } from '../render/text/failure-reason.js';
import { hostFileName } from '../render/files/host-files.js';
import type { UnitResult } from './json-stream.js';

function resultOf(label: string, outcome: JobOutcome): UnitResult {
  if (outcome.status === 'done') {
    // a job's value is its last one: for an SshJob, the exit event of its last command
    const value = outcome.value;
    const code =
      typeof value === 'number' ? value : isCommandEvent(value) && value.type === 'exit' ? value.code : null;
    return { label, ok: true, status: code === null ? 'done' : `exit ${String(code)}`, code };
  }
  const reason = describeFailure(outcome);
  const error = outcome.status === 'failed' ? outcome.error : undefined;
  const command = isJobsError(error, 'command-failed') ? error : undefined;
  return {
    label,
    ok: false,
    status: reason?.status ?? outcome.status,
    detail: reason?.detail,
    code: command?.exitCode,
    signal: command?.signal,
  };
}

const outcomeOf = (e: SchedulerEvent): JobOutcome | undefined => {
  switch (e.type) {
    case 'done':
      return { status: 'done', value: e.value };
    case 'failed':
      return { status: 'failed', error: e.error };
    case 'cancelled':
      return { status: 'cancelled' };
    case 'skipped':
      return { status: 'skipped', because: e.because };
    default:
      return undefined;
  }
};

const cancelDetail: Readonly<Record<Exclude<CancelReason, 'forever'>, string>> = {
  aborted: 'the run was aborted by its signal',
  timeout: 'the run timed out before this job finished',
  critical: 'a critical job failed, so the run stopped',
  parent: 'the enclosing scheduler was cancelled',
};

/**
 * What tolerated a failure (`tolerated (maxFailures 3)`; `ignored (not counted against maxFailures 3)` for
 * one the budget does not count, such as an unreachable host of a group that ignores them), or undefined
 * when it was not tolerated.
 */
function toleranceNote(e: JobFailedEvent): string | undefined {
  const ignored = e.ignored === true;
  if (!ignored && e.tolerated !== true && !e.job.isTolerated()) return undefined;
  const budget = e.scheduler.maxFailures;
  const by = budget === undefined ? 'maxFailures' : `maxFailures ${String(budget)}`;
  return ignored ? `ignored (not counted against ${by})` : `tolerated (${by})`;
}

/**
 * A skipped unit fails the exit status only through what made it skip: a handler (`runIf: 'one-failed'`)
 * skipped because no requirement failed is a success; a job skipped because its requirements failed, each
 * tolerated by a budget (or skipped themselves, a chain that starts with such a failure; `skipFailedMembers`'
 * members whose host failed upstream) is forgiven as they are. Any other skip has a failure behind it, which
 * is a unit of its own and fails the exit status there.
 */
function skippedResult(result: UnitResult, e: JobSkippedEvent): UnitResult {
  if (e.because.length === 0) return { ...result, ok: true, status: 'skipped (no requirement failed)' };
  if (!e.because.every((j) => j.isTolerated() || j.isSkipped())) return result;
  const why = e.because.map((j) => `${j.label} ${j.isSkipped() ? 'was skipped' : 'failed'}`);
  const note = `${why.join(', ')}, tolerated`;
  return { ...result, ok: true, tolerated: { status: 'skipped', note } };
}

/**
 * The result of the unit `label` that the event `e` ends, or undefined when `e` does not end a job. A
 * failure that its scheduler's `maxFailures` tolerated is ok (`failed (tolerated)`): it does not fail the
 * exit status, and `--mark` files it with the failed ones.
 */
export function unitResultOf(label: string, e: SchedulerEvent): UnitResult | undefined {
  const outcome = outcomeOf(e);
  if (outcome === undefined) return undefined;
  if (e.type === 'failed') {
    const result = resultOf(label, outcome);
    const note = toleranceNote(e);
    return note === undefined
      ? result
      : { ...result, ok: true, status: 'failed (tolerated)', tolerated: { status: result.status, note } };
  }
  if (e.type === 'skipped') return skippedResult(resultOf(label, outcome), e);
  // done in the run a resumed run restores it from (`--resume`): not run this time
  if (e.type === 'done' && e.restored === true) return { label, ok: true, status: 'restored' };
  if (e.type !== 'cancelled') return resultOf(label, outcome);
  return e.reason === 'forever'
    ? { label, ok: true, status: 'stopped (forever job)' } // a forever job's normal end
    : { label, ok: false, status: `cancelled (${e.reason})`, detail: cancelDetail[e.reason] };
}

/**
 * The exit status of a run: 0 when every unit succeeded, 1 when one did not, 128 + n when stopped by signal n
 * (Ctrl-C when none is known).
 */
export const exitStatusOf = (
  results: readonly UnitResult[],
  interrupted: boolean,
  signal: NodeJS.Signals | undefined,
): number => (interrupted ? 128 + constants.signals[signal ?? 'SIGINT'] : results.every((r) => r.ok) ? 0 : 1);

/** True when the unit succeeded: ok, and not a failure tolerated by a budget. */
export const succeeded = (r: UnitResult): boolean => r.ok && r.tolerated === undefined;

/**
 * Writes `--mark` files: DIR/0ok/<label> holding `0`, DIR/1failed/<label> holding the code or status (a
 * tolerated failure too: it failed, even if the exit status forgives it).
 */
export async function writeMarks(dir: string, results: readonly UnitResult[]): Promise<void> {
  for (const sub of ['0ok', '1failed']) await makeDirectory(join(dir, sub));
  await Promise.all(
    results.map((r) =>
      writeFile(
        join(dir, succeeded(r) ? '0ok' : '1failed', hostFileName(r.label)),
        `${succeeded(r) ? '0' : String(r.code ?? r.signal ?? r.tolerated?.status ?? r.status)}\n`,
      ),
    ),
  );
}
