import {
  isObservable,
  concat,
  defer,
  EMPTY,
  from,
  map,
  merge,
  NEVER,
  Observable,
  of,
  Subject,
  Subscriber,
  takeUntil,
  tap,
  timer,
} from 'rxjs';

import type { ObservableInput } from 'rxjs';

import { isJobsError } from '../errors/jobs-error.js';
import type { JobsError } from '../errors/jobs-error.js';
import { describeRaised, JobFailedError } from './errors/job-failed-error.js';
import { JobTimeoutError } from './errors/job-timeout-error.js';
import { SchedulerAbortedError } from './errors/scheduler-aborted-error.js';
import { isGroup } from './model.js';
import type {
  CancelReason,
  JobGroup,
  NestedRun,
  NestedRunHost,
  RunGraphOptions,
  SchedulerEndEvent,
  SchedulerEvent,
  StopReason,
} from './model.js';
import { buildPlan } from './plan.js';
import type { Plan } from './plan.js';
import type { Job, JobContext } from './job.js';
import { Code } from './run-state.js';
import { shutdownMembers } from './shutdown.js';
import { TaskWindow } from './window.js';
import type { WindowOwner, WindowTask } from './window.js';

/** What a scheduler remembers of its latest run (for `why()`, `list()` and nested cancellations). @internal */
export interface RunRecord {
  reason: StopReason | undefined;
  timeout: number | undefined;
  /** The critical job whose failure aborted the run, and its error. */
  culprit: Job | undefined;
  culpritError: JobsError | undefined;
  /** The `reason` of the aborted signal. */
  abortReason: unknown;
  /** Jobs that failed (not critically, when the run is fine) and jobs skipped, so far. */
  failed: number;
  skipped: number;
}

const toJobsError = (raised: unknown, job: Job): JobsError =>
  isJobsError(raised) ? raised : new JobFailedError(job, raised);

/** How each stop reason names the cancellation of the jobs still running. */
const CANCEL_REASON: Record<StopReason, CancelReason> = {
  fine: 'forever',
  timeout: 'timeout',
  critical: 'critical',
  unsubscribed: 'parent',
  aborted: 'aborted',
};

