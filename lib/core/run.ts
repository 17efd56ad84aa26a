import {
  catchError,
  concat,
  defer,
  EMPTY,
  from,
  ignoreElements,
  map,
  merge,
  mergeAll,
  NEVER,
  Observable,
  of,
  Subject,
  takeUntil,
  tap,
  timer,
} from 'rxjs';
import type { Subscriber } from 'rxjs';

import { hasBrand, SCHEDULER } from '../internal/kinds.js';
import { isJobsError } from './errors/jobs-error.js';
import type { JobsError } from './errors/jobs-error.js';
import { JobFailedError } from './errors/job-failed-error.js';
import { JobTimeoutError } from './errors/job-timeout-error.js';
import { SchedulerAbortedError } from './errors/scheduler-aborted-error.js';
import type { CancelReason, SchedulerEndEvent, SchedulerEvent, StopReason } from './events.js';
import { buildPlan } from './plan.js';
import type { PlanNode } from './plan.js';
import { JobStatus } from './job.js';
import type { Job, JobContext } from './job.js';
import type { Scheduler } from './scheduler.js';
import { jobsWindow } from './window.js';

/** @internal */
export interface RunGraphOptions {
  /** The run's global timeout (ms); `undefined`: none. */
  readonly timeout: number | undefined;
  /** `critical` of the enclosing scheduler, for members (and this scheduler) that leave it unset. */
  readonly inheritedCritical: boolean;
  /** Run as a member of a parent scheduler: the parent validated the graph and shuts this one down. */
  readonly nested: boolean;
}

/** What a scheduler remembers of its latest run (for `why()`, `list()` and nested cancellations). @internal */
export interface RunRecord {
  reason: StopReason | undefined;
  timeout: number | undefined;
  /** The critical job whose failure aborted the run. */
  culprit: Job | undefined;
  /** The plan of the run: its members' nodes. */
  readonly nodes: readonly PlanNode[];
}

const isScheduler = (job: Job): job is Scheduler => hasBrand(job, SCHEDULER);

const toJobsError = (raised: unknown, job: Job): JobsError =>
  isJobsError(raised) ? raised : new JobFailedError(job, raised);

/** How each stop reason names the cancellation of the jobs still running. */
const CANCEL_REASON: Record<StopReason, CancelReason> = {
  fine: 'forever',
  timeout: 'timeout',
  critical: 'critical',
  unsubscribed: 'parent',
};

/**
 * The text of `why()` for a run record.
 * @internal
 */
export function explain(record: RunRecord | undefined): string {
  if (record === undefined) return 'not run yet';
  switch (record.reason) {
    case undefined:
      return 'running';
    case 'fine':
      return 'fine: every job completed';
    case 'timeout':
      return `timed out after ${String(record.timeout)} ms`;
    case 'critical': {
      const culprit = record.culprit;
      return culprit === undefined
        ? 'a critical job failed'
        : `critical job "${culprit.label}" failed: ${culprit._error?.message ?? 'unknown error'}`;
    }
    case 'unsubscribed':
      return 'cancelled: unsubscribed before the end';
  }
}

/**
 * Calls every member's `shutdown()` once, concurrently; completes when all are done, or after
 * `shutdownTimeout`. Errors of hooks are ignored (a shutdown must not change the run's outcome).
 * @internal
 */
export function shutdownMembers(scheduler: Scheduler): Observable<never> {
  return defer(() => {
    scheduler._membersShutDown = true;
    const pending: Observable<unknown>[] = [];
    for (const job of scheduler.jobs) {
      try {
        const hook = job.shutdown();
        if (hook !== undefined && hook !== null) pending.push(from(hook).pipe(catchError(() => EMPTY)));
      } catch {
        // a throwing hook is ignored, like a rejecting one
      }
    }
    if (pending.length === 0) return EMPTY;
    const bound = scheduler.shutdownTimeout;
    const all = from(pending).pipe(mergeAll(), ignoreElements());
    return bound === undefined ? all : all.pipe(takeUntil(timer(bound)));
  });
}

/**
 * The run of one scheduler: per-job counters of unfinished requirements, a ready queue feeding the jobs
 * window, and `takeUntil` for the three ways a run stops (every finite job done, a critical failure, the
 * global timeout). Everything is per subscription, so the Observable is cold.
 */
class GraphRun {
  readonly #scheduler: Scheduler;
  readonly #options: RunGraphOptions;
  readonly #nodes: readonly PlanNode[];
  readonly #record: RunRecord;
  readonly #stop$ = new Subject<StopReason>();
  readonly #skipped$ = new Subject<SchedulerEvent>();
  #readySink: Subscriber<PlanNode> | undefined;
  #finiteLeft: number;
  readonly #finiteCount: number;
  #unsettled: number;
  // settle queue: nodes whose outcome is known, and whether they succeeded
  #settleNodes: PlanNode[] = [];
  #settleOk: boolean[] = [];
  #settleHead = 0;
  #settling = false;
  #tailStarted = false;

