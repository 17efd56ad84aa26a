// A unit that fails inside a nested scheduler whose own failure a budget may forgive (a matrix instance: the
// MatrixJob's maxFailures counts instances, not their jobs): its result waits for that scheduler's end, and
// is forgiven with it. Without this, a tolerated instance still failed the exit status through its job.
import type { Job } from '../core/job.js';
import type { SchedulerEvent } from '../core/events.js';
import { isScheduler } from '../core/scheduler.js';
import type { SchedulerCore } from '../core/scheduler.js';
import type { UnitResult } from './json-stream.js';

/** A unit's result held back until its scheduler ends, and what to do with it then. */
interface Held {
  readonly result: UnitResult;
  readonly settle: (result: UnitResult) => void;
}

/** The nested schedulers of `top` whose parent has a failure budget: their failures may be forgiven. */
const budgetedChildren = (top: SchedulerCore): Set<Job> => {
  const found = new Set<Job>();
  const walk = (s: SchedulerCore): void => {
    for (const job of s._memberList())
      if (isScheduler(job)) {
        if (s.maxFailures !== undefined) found.add(job);
        walk(job);
      }
  };
  walk(top);
  return found;
};

/** Holds the failed results of units whose scheduler a budget may forgive, until that scheduler ends. */
export class NestedTolerance {
  readonly #forgivable: Set<Job>;
  readonly #held = new Map<Job, Held[]>();

  constructor(top: SchedulerCore) {
    this.#forgivable = budgetedChildren(top);
  }

  /** True when `result` (of event `e`) is held: `settle` is called later with it, forgiven or not. */
  hold(e: SchedulerEvent, result: UnitResult, settle: (result: UnitResult) => void): boolean {
    if (e.type !== 'failed' || result.ok || !this.#forgivable.has(e.scheduler)) return false;
    const key = e.scheduler as unknown as Job;
    const list = this.#held.get(key) ?? [];
    list.push({ result, settle });
    this.#held.set(key, list);
    return true;
  }

  /** Settles the results held for `e.job` when `e` ends it: forgiven when its own failure was. */
  release(e: SchedulerEvent): void {
    if (e.type === 'end' || e.type === 'started' || e.type === 'value') return;
    const list = this.#held.get(e.job);
    if (list === undefined) return;
    this.#held.delete(e.job);
    const forgiven = e.type === 'failed' && (e.tolerated === true || e.ignored === true);
    const note = `tolerated with ${e.job.label} (maxFailures ${String(e.scheduler.maxFailures)} of ${e.scheduler.label})`;
    for (const { result, settle } of list)
      settle(
        forgiven
          ? { ...result, ok: true, status: 'failed (tolerated)', tolerated: { status: result.status, note } }
          : result,
      );
  }

  /** Settles whatever is still held (a run that ended before those schedulers did), as it was. */
  flush(): void {
    for (const list of this.#held.values()) for (const { result, settle } of list) settle(result);
    this.#held.clear();
  }
}
