import { concat, defer, EMPTY, from, merge, Observable, of, Subject, takeUntil } from 'rxjs';
import type { Subscriber } from 'rxjs';

import type { JobsError } from '../../errors/jobs-error.js';
import { toJobsError } from '../errors/job-failed-error.js';
import { SchedulerAbortedError } from '../errors/scheduler-aborted-error.js';
import { eventScheduler } from '../model.js';
import type {
  CancelReason,
  EventScheduler,
  JobGroup,
  NestedRun,
  RunGraphOptions,
  SchedulerEndEvent,
  SchedulerEvent,
  StopReason,
} from '../model.js';
import type { Plan } from '../plan.js';
import type { Job } from '../job.js';
import { shutdownMembers } from '../shutdown.js';
import { TaskWindow } from '../window.js';
import type { WindowOwner, WindowTask } from '../window.js';
import { JobRun } from './job-run.js';
import type { JobRunHost } from './job-run.js';
import { Release } from './release.js';
import type { ReleaseHost } from './release.js';
import { collectCancelled } from './cancelled.js';
import { makeCleanup } from './cleanup.js';
import type { Cleanup, CleanupHost } from './cleanup.js';
import { Code } from './codes.js';
import { deadline, whenAborted } from './stops.js';
import { CANCEL_REASON, endEvent, failedEvent } from './why.js';
import type { RunState } from './run-state.js';

/**
 * The run of one scheduler: per-job counters of unfinished requirements, a ready queue feeding the jobs
 * window, and `takeUntil` for the ways a run stops (every finite job done, a critical failure, the global
 * timeout, the signal). Everything is per subscription, so the Observable is cold: two subscriptions are two
 * independent runs, each with its own state of the jobs (see `RunState`) and its own shutdown. Jobs are
 * referred to by their index in the plan.
 * @internal
 */
export class GraphRun implements NestedRun, JobRunHost, ReleaseHost, CleanupHost {
  /** The scheduler, as its events carry it. */
  readonly scheduler: EventScheduler;
  /** See {@link RunGraphOptions.jobEvents}. */
  readonly jobEvents: boolean;
  /** The `critical` setting that members (and nested schedulers) inherit. */
  readonly enclosingCritical: boolean | undefined;
  /** The members' states in this run, by plan index (see `RunState`). */
  readonly status: Uint8Array;
  readonly values: unknown[];
  readonly #errors: Map<number, JobsError>;
  /** The runs of nested schedulers started by this one, by plan index (made on the first). */
  #nested: Map<number, NestedRun> | undefined;
  /** The members' shutdown hooks have been called (or are being called) for this run. */
  #shutDown = false;
  readonly #options: RunGraphOptions;
  readonly #plan: Plan;
  /** The run's state, whose record this run writes (see `RunState`). */
  readonly #record: RunState;
  readonly #stop$ = new Subject<StopReason>();
  /** The run's subscriber, which job events go to straight from the jobs (see `emit`). */
  #out: Subscriber<SchedulerEvent> | undefined;
  /** The jobs window, while the run executes (until it stops, or its consumer leaves). */
  #jobsWindow: TaskWindow<number, SchedulerEvent> | undefined;
  /** What releases the jobs as their requirements settle. */
  readonly #release: Release;
  /** The cleanup phase, once the run stopped for a reason that has one (see `Cleanup`). */
  #cleanup: Cleanup | undefined = undefined;
  #tailStarted = false;
  readonly #window: number;
  /** Jobs started and jobs concluded: when equal, nothing runs (so nothing to cancel at the end). */
  #startedCount = 0;
  #concludedCount = 0;
  /** The run's stream has been torn down (its consumer left): no job may start any more. */
  #finished = false;

  constructor(scheduler: JobGroup, options: RunGraphOptions, plan: Plan) {
    this.scheduler = eventScheduler(scheduler);
    this.jobEvents = options.jobEvents;
    this.enclosingCritical = plan.enclosingCritical;
    this.status = plan.state.status;
    this.values = plan.state.values;
    this.#errors = plan.state.errors;
    this.#options = options;
    this.#plan = plan;
    this.#release = new Release(plan, this);
    this.#record = plan.state;
    this.#record.timeout = options.timeout;
    this.#window = scheduler.jobsWindow ?? Infinity;
    options.parent?.run.adopt(options.parent.index, this);
  }

  /** What this run records of itself (for the scheduler's `why()`, `list()`). */
  get record(): RunState {
    return this.#record;
  }