  constructor(scheduler: Scheduler, options: RunGraphOptions, nodes: readonly PlanNode[]) {
    this.#scheduler = scheduler;
    this.#options = options;
    this.#nodes = nodes;
    let finite = 0;
    for (const node of nodes) if (!node.forever) finite++;
    this.#finiteCount = finite;
    this.#finiteLeft = finite;
    this.#unsettled = nodes.length;
    this.#record = { reason: undefined, timeout: options.timeout, culprit: undefined, nodes };
    scheduler._lastRun = this.#record;
    scheduler._membersShutDown = false;
  }

  events(): Observable<SchedulerEvent> {
    const window = this.#scheduler.jobsWindow ?? Infinity;
    const ready$ = new Observable<PlanNode>((sink) => {
      this.#readySink = sink;
      this.#start();
      return () => {
        this.#readySink = undefined;
      };
    });
    const timeout = this.#options.timeout;
    const deadline$ =
      timeout === undefined
        ? NEVER
        : timer(timeout).pipe(
            map(() => 'timeout' as const),
            tap(() => {
              this.#record.reason ??= 'timeout';
            }),
          );
    const execution$ = merge(
      this.#skipped$,
      ready$.pipe(jobsWindow(window, (node) => this.#runNode(node))),
    ).pipe(takeUntil(merge(this.#stop$, deadline$)));
    return concat(
      execution$,
      defer(() => this.#tail()),
    ).pipe(
      tap({
        finalize: () => {
          this.#finish();
        },
      }),
    );
  }

  #start(): void {
    if (this.#unsettled === 0) {
      this.#stop('fine');
      return;
    }
    for (const node of this.#nodes) {
      if (this.#record.reason !== undefined) return;
      if (node.pending === 0) this.#makeReady(node);
    }
  }

  #stop(reason: StopReason, culprit?: Job): void {
    if (this.#record.reason !== undefined) return;
    this.#record.reason = reason;
    this.#record.culprit = culprit;
    this.#stop$.next(reason);
  }

  #makeReady(node: PlanNode): void {
    node.job._status = JobStatus.Scheduled;
    this.#readySink?.next(node);
  }

  /** One job's Observable of events: started, its values, then done or failed. */
  #runNode(node: PlanNode): Observable<SchedulerEvent> {
    return new Observable<SchedulerEvent>((subscriber) => {
      const job = node.job;
      const scheduler = this.#scheduler;
      job._status = JobStatus.Running;
      subscriber.next({ type: 'started', job, scheduler });
      if (subscriber.closed) return;

      let controller: AbortController | undefined;
      const context: JobContext = {
        get signal() {
          return (controller ??= new AbortController()).signal;
        },
      };
      const nested = isScheduler(job) ? job : undefined;
      let nestedEnd: SchedulerEndEvent | undefined;
      let result: 'done' | 'failed' | undefined;
      let raised: unknown;

      let source: Observable<unknown>;
      try {
        if (nested !== undefined) {
          source = nested._runGraph({ timeout: nested.timeout, inheritedCritical: node.critical, nested: true });
        } else {
          source = from(job._work(context));
          const timeout = job.timeout;
          if (timeout !== undefined)
            source = source.pipe(
              takeUntil(
                timer(timeout).pipe(
                  map(() => {
                    throw new JobTimeoutError(job, timeout);
                  }),
                ),
              ),
            );
        }
      } catch (e: unknown) {
        this.#conclude(node, 'failed', e, undefined, subscriber);
        return;
      }

      const inner = source.subscribe({
        next: (value) => {
          if (nested !== undefined) {
            const event = value as SchedulerEvent;
            if (event.type === 'end' && event.scheduler === nested) nestedEnd = event;
            subscriber.next(event);
          } else {
            job._value = value;
            subscriber.next({ type: 'value', job, value, scheduler });
          }
        },
        error: (e: unknown) => {
          result = 'failed';
          raised = e;
        },
        complete: () => {
          result = 'done';
        },
      });
      // runs after the work's own teardown, so dependents start once it is really over
      inner.add(() => {
        if (result !== undefined) this.#conclude(node, result, raised, nestedEnd, subscriber);
      });
      return () => {
        inner.unsubscribe();
        if (job._status === JobStatus.Running) {
          job._status = JobStatus.Cancelled;
          controller?.abort();
        }
      };
    });
  }

  #conclude(
    node: PlanNode,
    result: 'done' | 'failed',
    raised: unknown,
    nestedEnd: SchedulerEndEvent | undefined,
    subscriber: Subscriber<SchedulerEvent>,
  ): void {
    const job = node.job;
    const scheduler = this.#scheduler;
    if (result === 'done' && nestedEnd !== undefined && !nestedEnd.ok) {
      result = 'failed';
      raised = new SchedulerAbortedError(job, nestedEnd.reason, nestedEnd.why);
    } else if (result === 'done' && nestedEnd !== undefined) {
      job._value = true;
    }
    if (result === 'done') {
      job._status = JobStatus.Done;
      subscriber.next({ type: 'done', job, value: job._value, scheduler });
      this.#settle(node, true);
    } else {
      const error = toJobsError(raised, job);
      job._status = JobStatus.Failed;
      job._raised = raised;
      job._error = error;
      job._value = undefined;
      subscriber.next({ type: 'failed', job, error, critical: node.critical, scheduler });
      this.#settle(node, false);
    }
    subscriber.complete();
  }

  /**
   * Records outcomes and releases dependents. Iterative (a queue, not recursion): a job finishing
   * synchronously inside another job's settlement only enqueues itself.
   */
  #settle(node: PlanNode, ok: boolean): void {
    this.#settleNodes.push(node);
    this.#settleOk.push(ok);
    if (this.#settling) return;
    this.#settling = true;
    try {
      while (this.#settleHead < this.#settleNodes.length && this.#record.reason === undefined) {
        const i = this.#settleHead++;
        const done = this.#settleNodes[i] as PlanNode;
        const success = this.#settleOk[i] as boolean;
        this.#unsettled--;
        if (!done.forever) this.#finiteLeft--;
        if (!success && done.critical && done.job._status === JobStatus.Failed) {
          this.#stop('critical', done.job);
          break;
        }
        if ((this.#finiteLeft === 0 && this.#finiteCount > 0) || this.#unsettled === 0) {
          this.#stop('fine');
          break;
        }
        for (const s of done.successors) {
          const next = this.#nodes[s] as PlanNode;
          if (!success) (next.notOk ??= []).push(done.job);
          if (--next.pending === 0) {
            if (next.notOk !== undefined && next.job.runIf === 'all-success') {
              const job = next.job;
              job._status = JobStatus.Skipped;
              job._because = next.notOk;
              this.#skipped$.next({ type: 'skipped', job, because: next.notOk, scheduler: this.#scheduler });
              this.#settleNodes.push(next);
              this.#settleOk.push(false);
            } else this.#makeReady(next);
          }
        }
      }
    } finally {
      this.#settling = false;
      if (this.#settleHead === this.#settleNodes.length) {
        this.#settleNodes = [];
        this.#settleOk = [];
        this.#settleHead = 0;
      }
    }
  }

  /** After the stop: cancelled events, the members' shutdown, then the end event. */
  #tail(): Observable<SchedulerEvent> {
    this.#tailStarted = true;
    const reason = this.#record.reason ?? 'fine';
    this.#record.reason = reason;
    const cancelled: SchedulerEvent[] = [];
    collectCancelled(this.#nodes, this.#scheduler, CANCEL_REASON[reason], cancelled);
    const end: SchedulerEndEvent = {
      type: 'end',
      scheduler: this.#scheduler,
      ok: reason === 'fine',
      reason,
      why: explain(this.#record),
    };
    return concat(from(cancelled), shutdownMembers(this.#scheduler), of(end));
  }

  /** However the stream ends: an unsubscribed run still resets its waiting jobs and shuts down. */
  #finish(): void {
    if (this.#tailStarted) return;
    this.#record.reason ??= 'unsubscribed';
    collectCancelled(this.#nodes, this.#scheduler, 'parent', undefined);
    // a nested run is shut down by its parent's shutdown phase (which awaits it); a top-level one, here
    if (!this.#options.nested && !this.#scheduler._membersShutDown)
      // eslint-disable-next-line rxjs-x/no-ignored-subscription -- fire and forget: nobody is listening any more
      shutdownMembers(this.#scheduler).subscribe();
  }
}

/**
 * Puts jobs that were waiting for a slot back to idle, and collects a cancelled event for every cancelled
 * job, recursing into cancelled nested schedulers.
 */
function collectCancelled(
  nodes: readonly PlanNode[],
  scheduler: Scheduler,
  reason: CancelReason,
  out: SchedulerEvent[] | undefined,
): void {
  for (const node of nodes) {
    const job = node.job;
    if (job._status === JobStatus.Scheduled) job._status = JobStatus.Idle;
    else if (job._status === JobStatus.Cancelled) {
      out?.push({ type: 'cancelled', job, reason, scheduler });
      if (isScheduler(job) && job._lastRun !== undefined) collectCancelled(job._lastRun.nodes, job, 'parent', out);
    }
  }
}

/**
 * The cold Observable of a scheduler's run. Validates the graph (recursively, at top level) when subscribed,
 * so graph errors surface as an error before any job starts.
 * @internal
 */
export function runGraph(scheduler: Scheduler, options: RunGraphOptions): Observable<SchedulerEvent> {
  return defer(() => {
    const nodes = buildPlan(scheduler, options.inheritedCritical, !options.nested);
    return new GraphRun(scheduler, options, nodes).events();
  });
}
