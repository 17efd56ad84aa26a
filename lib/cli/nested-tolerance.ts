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

/**
 * The nested schedulers of `top` whose parent has a failure budget (their failures may be forgiven), and
 * for each job inside one of them, the outermost such scheduler.
 */
const budgetedChildren = (top: SchedulerCore): { forgivable: Set<Job>; within: Map<Job, Job> } => {
  const forgivable = new Set<Job>();
  const within = new Map<Job, Job>();
  const walk = (s: SchedulerCore, inside: Job | undefined): void => {
    for (const job of s._memberList()) {
      if (inside !== undefined) within.set(job, inside);
      if (isScheduler(job)) {
        if (s.maxFailures !== undefined) forgivable.add(job);
        walk(job, inside ?? (s.maxFailures !== undefined ? job : undefined));
      }
    }
  };
  walk(top, undefined);
  return { forgivable, within };
};

/** How a unit's result reads once the scheduler it ended in was forgiven (`note` says by what). */
const forgivenResult = (result: UnitResult, note: string): UnitResult =>
  result.status === 'skipped' || result.status.startsWith('cancelled')
    ? { ...result, ok: true, tolerated: { status: result.status, note } }
    : { ...result, ok: true, status: 'failed (tolerated)', tolerated: { status: result.status, note } };

/** Holds the failed results of units whose scheduler a budget may forgive, until that scheduler ends. */
export class NestedTolerance {
  readonly #forgivable: Set<Job>;
  readonly #within: Map<Job, Job>;
  readonly #held = new Map<Job, Held[]>();
  /** The forgiven schedulers, and what forgave them: what their jobs that never ended are told. */
  readonly #forgiven = new Map<Job, string>();

  constructor(top: SchedulerCore) {
    ({ forgivable: this.#forgivable, within: this.#within } = budgetedChildren(top));
  }

  /** True when `result` (of event `e`) is held: `settle` is called later with it, forgiven or not. */
  hold(e: SchedulerEvent, result: UnitResult, settle: (result: UnitResult) => void): boolean {
    if (e.type === 'done' || result.ok || !this.#forgivable.has(e.scheduler)) return false;
    const key = e.scheduler as unknown as Job;
    const list = this.#held.get(key) ?? [];
    list.push({ result, settle });
    this.#held.set(key, list);
    return true;
  }

  /** Settles the results held for `e.job` when `e` ends it: forgiven when its own failure was. */
  release(e: SchedulerEvent): void {
    if (e.type === 'end' || e.type === 'started' || e.type === 'value') return;
    if (!this.#forgivable.has(e.job)) return;
    const forgiven = e.type === 'failed' && (e.tolerated === true || e.ignored === true);
    const note = `tolerated with ${e.job.label} (maxFailures ${String(e.scheduler.maxFailures)} of ${e.scheduler.label})`;
    if (forgiven) this.#forgiven.set(e.job, note);
    const list = this.#held.get(e.job);
    if (list === undefined) return;
    this.#held.delete(e.job);
    for (const { result, settle } of list) settle(forgiven ? forgivenResult(result, note) : result);
  }

  /**
   * The result of a unit that never ended (`job`, not run: its instance stopped at a failure before it
   * started) when that instance was forgiven; else undefined.
   */
  notRun(job: Job, label: string): UnitResult | undefined {
    const scheduler = this.#within.get(job);
    const note = scheduler === undefined ? undefined : this.#forgiven.get(scheduler);
    return note === undefined
      ? undefined
      : { label, ok: true, status: 'not run', tolerated: { status: 'not run', note } };
  }

  /** Settles whatever is still held (a run that ended before those schedulers did), as it was. */
  flush(): void {
    for (const list of this.#held.values()) for (const { result, settle } of list) settle(result);
    this.#held.clear();
  }
}
