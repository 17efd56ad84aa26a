/**
 * Folding: a scheduler whose `fold` is set (a GroupJob, a MatrixJob) shows in listings and graphs as one line
 * or node that sums up its members, instead of one per member.
 * @module
 */
import { foldHosts } from '../../hosts/host-ranges.js';
import type { Job } from '../../core/job.js';
import { isScheduler } from '../../core/scheduler.js';
import type { SchedulerCore as Scheduler } from '../../core/scheduler.js';

/** @internal true when `job` is a scheduler shown folded: its `fold` is set and `unfold` was not asked. */
export const isFolded = (job: Job, unfold: boolean): boolean => !unfold && isScheduler(job) && job.fold;

/** @internal the short name of a member in its folded scheduler (its host for a GroupJob), its label by default. */
export const foldKey = (scheduler: Scheduler, member: Job): string => scheduler._foldKey(member);

/** @internal true when `job` failed and its scheduler's `maxFailures` tolerated (or did not count) it. */
export const isToleratedFailure = (job: Job): boolean => job.isTolerated();

/**
 * What the scheduler's `maxFailures` made of its `failed` members' failures: `, tolerated` or `, ignored` when
 * all were, `, 1 tolerated, 1 ignored` when some were, '' when none (or no budget).
 */
function forgiven(scheduler: Scheduler, failed: number): string {
  const budget = scheduler.failureBudget();
  if (budget === undefined) return '';
  const { tolerated, ignored } = budget;
  if (tolerated === failed || ignored === failed) return tolerated === failed ? ', tolerated' : ', ignored';
  const parts = [
    ...(tolerated > 0 ? [count(tolerated, 'tolerated')] : []),
    ...(ignored > 0 ? [count(ignored, 'ignored')] : []),
  ];
  return parts.map((p) => `, ${p}`).join('');
}

/** `n word`, for the counts of a folded line. */
const count = (n: number, word: string): string => `${String(n)} ${word}`;

/**
 * @internal the members of a folded scheduler counted by status, in the order of a run:
 * `35 done, 2 failed (fit[07,21], tolerated), 1 cancelled, 3 skipped, 4 running, 5 waiting, 6 not run`
 * (counts of 0 left out; `no members` for an empty one). The failed members are named by their
 * {@link foldKey}, folded as host ranges; `tolerated` when the scheduler's `maxFailures` tolerated every
 * failure (`ignored` when it counted none of them: unreachable hosts of a group that ignores them), `N
 * tolerated`, `N ignored` when it forgave some.
 */
export function foldedCounts(scheduler: Scheduler): string {
  let done = 0;
  let cancelled = 0;
  let skipped = 0;
  let running = 0;
  let waiting = 0;
  let idle = 0;
  const failed: string[] = [];
  for (const member of scheduler.jobs)
    switch (member.status) {
      case 'done':
        done++;
        break;
      case 'failed':
        failed.push(foldKey(scheduler, member));
        break;
      case 'cancelled':
        cancelled++;
        break;
      case 'skipped':
        skipped++;
        break;
      case 'running':
        running++;
        break;
      case 'scheduled':
        waiting++;
        break;
      default:
        idle++;
    }
  const parts: string[] = [];
  if (done > 0) parts.push(count(done, 'done'));
  if (failed.length > 0)
    parts.push(
      `${count(failed.length, 'failed')} (${foldHosts(failed)}${forgiven(scheduler, failed.length)})`,
    );
  if (cancelled > 0) parts.push(count(cancelled, 'cancelled'));
  if (skipped > 0) parts.push(count(skipped, 'skipped'));
  if (running > 0) parts.push(count(running, 'running'));
  if (waiting > 0) parts.push(count(waiting, 'waiting'));
  if (idle > 0) parts.push(count(idle, 'not run'));
  return parts.length === 0 ? 'no members' : parts.join(', ');
}

/**
 * @internal the label of a folded scheduler's node in a graph: its graph label and its size,
 * `prepare fit[01-37] ×37`. With `breakHosts` (DOT, where nodes are boxes), a one-line label that ends
 * with its members' keys folded (a GroupJob's default label) is broken before them: `prepare\nfit[01-37] ×37`.
 */
export function foldedGraphLabel(scheduler: Scheduler, breakHosts: boolean): string {
  const label = scheduler.graphLabel();
  const size = ` ×${String(scheduler.size)}`;
  if (!breakHosts || label.includes('\n') || scheduler.size === 0) return `${label}${size}`;
  const keys = foldHosts([...scheduler.jobs].map((member) => foldKey(scheduler, member)));
  return label.endsWith(` ${keys}`)
    ? `${label.slice(0, -keys.length - 1)}\n${keys}${size}`
    : `${label}${size}`;
}