/** What an abort reason adds to `why()`: nothing for the default one (`controller.abort()`). */
const abortDetail = (reason: unknown): string => {
  if (reason instanceof Error) return reason.name === 'AbortError' ? '' : `: ${reason.message}`;
  return typeof reason === 'string' || typeof reason === 'number' ? `: ${String(reason)}` : '';
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
    case 'fine': {
      const { failed, skipped } = record;
      const notes = [
        ...(failed > 0 ? [`${String(failed)} failed, not critical`] : []),
        ...(skipped > 0 ? [`${String(skipped)} skipped`] : []),
      ];
      return `fine: every job completed${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
    }
    case 'timeout':
      return `timed out after ${String(record.timeout)} ms`;
    case 'critical': {
      const culprit = record.culprit;
      if (culprit === undefined) return 'a critical job failed';
      // what the work raised, not the JobFailedError wrapping it (whose message names the job again)
      const error = record.culpritError;
      const cause =
        error?.code === 'job-failed' ? describeRaised(error.cause) : (error?.message ?? 'unknown error');
      return `critical job "${culprit.label}" failed: ${cause}`;
    }
    case 'unsubscribed':
      return 'cancelled: unsubscribed before the end';
    case 'aborted':
      return `cancelled: aborted by its signal${abortDetail(record.abortReason)}`;
  }
}

const isPromiseLike = (x: unknown): x is PromiseLike<unknown> =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as { then?: unknown }).then === 'function' &&
  !isObservable(x);

/**
 * One job's run, as a single object: a task of the jobs window, the Subscriber of the job's work, and the
 * `JobContext` the work receives (one allocation per job instead of an Observable, three Subscribers and
 * a dozen closures: it matters at 100,000 jobs; being a Subscriber, rxjs subscribes it as it is, with no
 * SafeSubscriber and observer wrapped around it). Events go straight to the run's subscriber. When the
 * work ends, the outcome is concluded after the work's own teardown (so dependents start once it is
 * really over), then the slot is released. `unsubscribe()` is reached in two ways: once the work ended
 * (then the work's teardown runs, and the run concludes; for work that ends while it is subscribed,
 * once `subscribe` has returned, so after the teardown it returned), or from the window when the run
 * stops (cancel).
 */
// eslint-disable-next-line rxjs-x/no-subclass -- as rxjs 7's own operators do (OperatorSubscriber), see above
class JobRun extends Subscriber<unknown> implements WindowTask, JobContext {
  #controller: AbortController | undefined = undefined;
  /** Whether the job is critical in this run (set by `start`): the `JobContext` the work receives. */
  critical = false;
  /** 0 running, 1 ended (done or failed: waiting to conclude), 2 concluded, 3 cancelled */
  #phase = 0;
  #failed = false;
  #raised: unknown = undefined;
  /** Inside `subscribe(this)`: a work that ends now concludes once `subscribe` returns. */
  #subscribing = false;
  #nestedEnd: SchedulerEndEvent | undefined = undefined;
  readonly #graph: GraphRun;
  readonly #index: number;
  readonly #job: Job;
  readonly #owner: WindowOwner<SchedulerEvent>;

  constructor(graph: GraphRun, index: number, job: Job, owner: WindowOwner<SchedulerEvent>) {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the constructor of rxjs 7's Subscriber, subclassed
    super();
    this.#graph = graph;
    this.#index = index;
    this.#job = job;
    this.#owner = owner;
  }

  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal;
  }

  /** Calls the work and subscribes to it (or, for a plain Promise, waits for it). */
  start(critical: boolean): void {
    const job = this.#job;
    this.critical = critical;
    let result: unknown;
    try {
      if (isGroup(job)) {
        result = job._runGraph({
          timeout: job.timeout,
          inheritedCritical: this.#graph.enclosingCritical,
          nested: true,
          jobEvents: this.#graph.jobEvents,
          parent: { run: this.#graph, index: this.#index },
          signal: undefined,
        });
      } else {
        result = job._work(this);
        const timeout = job.timeout;
        if (timeout !== undefined)
          result = from(result as ObservableInput<unknown>).pipe(
            takeUntil(
              timer(timeout).pipe(
                map(() => {
                  const error = new JobTimeoutError(job, timeout);
                  // Promise-based work listening to the signal stops too
                  this.#controller?.abort(error);
                  throw error;
                }),
              ),
            ),
          );
        else if (isPromiseLike(result)) {
          // a Promise needs no Observable: no teardown, and much less to keep while 100,000 are pending
          result.then(
            (value) => {
              if (this.#phase !== 0) return;
              this.#deliver(value);
              this.#phase = 1;
              this.#conclude();
            },
            (e: unknown) => {
              if (this.#phase !== 0) return;
              this.#phase = 1;
              this.#failed = true;
              this.#raised = e;
              this.#conclude();
            },
          );
          return;
        }
      }
      this.#subscribing = true;
      from(result as ObservableInput<unknown>).subscribe(this);
      this.#subscribing = false;
      // ended while subscribed: the teardown it returned has run by now
      if (this.#phase === 1) this.#conclude();
    } catch (e: unknown) {
      this.#subscribing = false;
      // the work could not even be called, or returned something that is not ObservableInput
      this.#phase = 1;
      this.#failed = true;
      this.#raised = e;
      this.#conclude();
    }
  }

  protected override _next(value: unknown): void {
    this.#deliver(value);
  }
  protected override _error(e: unknown): void {
    this.#phase = 1;
    this.#failed = true;
    this.#raised = e;
    this.unsubscribe();
  }
  protected override _complete(): void {
    this.#phase = 1;
    this.unsubscribe();
  }

  #deliver(value: unknown): void {
    const job = this.#job;
    if (isGroup(job)) {
      const event = value as SchedulerEvent;
      if (event.type === 'end' && event.scheduler === job) this.#nestedEnd = event;
      if (this.#graph.jobEvents) this.#graph.emit(event);
    } else {
      this.#graph.values[this.#index] = value;
      if (this.#graph.jobEvents)
        this.#graph.emit({ type: 'value', job, value, scheduler: this.#graph.scheduler });
    }
  }
  #conclude(): void {
    this.#phase = 2;
    this.#graph.conclude(this.#index, this.#failed, this.#raised, this.#nestedEnd);
    this.#owner.release(this);
  }

  override unsubscribe(): void {
    if (this.#phase === 1) {
      // the work's teardown, then the outcome
      super.unsubscribe();
      if (!this.#subscribing) this.#conclude();
    } else if (this.#phase === 0) {
      this.#phase = 3;
      super.unsubscribe();
      const status = this.#graph.status;
      if (status[this.#index] === Code.Running) {
        status[this.#index] = Code.Cancelled;
        this.#controller?.abort();
      }
    }
  }
}

/**
 * The run of one scheduler: per-job counters of unfinished requirements, a ready queue feeding the jobs
 * window, and `takeUntil` for the ways a run stops (every finite job done, a critical failure, the global
 * timeout, the signal). Everything is per subscription, so the Observable is cold: two subscriptions are two
 * independent runs, each with its own state of the jobs (see `RunState`) and its own shutdown. Jobs are
 * referred to by their index in the plan.
 * @internal
 */
export class GraphRun implements NestedRun, NestedRunHost {
  readonly scheduler: JobGroup;
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
  readonly #record: RunRecord;
  readonly #stop$ = new Subject<StopReason>();
  /** The run's subscriber, which job events go to straight from the jobs (see `emit`). */
  #out: Subscriber<SchedulerEvent> | undefined;
  /** The jobs window, while the run executes (until it stops, or its consumer leaves). */
  #jobsWindow: TaskWindow<number, SchedulerEvent> | undefined;
  /** Jobs released together, before they are queued (reused from one batch to the next). */
  #batch = new Int32Array(16);
  /** Requirements not settled yet, per job. */
  readonly #pending: Int32Array;
  /** Requirements that settled without success, for `runIf: 'all-success'` (sparse). */
  readonly #notOk = new Map<number, Job[]>();
  #finiteLeft: number;
  readonly #finiteCount: number;
  #unsettled: number;
  // settle queue: jobs whose outcome is known (see #enqueueSettled)
  #settleQueue = new Int32Array(64);
  #settleHead = 0;
  #settleTail = 0;
  #settling = false;
  #tailStarted = false;
  readonly #window: number;
  /** Jobs started and jobs concluded: when equal, nothing runs (so nothing to cancel at the end). */
  #startedCount = 0;
  #concludedCount = 0;
  /** The run's stream has been torn down (its consumer left): no job may start any more. */
  #finished = false;

  constructor(scheduler: JobGroup, options: RunGraphOptions, plan: Plan) {
    this.scheduler = scheduler;
    this.jobEvents = options.jobEvents;
    this.enclosingCritical = plan.enclosingCritical;
    this.status = plan.state.status;
    this.values = plan.state.values;
    this.#errors = plan.state.errors;
    this.#options = options;
    this.#plan = plan;
    this.#pending = plan.requirementCount.slice();
    this.#finiteCount = plan.finiteCount;
    this.#finiteLeft = plan.finiteCount;
    this.#unsettled = plan.jobs.length;
    this.#record = {
      reason: undefined,
      timeout: options.timeout,
      culprit: undefined,
      culpritError: undefined,
      abortReason: undefined,
      failed: 0,
      skipped: 0,
    };
    this.#window = scheduler.jobsWindow ?? Infinity;
    options.parent?.run.adopt(options.parent.index, this);
  }

  /** What this run records of itself (for the scheduler's `why()`, `list()`). */
  get record(): RunRecord {
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
    const signal = this.#options.signal;
    const abort$ =
      signal === undefined
        ? NEVER
        : new Observable<never>(() => {
            const onAbort = (): void => {
              this.#stop('aborted');
            };
            signal.addEventListener('abort', onAbort);
            return () => {
              signal.removeEventListener('abort', onAbort);
            };
          });
    // the jobs window, fed by the run itself (no Observable of ready jobs)
    const execution$ = new Observable<SchedulerEvent>((subscriber) => {
      const jobsWindow = new TaskWindow<number, SchedulerEvent>(
        window,
        (i, owner) => this.#startJob(i, owner),
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
      this.#stop('aborted');
      return;
    }
    if (this.#unsettled === 0) {
      this.#stop('fine');
      return;
    }
    const pending = this.#pending;
    let count = 0;
    for (let i = 0; i < pending.length; i++) if (pending[i] === 0) count = this.#addToBatch(count, i);
    this.#makeReady(count);
  }

  /** Stops the run; `culprit`: the index of the critical job that failed. */
  #stop(reason: StopReason, culprit?: number): void {
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

  /** Adds a job to the batch of jobs released together; returns the new size of the batch. */
  #addToBatch(count: number, index: number): number {
    if (count === this.#batch.length) {
      const bigger = new Int32Array(count * 2);
      bigger.set(this.#batch);
      this.#batch = bigger;
    }
    this.#batch[count] = index;
    return count + 1;
  }

  /** Queues the `count` jobs of the batch, whose requirements are all settled (they start in this order). */
  #makeReady(count: number): void {
    const batch = this.#batch;
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

  /** Starts one job: its `started` event, then its work as a task of the window. */
  #startJob(index: number, owner: WindowOwner<SchedulerEvent>): WindowTask {
    const job = this.#plan.jobs[index] as Job;
    this.status[index] = Code.Running;
    this.#startedCount++;
    const run = new JobRun(this, index, job, owner);
    if (this.jobEvents) this.emit({ type: 'started', job, scheduler: this.scheduler });
    if (owner.closed || this.#finished) {
      // the consumer left on seeing `started` (a take(1), say): the work is never called
      this.status[index] = Code.Idle;
      run.unsubscribe();
    } else run.start(this.#plan.critical[index] === 1);
    return run;
  }

  /** Records how a job ended, emits it, and releases its dependents. */
  conclude(index: number, failed: boolean, raised: unknown, nestedEnd: SchedulerEndEvent | undefined): void {
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
      if (this.jobEvents) this.emit({ type: 'done', job, value: this.values[index], scheduler });
      this.#settle(index, true);
    } else {
      const error = toJobsError(raised, job);
      this.status[index] = Code.Failed;
      this.values[index] = raised;
      this.#errors.set(index, error);
      this.#record.failed++;
      const critical = this.#plan.critical[index] === 1;
      if (this.jobEvents) this.emit({ type: 'failed', job, error, critical, scheduler });
      // stop now, not when the settle queue gets to it: jobs released in the same batch must not start
      if (critical) this.#stop('critical', index);
      this.#settle(index, false);
    }
  }

  #enqueueSettled(index: number, ok: boolean): void {
    if (this.#settleTail === this.#settleQueue.length) {
      const bigger = new Int32Array(this.#settleQueue.length * 2);
      bigger.set(this.#settleQueue);
      this.#settleQueue = bigger;
    }
    // one entry per job: its index when it succeeded, else the index's complement (negative)
    this.#settleQueue[this.#settleTail++] = ok ? index : ~index;
  }

  /**
   * Records outcomes and releases dependents. Iterative (a queue, not recursion): a job finishing
   * synchronously inside another job's settlement only enqueues itself.
   */
  #settle(index: number, ok: boolean): void {
    this.#enqueueSettled(index, ok);
    if (this.#settling) return;
    this.#settling = true;
    const { jobs, critical, forever, successorStart, successors } = this.#plan;
    const pending = this.#pending;
    const status = this.status;
    try {
      while (this.#settleHead < this.#settleTail && this.#record.reason === undefined) {
        const entry = this.#settleQueue[this.#settleHead++] as number;
        const success = entry >= 0;
        const done = success ? entry : ~entry;
        const doneJob = jobs[done] as Job;
        this.#unsettled--;
        if (forever[done] === 0) this.#finiteLeft--;
        if (!success && critical[done] === 1 && status[done] === Code.Failed) {
          this.#stop('critical', done);
          break;
        }
        if ((this.#finiteLeft === 0 && this.#finiteCount > 0) || this.#unsettled === 0) {
          this.#stop('fine');
          break;
        }
        let released = 0;
        const last = successorStart[done + 1] as number;
        for (let e = successorStart[done] as number; e < last; e++) {
          const next = successors[e] as number;
          if (!success) {
            const notOk = this.#notOk.get(next);
            if (notOk === undefined) this.#notOk.set(next, [doneJob]);
            else notOk.push(doneJob);
          }
          if (--(pending[next] as number) === 0) {
            // while every job succeeds, the job itself is not read here (it is scattered in memory)
            const notOk = this.#notOk.size === 0 ? undefined : this.#notOk.get(next);
            const job = jobs[next] as Job;
            if (notOk !== undefined && job.runIf === 'all-success') {
              status[next] = Code.Skipped;
              this.values[next] = notOk;
              this.#record.skipped++;
              if (this.jobEvents)
                this.emit({ type: 'skipped', job, because: notOk, scheduler: this.scheduler });
              this.#enqueueSettled(next, false);
            } else released = this.#addToBatch(released, next);
          }
        }
        if (released > 0) this.#makeReady(released);
      }
    } finally {
      this.#settling = false;
      if (this.#settleHead === this.#settleTail) this.#settleHead = this.#settleTail = 0;
    }
  }

  /** After the stop: cancelled events, the members' shutdown, then the end event. */
  #tail(): Observable<SchedulerEvent> {
    this.#tailStarted = true;
    const reason = this.#record.reason ?? 'fine';
    this.#record.reason = reason;
    const cancelled: SchedulerEvent[] = [];
    if (this.#somethingLeft()) this.collectCancelled(CANCEL_REASON[reason], cancelled);
    const end: SchedulerEndEvent = {
      type: 'end',
      scheduler: this.scheduler,
      ok: reason === 'fine',
      reason,
      why: explain(this.#record),
    };
    // a run aborted before it started ran nothing, and has nothing to shut down
    if (reason === 'aborted' && this.#startedCount === 0) this.#shutDown = true;
    // deferred: a consumer leaving on a cancelled event leaves the shutdown to `#finish`
    return concat(
      from(cancelled),
      defer(() => this.shutdown() ?? EMPTY),
      of(end),
    );
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
    const jobs = this.#plan.jobs;
    const status = this.status;
    for (let i = 0; i < jobs.length; i++) {
      const code = status[i];
      if (code === Code.Scheduled) status[i] = Code.Idle;
      else if (code === Code.Cancelled) {
        out?.push({ type: 'cancelled', job: jobs[i] as Job, reason, scheduler: this.scheduler });
        const nested = this.#nested?.get(i);
        if (nested !== undefined) nested.collectCancelled('parent', out);
      }
    }
  }
}

/**
 * A run of a scheduler, made when its Observable is subscribed: validates the graph (recursively, at top
 * level) and plans it, so graph errors surface as an error before any job starts. The scheduler subscribes
 * to its `events()` (see `SchedulerCore._runGraph`, which remembers its `record`).
 * @internal
 */
export function startRun(scheduler: JobGroup, options: RunGraphOptions): GraphRun {
  const plan = buildPlan(scheduler, options.inheritedCritical, !options.nested);
  return new GraphRun(scheduler, options, plan);
}
