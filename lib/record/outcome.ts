/**
 * How a recorded run ended, by one rule whoever records it (a CLI, `run({ record })`), and why in words;
 * and the reason a record's file could not be written, in words.
 * @module
 */
import { whyForPeople } from '../core/run/why.js';
import { codeOf } from '../errors/error-code.js';
import type { RecordedStatus } from './run-files.js';
import type { PlannedJob, RecordIncomplete, RunOutcome } from './types.js';

/**
 * The jobs that failed with nothing to forgive them: a failure not tolerated (nor ignored) by a
 * `maxFailures`, inside no scheduler whose own failure was tolerated (a matrix instance forgiven by its
 * MatrixJob's budget forgives the jobs inside it). Plain jobs; the schedulers when no plain job is one (a
 * nested scheduler that timed out).
 * @internal
 */
export function unforgivenFailures(
  plan: readonly PlannedJob[],
  status: ReadonlyMap<string, RecordedStatus>,
): number {
  const byKey = new Map(plan.map((p) => [p.key, p]));
  const forgiven = (p: PlannedJob): boolean => {
    for (let parent = p.parent; parent !== undefined; parent = byKey.get(parent)?.parent)
      if (status.get(parent) === 'tolerated') return true;
    return false;
  };
  const failed = plan.filter((p) => status.get(p.key) === 'failed' && !forgiven(p));
  const jobs = failed.filter((p) => p.kind === 'job').length;
  return jobs > 0 ? jobs : failed.length;
}

/** How a run ended, as the recorder is told at the end. @internal */
export interface RecordedEnd {
  readonly interrupted: boolean;
  /**
   * A CLI's verdict (exit status 0). Default: the top scheduler's end event was fine and no job failed
   * unforgiven (see `recordedOutcome`): the same rule.
   */
  readonly ok?: boolean | undefined;
  /** Default: the `why` of that event for people, or `interrupted`. */
  readonly why?: string | undefined;
  readonly exitStatus?: number | undefined;
}

/** What the end of a record says: whether run.json got its end, and what was cut. @internal */
export interface RecordedResult {
  /** run.json holds the end (else the run reads as interrupted). */
  readonly ended: boolean;
  readonly incomplete?: RecordIncomplete | undefined;
  /** Why run.json's end could not be written. */
  readonly unended?: string | undefined;
}

/** What the recorder knows at the end of a run: what it is told, and what it saw. @internal */
export interface EndFacts extends RecordedEnd {
  /** The top scheduler's end event, when it came. */
  readonly end?: { readonly ok: boolean; readonly why: string } | undefined;
  /** What failed, as `unforgivenFailures` counts it. */
  readonly failed: number;
  /** What a failure is a failure of: `job`, or `host` for rxssh. */
  readonly unit: string;
}

/**
 * The outcome and the `why` of a record (see `RunOutcome`): interrupted; else a failure when the top
 * scheduler did not end fine or a job failed unforgiven (a job not critical included), success otherwise; a
 * CLI's `ok` decides when given (the same rule, applied to what it printed). `why`: the CLI's text, else the
 * scheduler's `why()` for people (`2 jobs failed (not critical)` rather than `fine: every job completed (2
 * failed, not critical)`).
 * @internal
 */
export function recordedOutcome(facts: EndFacts): { outcome: RunOutcome; why: string } {
  const { interrupted, end } = facts;
  const ok = facts.ok ?? ((end?.ok ?? false) && facts.failed === 0);
  const outcome: RunOutcome = interrupted ? 'interrupted' : ok ? 'success' : 'failure';
  const raw = facts.why ?? end?.why ?? (interrupted ? 'interrupted' : 'ended without its end event');
  return { outcome, why: whyForPeople(raw, outcome === 'failure' ? facts.failed : 0, facts.unit) };
}

const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ENAMETOOLONG: 'name too long',
  EIO: 'input/output error',
  ENOENT: 'no such file or directory',
};

/** Why a file of the record could not be written, in words: `no space left on device`. @internal */
export const reasonOf = (e: unknown): string =>
  REASONS[String(codeOf(e))] ?? (e instanceof Error ? e.message : String(e));

/** Whether `e` says the disk (or the quota) is full: room may be made for what matters. @internal */
export const isNoSpace = (e: unknown): boolean => codeOf(e) === 'ENOSPC' || codeOf(e) === 'EDQUOT';
