import { from, isObservable, map, Subscriber, takeUntil, timer } from 'rxjs';
import type { ObservableInput } from 'rxjs';

import { JobTimeoutError } from '../errors/job-timeout-error.js';
import type { Job, JobContext } from '../job.js';
import { isGroup } from '../model.js';
import type { JobGroup, NestedRunHost, SchedulerEndEvent, SchedulerEvent } from '../model.js';
import type { WindowOwner, WindowTask } from '../window.js';
import { Code } from './run-state.js';

/** What a {@link JobRun} needs of the run of its scheduler (a `GraphRun`). @internal */
export interface JobRunHost extends NestedRunHost {
  readonly scheduler: JobGroup;
  /** See `RunGraphOptions.jobEvents`. */
  readonly jobEvents: boolean;
  /** The `critical` setting that members (and nested schedulers) inherit. */
  readonly enclosingCritical: boolean | undefined;
  /** The members' states in this run, by plan index (see `RunState`). */
  readonly status: Uint8Array;
  readonly values: unknown[];
  /** Emits an event of a job, while the run goes on. */
  emit(event: SchedulerEvent): void;
  /** Records how a job ended, emits it, and releases its dependents. */
  conclude(index: number, failed: boolean, raised: unknown, nestedEnd: SchedulerEndEvent | undefined): void;
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
export class JobRun extends Subscriber<unknown> implements WindowTask, JobContext {
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
  readonly #graph: JobRunHost;
  readonly #index: number;
  readonly #job: Job;
  readonly #owner: WindowOwner<SchedulerEvent>;

  constructor(graph: JobRunHost, index: number, job: Job, owner: WindowOwner<SchedulerEvent>) {
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
