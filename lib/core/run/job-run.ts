import { asyncScheduler, from, isObservable, map, takeUntil, timer } from 'rxjs';
import type { ObservableInput, Observer, Subscription } from 'rxjs';

import { toJobsError } from '../errors/job-failed-error.js';
import { JobTimeoutError } from '../errors/job-timeout-error.js';
import { retryCount, retryDelay } from '../job/retry.js';
import type { Job, JobContext } from '../job.js';
import { isGroup } from '../model.js';
import type { EventScheduler, NestedRunHost, SchedulerEndEvent, SchedulerEvent } from '../model.js';
import type { WindowOwner, WindowTask } from '../window.js';
import { Code } from './codes.js';
import type { RunState } from './run-state.js';

/** What a {@link JobRun} needs of the run of its scheduler (a `GraphRun`). @internal */
export interface JobRunHost extends NestedRunHost {
  readonly scheduler: EventScheduler;
  /** See `RunGraphOptions.jobEvents`. */
  readonly jobEvents: boolean;
  /** The `critical` setting that members (and nested schedulers) inherit. */
  readonly enclosingCritical: boolean | undefined;
  /** The members' states in this run, by plan index (see `RunState`). */
  readonly status: Uint8Array;
  readonly values: unknown[];
  /** The run's state (see `RunState`), which says which members were restored. */
  readonly record: RunState;
  /** Jobs done in a previous run (see `RunOptions.restore`). */
  readonly restore: ReadonlyMap<Job, unknown> | undefined;
  /** Whether a failed job may be tried again: not once the run has stopped, but in its cleanup phase. */
  readonly mayRetry: boolean;
  /** Emits an event of a job, while the run goes on. */
  emit(event: SchedulerEvent): void;
  /** Records how a job ended, emits it, and releases its dependents. */
  conclude(
    index: number,
    failed: boolean,
    raised: unknown,
    nestedEnd: SchedulerEndEvent | undefined,
    attempts: number,
    restored?: boolean,
  ): void;
}

const isPromiseLike = (x: unknown): x is PromiseLike<unknown> =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as { then?: unknown }).then === 'function' &&
  !isObservable(x);

/**
 * The phases of a {@link JobRun}: running; ended (done or failed: its outcome is concluded once the work's
 * teardown has run); concluded; cancelled (unsubscribed while running).
 * @internal
 */
