/**
 * What a group's members came to in its latest run, as plain data and one line of text.
 * @module
 */
import type { Job } from '../core/job.js';
import { JobStatus } from '../core/job.js';
import type { FailureBudget } from '../core/job/max-failures.js';
import { foldHosts } from '../hosts/host-ranges.js';
import { isUnreachable } from './unreachable.js';

/**
 * The outcome of a group's members in its latest run (`groupJob.summary()`): plain data.
 * @category models
 */
export interface GroupSummary {
  /** The group job's label: `prepare fit[01-37]`. */
  readonly label: string;
  /** How many members. */
  readonly size: number;
  /** How many members are in each status (all statuses present, 0 for none). */
  readonly counts: Readonly<Record<JobStatus, number>>;
  /** The hosts whose member failed, tolerated or not, in the group's order. */
  readonly failed: readonly string[];
  /** Those of `failed` whose failure the group's `maxFailures` tolerated, or did not count (unreachable). */
  readonly tolerated: readonly string[];
  /** Those of `failed` whose host was unreachable (see {@link isUnreachable}). */
  readonly unreachable: readonly string[];
  /** The failure budget of the latest run (see `scheduler.failureBudget()`). */
  readonly budget: FailureBudget | undefined;
  /** `prepare fit[01-37]: 35 done, 2 failed (fit[07,21], tolerated)`. */
  readonly text: string;
}

/** The order in which the text gives the counts. */
const ORDER: readonly JobStatus[] = [
  JobStatus.Done,
  JobStatus.Failed,
  JobStatus.Cancelled,
  JobStatus.Skipped,
  JobStatus.Running,
  JobStatus.Scheduled,
  JobStatus.Idle,
];

/** What a summary reads of a group job. @internal */
export interface SummarizedGroup {
  readonly label: string;
  readonly jobs: ReadonlySet<Job>;
  failureBudget(): FailureBudget | undefined;
}

/** The summary of `group`, whose members are named by `nameOf` (their label otherwise). @internal */
export function summaryOf(group: SummarizedGroup, nameOf: ReadonlyMap<Job, string>): GroupSummary {
  const counts = Object.fromEntries(ORDER.map((s) => [s, 0])) as Record<JobStatus, number>;
  const failed: string[] = [];
  const tolerated: string[] = [];
  const unreachable: string[] = [];
  for (const job of group.jobs) {
    const status = job.status;
    counts[status] += 1;
    if (status !== JobStatus.Failed) continue;
    const name = nameOf.get(job) ?? job.label;
    failed.push(name);
    if (job.isTolerated()) tolerated.push(name);
    if (isUnreachable(job.raisedException())) unreachable.push(name);
  }
  const parts = ORDER.filter((s) => counts[s] > 0).map((s) => {
    const text = `${String(counts[s])} ${s}`;
    if (s !== JobStatus.Failed) return text;
    const notes = [foldHosts(failed)];
    if (tolerated.length === failed.length) notes.push('tolerated');
    else if (tolerated.length > 0) notes.push(`tolerated: ${foldHosts(tolerated)}`);
    if (unreachable.length > 0) notes.push(`unreachable: ${foldHosts(unreachable)}`);
    return `${text} (${notes.join(', ')})`;
  });
  const text = `${group.label}: ${parts.length === 0 ? 'no member' : parts.join(', ')}`;
  return {
    label: group.label,
    size: group.jobs.size,
    counts,
    failed,
    tolerated,
    unreachable,
    budget: group.failureBudget(),
    text,
  };
}
