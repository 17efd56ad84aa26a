import { concat, defer, EMPTY, from, merge, Observable, takeUntil, timer } from 'rxjs';

import type { Job } from '../job.js';
import type {
  CancelReason,
  EventScheduler,
  JobGroup,
  NestedRun,
  SchedulerEvent,
  StopReason,
} from '../model.js';
import type { Plan } from '../plan.js';
import { TaskWindow } from '../window.js';
import type { WindowOwner, WindowTask } from '../window.js';
import { Code } from './codes.js';
import { Rule } from './rules.js';
import { abortNotice } from './stops.js';

/** What a {@link Cleanup} needs of its run (a `GraphRun`). @internal */
export interface CleanupHost {
  readonly scheduler: EventScheduler;
  /** The members' states in this run, by plan index. */
  readonly status: Uint8Array;
  /** Makes `window` the one the run's job events go out through while it is open (`undefined`: none). */
  openWindow(window: TaskWindow<number, SchedulerEvent> | undefined): void;
  /** Starts the job at `index` as a task of the window that gives `owner`: its started event, its work. */
  startJob(index: number, owner: WindowOwner<SchedulerEvent>): WindowTask;
  /** Marks the job at `index` skipped (see `ReleaseHost.skip`). */
  skip(index: number, because: Job[], rule?: 'one-failed'): void;
  /** The run of the nested scheduler at `index` that this run started, if it did. */
  nestedRun(index: number): NestedRun | undefined;
}

// a candidate's state in `#candidate`
const NOT = 0;
const WAITING = 1;
const SETTLED = 2;

const failedOrCancelled = (code: number | undefined): boolean =>
  code === Code.Failed || code === Code.Cancelled;

/**
 * The cleanup phase of a run that stopped because a critical job failed or its timeout expired, made once
 * the running jobs are cancelled: it starts every `always` job not started yet, and every `one-failed` job
 * not started yet with a requirement that failed or was cancelled, each once the `always`/`one-failed` jobs
 * it requires (those started in this phase) have settled, in a window as wide as the run's; a `one-failed`
 * job whose requirements of this phase settled without a failure is skipped. O(jobs + edges) to set up,
 * made only when the plan has such jobs. A job with `retries` is retried in this phase too.
 * @internal
 */
export class Cleanup {
  /** Per member: NOT a candidate, WAITING (to start, or running), SETTLED. */
  readonly #candidate: Uint8Array;
  /** Per candidate: requirements that are candidates and not settled yet. */
  readonly #pending: Int32Array;
  /** Per member: 1 when a requirement failed or was cancelled. */
  readonly #failed: Uint8Array;
  /** The candidates without candidate requirements, in member order: the first to start. */
  readonly #roots: number[] = [];
  /** Candidates not settled yet. */
  #left = 0;
  #queue: number[] = [];
  #settling = false;
  #window: TaskWindow<number, SchedulerEvent> | undefined = undefined;
  #cancelReason: CancelReason = 'timeout';
  #limit = Infinity;
  readonly #plan: Plan;
  readonly #host: CleanupHost;
  readonly #rule: Uint8Array;