  adopt(index: number, run: NestedRun): void {
    (this.#nested ??= new Map()).set(index, run);
  }

  /** The run of the nested scheduler at `index` that this run started, if it did. */
  nestedRun(index: number): NestedRun | undefined {
    return this.#nested?.get(index);
  }

  /** The members' shutdown, the first time it is asked for in this run (afterwards: nothing to do). */
  shutdown(): Observable<never> | undefined {
    if (this.#shutDown) return undefined;
    this.#shutDown = true;
    return shutdownMembers(this.scheduler, this.#plan.jobs, (i) => this.nestedRun(i));
  }

  events(): Observable<SchedulerEvent> {
    const window = this.#window;
    const deadline$ = deadline(this.#options.timeout, this.#record);
    const abort$ = whenAborted(this.#options.signal, () => {
      this.stop('aborted');
    });
    // the jobs window, fed by the run itself (no Observable of ready jobs)
    const execution$ = new Observable<SchedulerEvent>((subscriber) => {
      const jobsWindow = new TaskWindow<number, SchedulerEvent>(
        window,
        (i, owner) => this.startJob(i, owner),
        subscriber,
      );
      this.#jobsWindow = jobsWindow;
      this.#start();
      return () => {
        this.#jobsWindow = undefined;
        jobsWindow.unsubscribe();
      };
    }).pipe(takeUntil(merge(this.#stop$, deadline$, abort$)));
    const all$ = concat(
      execution$,
      defer(() => this.#tail()),
    );
    return new Observable<SchedulerEvent>((subscriber) => {
      this.#out = subscriber;
      // registered before subscribing: the consumer may leave while the first jobs start, and then no
      // job may start any more
      subscriber.add(() => {
        this.#finished = true;
      });
      // subscribing with the Subscriber itself adds no operator layer
      all$.subscribe(subscriber);
      // registered after: runs once the running jobs have been torn down (at once if already over)
      subscriber.add(() => {
        this.#finish();
      });
    });
  }

  /**
   * Emits an event of a job: straight to the run's subscriber, rather than through the operators that
   * carry the execution phase into the tail (three hundred thousand events at 100,000 jobs), and, as
   * through them, only while that phase goes on: not once the run has stopped.
   */
  emit(event: SchedulerEvent): void {
    const jobsWindow = this.#jobsWindow;
    if (jobsWindow !== undefined && !jobsWindow.closed) (this.#out as Subscriber<SchedulerEvent>).next(event);
  }

  #start(): void {
    if (this.#options.signal?.aborted === true) {
      this.stop('aborted');
      return;
    }
    if (this.#release.unsettled === 0) {
      this.stop('fine');
      return;
    }
    this.#release.start();
  }

  /** Stops the run; `culprit`: the index of the critical job that failed. */
  stop(reason: StopReason, culprit?: number): void {
    const record = this.#record;
    if (record.reason !== undefined) return;
    record.reason = reason;
    if (culprit !== undefined) {
      record.culprit = this.#plan.jobs[culprit];
      record.culpritError = this.#errors.get(culprit);
    }
    if (reason === 'aborted') record.abortReason = this.#options.signal?.reason;
    this.#stop$.next(reason);
  }

  /** Queues the `count` jobs of the batch, whose requirements are all settled (they start in this order). */
  makeReady(batch: Int32Array, count: number): void {
    // without a window, ready jobs start at once: no `scheduled` state to show
    if (this.#window !== Infinity) {
      const status = this.status;
      for (let k = 0; k < count; k++) status[batch[k] as number] = Code.Scheduled;
    }
    const jobsWindow = this.#jobsWindow;
    if (jobsWindow === undefined) return;
    for (let k = 0; k < count; k++) jobsWindow.push(batch[k] as number);
    jobsWindow.drain();
  }

  openWindow(window: TaskWindow<number, SchedulerEvent> | undefined): void {
    this.#jobsWindow = window;
  }

  /** Starts one job: its `started` event, then its work as a task of the window. */
  startJob(index: number, owner: WindowOwner<SchedulerEvent>): WindowTask {
    const job = this.#plan.jobs[index] as Job;
    this.status[index] = Code.Running;
    this.#startedCount++;
    const run = new JobRun(this, index, job, owner);
    const restore = this.#options.restore;
    if (restore?.has(job) === true && !job._isScheduler) {
      run.restored(restore.get(job));
      return run;
    }
    if (this.jobEvents) this.emit({ type: 'started', job, scheduler: this.scheduler });
    if (owner.closed || this.#finished) {
      // the consumer left on seeing `started` (a take(1), say): the work is never called
      this.status[index] = Code.Idle;
      run.unsubscribe();
    } else run.start(this.#plan.critical[index] === 1);
    return run;
  }

  /** Records how a job ended, emits it, and releases its dependents. */
  conclude(
    index: number,
    failed: boolean,
    raised: unknown,
    nestedEnd: SchedulerEndEvent | undefined,
    attempts = 1,
    restored = false,
  ): void {
    const job = this.#plan.jobs[index] as Job;
    const scheduler = this.scheduler;
    this.#concludedCount++;
    if (!failed && nestedEnd !== undefined && !nestedEnd.ok) {
      failed = true;
      raised = new SchedulerAbortedError(job, nestedEnd.reason, nestedEnd.why);
    } else if (!failed && nestedEnd !== undefined) {
      this.values[index] = true;
    }
    if (!failed) {
      this.status[index] = Code.Done;
      if (this.jobEvents)
        this.emit(
          restored
            ? { type: 'done', job, value: this.values[index], scheduler, restored }
            : { type: 'done', job, value: this.values[index], scheduler },
        );
      (this.#cleanup ?? this.#release).settle(index, true);
    } else {
      const error = toJobsError(raised, job);
      this.#record.fail(index, raised, error);
      // with maxFailures no member is critical: the failure one beyond the budget stops the run (those of
      // the cleanup phase, after the stop, do not count)
      const verdict =
        this.#cleanup === undefined
          ? this.#record.budget?.count(index, this.scheduler._uncounted(error))
          : undefined;
      const critical = verdict === undefined ? this.#plan.critical[index] === 1 : verdict === 'over';
      if (this.jobEvents) this.emit(failedEvent(job, error, critical, scheduler, attempts, verdict));
      // stop now, not when the settle queue gets to it: jobs released in the same batch must not start
      if (critical) this.stop('critical', index);
      (this.#cleanup ?? this.#release).settle(index, false);
    }
  }

  /** Whether the run has stopped (its reason is known). */
  get stopped(): boolean {
    return this.#record.reason !== undefined;
  }
  get mayRetry(): boolean {
    return this.#record.reason === undefined || this.#cleanup !== undefined;
  }

  skip(index: number, because: Job[], rule?: 'one-failed'): void {
    const job = this.#plan.jobs[index] as Job;
    this.#record.skip(index, because);
    const scheduler = this.scheduler;
    if (this.jobEvents) this.emit({ type: 'skipped', job, because, scheduler, ...(rule && { rule }) });
  }

  /** After the stop: cancelled events, the cleanup phase, the members' shutdown, then the end event. */
  #tail(): Observable<SchedulerEvent> {
    this.#tailStarted = true;
    const reason = this.#record.reason ?? 'fine';
    this.#record.reason = reason;
    const cancelled: SchedulerEvent[] = [];
    if (this.#somethingLeft()) this.collectCancelled(CANCEL_REASON[reason], cancelled);
    const end = endEvent(this.scheduler, reason, this.#record);
    // a run aborted before it started ran nothing, and has nothing to shut down
    if (reason === 'aborted' && this.#startedCount === 0) this.#shutDown = true;
    // deferred: a consumer leaving on a cancelled event leaves the shutdown to `#finish`
    return concat(
      from(cancelled),
      defer(
        () => (this.#cleanup = makeCleanup(reason, this.#plan, this))?.events(this.#options.signal) ?? EMPTY,
      ),
      defer(() => this.shutdown() ?? EMPTY),
      of(end),
    );
  }

  /** Jobs done in a previous run (see `RunOptions.restore`). */
  get restore(): ReadonlyMap<Job, unknown> | undefined {
    return this.#options.restore;
  }

  /** Whether a job may be running or waiting for a slot (else the scan for them can be skipped). */
  #somethingLeft(): boolean {
    return this.#startedCount !== this.#concludedCount || this.#window !== Infinity;
  }

  /**
   * However the stream ends, after the jobs' teardown: a run left before its tail still puts waiting jobs
   * back to idle, and the members are shut down if the tail did not get to it (a consumer may leave on a
   * `cancelled` event, before the shutdown phase).
   */
  #finish(): void {
    if (!this.#tailStarted) {
      this.#record.reason ??= 'unsubscribed';
      if (this.#somethingLeft()) this.collectCancelled('parent', undefined);
    }
    // a nested run is shut down by its parent's shutdown phase (which awaits it); a top-level one, here,
    // fire and forget: nobody is listening any more
    if (!this.#options.nested) this.shutdown()?.subscribe();
  }

  /**
   * Puts jobs that were waiting for a slot back to idle, and collects a cancelled event for every cancelled
   * job, recursing into cancelled nested schedulers.
   */
  collectCancelled(reason: CancelReason, out: SchedulerEvent[] | undefined): void {
    collectCancelled(this.scheduler, this.#plan.jobs, this.status, this.#nested, reason, out);
  }
}
