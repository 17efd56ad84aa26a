import type { ObservableInput } from 'rxjs';

/**
 * What a shutdown hook receives: `signal` is aborted when the shutdown phase's `shutdownTimeout` expires.
 * @category models
 */
export interface ShutdownContext {
  readonly signal: AbortSignal;
}

/**
 * What a job's work receives: `signal` is aborted when the work is cancelled (handy for Promise-based code,
 * such as `fetch` or `child_process` with `{ signal }`); `critical` is whether the job is critical in this
 * run (its own setting, else its scheduler's, else its class's default).
 * @category models
 */
export interface JobContext extends ShutdownContext {
  readonly critical: boolean;
}

/**
 * A shutdown hook: returns nothing, or a Promise or Observable to wait for. Bounded by the scheduler's
 * `shutdownTimeout`: then an Observable is unsubscribed, and `context.signal` is aborted (a Promise-based
 * hook should listen to it, so that nothing it does lands after the run is over).
 * @category models
 */
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a hook that returns nothing is the common case
export type ShutdownHook = (context: ShutdownContext) => ObservableInput<unknown> | void;

/**
 * A job's work: called once per run; its Observable (or Promise, or async iterable) is the job.
 * @category models
 */
export type Work<T> = (context: JobContext) => ObservableInput<T>;