  constructor(plan: Plan, host: CleanupHost) {
    this.#plan = plan;
    this.#host = host;
    const { jobs, forever, successorStart, successors } = plan;
    const status = host.status;
    const rule = (this.#rule = plan.rules.rule ?? new Uint8Array(jobs.length));
    const n = jobs.length;
    const candidate = (this.#candidate = new Uint8Array(n));
    const failed = (this.#failed = new Uint8Array(n));
    const pending = (this.#pending = new Int32Array(n));
    for (let i = 0; i < n; i++)
      if (failedOrCancelled(status[i]))
        for (let e = successorStart[i] as number; e < (successorStart[i + 1] as number); e++)
          failed[successors[e] as number] = 1;
    // the candidates: always and one-failed jobs not started, then the one-failed jobs that require one
    // (not forever jobs, which nothing would end but the bound)
    const idle = (i: number): boolean => status[i] === Code.Idle && forever[i] === 0;
    const found: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = rule[i];
      if (idle(i) && (r === Rule.Always || (r === Rule.OneFailed && failed[i] === 1))) {
        candidate[i] = WAITING;
        found.push(i);
      }
    }
    for (let k = 0; k < found.length; k++) {
      const c = found[k] as number;
      for (let e = successorStart[c] as number; e < (successorStart[c + 1] as number); e++) {
        const s = successors[e] as number;
        if (candidate[s] === NOT && idle(s) && rule[s] === Rule.OneFailed) {
          candidate[s] = WAITING;
          found.push(s);
        }
      }
    }
    for (const c of found)
      for (let e = successorStart[c] as number; e < (successorStart[c + 1] as number); e++) {
        const s = successors[e] as number;
        if (candidate[s] === WAITING) pending[s] = (pending[s] as number) + 1;
      }
    for (let i = 0; i < n; i++) if (candidate[i] === WAITING && pending[i] === 0) this.#roots.push(i);
    this.#left = found.length;
  }

  /**
   * The phase: runs the candidates, as many at once as the scheduler's `jobsWindow`, until every one has
   * settled, or until its `cleanupTimeout` expires or `signal` is aborted, which cancels those still running
   * (their cancelled events follow, reason `timeout` or `aborted`). Empty when there is no candidate.
   */
  events(signal: AbortSignal | undefined): Observable<SchedulerEvent> {
    if (this.#left === 0) return EMPTY;
    const host = this.#host;
    const limit = (this.#limit = host.scheduler.jobsWindow ?? Infinity);
    const timeout = cleanupTimeoutOf(host.scheduler);
    const phase$ = new Observable<SchedulerEvent>((subscriber) => {
      const window = new TaskWindow<number, SchedulerEvent>(
        limit,
        (i, owner) => host.startJob(i, owner),
        subscriber,
      );
      this.#window = window;
      host.openWindow(window);
      for (const i of this.#roots) this.#ready(i);
      this.#process();
      return () => {
        this.#window = undefined;
        host.openWindow(undefined);
        window.unsubscribe();
        // those still waiting for a slot were never started
        const status = host.status;
        for (let i = 0; i < status.length; i++)
          if (this.#candidate[i] === WAITING && status[i] === Code.Scheduled) status[i] = Code.Idle;
      };
    });
    const stop$ = merge(
      timeout === undefined || timeout === Infinity ? EMPTY : timer(timeout),
      abortNotice(signal, () => {
        this.#cancelReason = 'aborted';
      }),
    );
    return concat(
      phase$.pipe(takeUntil(stop$)),
      defer(() => from(this.#cancelled())),
    );
  }

  /** Records that the job at `index` settled (`ok`: it succeeded); ignored unless it is a candidate. */
  settle(index: number, ok: boolean): void {
    if (this.#candidate[index] !== WAITING) return;
    this.#candidate[index] = SETTLED;
    this.#queue.push(ok ? index : ~index);
    if (!this.#settling) this.#process();
  }

  /** Settles the queued candidates, making their dependents among the candidates ready (a loop). */
  #process(): void {
    const window = this.#window;
    if (window === undefined) return;
    this.#settling = true;
    const { successorStart, successors } = this.#plan;
    const status = this.#host.status;
    try {
      for (let k = 0; k < this.#queue.length; k++) {
        const entry = this.#queue[k] as number;
        const done = entry >= 0 ? entry : ~entry;
        const failed = entry < 0 && failedOrCancelled(status[done]);
        this.#left--;
        for (let e = successorStart[done] as number; e < (successorStart[done + 1] as number); e++) {
          const s = successors[e] as number;
          if (this.#candidate[s] !== WAITING) continue;
          if (failed) this.#failed[s] = 1;
          if (--(this.#pending[s] as number) === 0) this.#ready(s);
        }
      }
      this.#queue = [];
    } finally {
      this.#settling = false;
    }
    window.drain();
    if (this.#left === 0) window.end();
  }

  /** A candidate whose candidate requirements have settled: queued in the window, or skipped. */
  #ready(index: number): void {
    const host = this.#host;
    if (this.#rule[index] === Rule.OneFailed && this.#failed[index] !== 1) host.skip(index, [], 'one-failed');
    else {
      const because = this.#plan.rules.hasSkipIf ? (this.#plan.jobs[index] as Job)._skipIf() : undefined;
      if (because !== undefined && because.length > 0) host.skip(index, [...because]);
      else {
        // as the run does: with no window limit, a job starts at once (no `scheduled` state to show)
        if (this.#limit !== Infinity) host.status[index] = Code.Scheduled;
        this.#window?.push(index);
        return;
      }
    }
    this.#candidate[index] = SETTLED;
    this.#queue.push(~index);
  }

  /** The cancelled events of the candidates the end of the phase cancelled (and of their nested jobs). */
  #cancelled(): SchedulerEvent[] {
    const out: SchedulerEvent[] = [];
    const { jobs } = this.#plan;
    const { status, scheduler } = this.#host;
    const reason = this.#cancelReason;
    for (let i = 0; i < jobs.length; i++)
      if (this.#candidate[i] !== NOT && status[i] === Code.Cancelled) {
        out.push({ type: 'cancelled', job: jobs[i] as Job, reason, scheduler });
        this.#host.nestedRun(i)?.collectCancelled('parent', out);
      }
    return out;
  }
}

/**
 * The bound on a scheduler's cleanup phase, in ms: its `cleanupTimeout`, else ten times its
 * `shutdownTimeout`; `undefined` (or `Infinity`) for none.
 * @internal
 */
export const cleanupTimeoutOf = (scheduler: JobGroup): number | undefined => {
  const shutdownTimeout = scheduler.shutdownTimeout;
  return scheduler.cleanupTimeout ?? (shutdownTimeout === undefined ? undefined : shutdownTimeout * 10);
};

/**
 * The cleanup phase of a run that stopped for `reason`: only after a critical failure or the run's timeout,
 * and only when the plan has `always` or `one-failed` jobs (else `undefined`, without a look at the jobs).
 * @internal
 */
export const makeCleanup = (reason: StopReason, plan: Plan, host: CleanupHost): Cleanup | undefined =>
  (reason === 'critical' || reason === 'timeout') && plan.rules.cleanupCount > 0
    ? new Cleanup(plan, host)
    : undefined;