export const Phase = { Running: 0, Ended: 1, Concluded: 2, Cancelled: 3 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/**
 * One job's run, as a single object: a task of the jobs window, the observer of the job's work, and the
 * `JobContext` the work receives (one allocation per job instead of an Observable, three Subscribers and
 * a dozen closures: it matters at 100,000 jobs). Events go straight to the run's subscriber. When the work
 * ends, the outcome is concluded after the work's own teardown (so dependents start once it is really
 * over), then the slot is released: this object is added to the work's subscription as its last teardown
 * (rxjs runs a subscription's teardowns in the order they were added, the work's own first), and its
 * `unsubscribe()` then concludes. `unsubscribe()` is also how the window cancels it when the run stops.
 */
export class JobRun implements Observer<unknown>, WindowTask, JobContext {
  #controller: AbortController | undefined = undefined;
  /** Whether the job is critical in this run (set by `start`): the `JobContext` the work receives. */
  critical = false;
  #phase: Phase = Phase.Running;
  #failed = false;
  #raised: unknown = undefined;
  /** The subscription to the work, once `subscribe` has returned (while it runs). */
  #subscription: Subscription | undefined = undefined;
  #nestedEnd: SchedulerEndEvent | undefined = undefined;
  /** The attempt running (or waiting to, with `retries`): 1 for the first. */
  #attempt = 1;
  readonly #graph: JobRunHost;
  readonly #index: number;
  readonly #job: Job;
  readonly #owner: WindowOwner<SchedulerEvent>;

  constructor(graph: JobRunHost, index: number, job: Job, owner: WindowOwner<SchedulerEvent>) {
    this.#graph = graph;
    this.#index = index;
    this.#job = job;
    this.#owner = owner;
  }

  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal;
  }

  /** True once the work has ended or was cancelled (see `WindowTask`). */
  get closed(): boolean {
    return this.#phase !== Phase.Running;
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
          restore: this.#graph.restore,
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
              if (this.#phase !== Phase.Running) return;
              this.#deliver(value);
              this.#phase = Phase.Ended;
              this.#conclude();
            },
            (e: unknown) => {
              if (this.#phase !== Phase.Running) return;
              this.#phase = Phase.Ended;
              this.#failed = true;
              this.#raised = e;
              this.#conclude();
            },
          );
          return;
        }
      }
      const subscription = from(result as ObservableInput<unknown>).subscribe(this);
      // a guard: the window tracks a task only once start() has returned, so nothing cancels it while it
      // subscribes today; if something did, the work would stop here
      if (this.#phase === Phase.Cancelled) subscription.unsubscribe();
      // over during subscribe (synchronous work), its teardown done: what `add(this)` would do at once,
      // without a list of teardowns made for one entry
      else if (subscription.closed) this.unsubscribe();
      else {
        this.#subscription = subscription;
        // the last teardown: concludes once the work's own teardown has run (at once if it is already over)
        subscription.add(this);
      }
    } catch (e: unknown) {
      // the work could not even be called, or returned something that is not ObservableInput
      this.#phase = Phase.Ended;
      this.#failed = true;
      this.#raised = e;
      this.#conclude();
    }
  }

  /** A job done in a previous run: not run, done at once with that run's value (see `RunOptions.restore`). */
  restored(value: unknown): void {
    this.#phase = Phase.Concluded;
    this.#graph.record.restore(this.#index, value);
    this.#graph.conclude(this.#index, false, undefined, undefined, 1, true);
    this.#owner.release(this);
  }

  next(value: unknown): void {
    if (this.#phase === Phase.Running) this.#deliver(value);
  }
  error(e: unknown): void {
    if (this.#phase !== Phase.Running) return;
    this.#phase = Phase.Ended;
    this.#failed = true;
    this.#raised = e;
  }
  complete(): void {
    if (this.#phase === Phase.Running) this.#phase = Phase.Ended;
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
    if (this.#failed && this.#retry()) return;
    this.#phase = Phase.Concluded;
    this.#graph.conclude(this.#index, this.#failed, this.#raised, this.#nestedEnd, this.#attempt);
    this.#owner.release(this);
  }

  /**
   * After a failed attempt, when `retries` leaves one and the run goes on: waits the retry delay (keeping the
   * window slot: this task stays running), then starts the next attempt with its own `started` event.
   * Cancelling during the wait unsubscribes the timer (see `unsubscribe`). Returns false to conclude instead.
   */
  #retry(): boolean {
    const job = this.#job;
    const retries = job.retries;
    if (retries === undefined || isGroup(job) || this.#attempt > retryCount(retries) || !this.#graph.mayRetry)
      return false;
    const previousError = toJobsError(this.#raised, job);
    const retryIf = typeof retries === 'object' ? retries.retryIf : undefined;
    if (retryIf !== undefined)
      try {
        if (!retryIf(previousError, this.#attempt)) return false;
      } catch (e: unknown) {
        this.#raised = e;
        return false;
      }
    const delay = retryDelay(retries, this.#attempt);
    const attempt = ++this.#attempt;
    this.#phase = Phase.Running;
    this.#failed = false;
    this.#raised = undefined;
    // the previous attempt's signal may be aborted (a timeout): the next one gets its own
    this.#controller = undefined;
    // rxjs' async scheduler, as `timer` uses: virtual time under a TestScheduler
    this.#subscription = asyncScheduler.schedule(() => {
      this.#subscription = undefined;
      const graph = this.#graph;
      if (graph.jobEvents)
        graph.emit({ type: 'started', job, scheduler: graph.scheduler, attempt, previousError });
      // the consumer may have left on seeing `started`, cancelling this task
      if (this.#phase === Phase.Running) this.start(this.critical);
    }, delay);
    return true;
  }

  /**
   * Reached in two ways: as the last teardown of the work's subscription, once the work ended (then the
   * run concludes), or from the window when the run stops (cancel: the work is unsubscribed).
   */
  unsubscribe(): void {
    if (this.#phase === Phase.Ended) {
      this.#subscription = undefined;
      this.#conclude();
    } else if (this.#phase === Phase.Running) {
      this.#phase = Phase.Cancelled;
      const subscription = this.#subscription;
      this.#subscription = undefined;
      subscription?.unsubscribe();
      const status = this.#graph.status;
      if (status[this.#index] === Code.Running) {
        status[this.#index] = Code.Cancelled;
        this.#controller?.abort();
      }
    }
  }
}
