import type { Observable, ObservableInput } from 'rxjs';

import type { JobsError } from '../errors/jobs-error.js';
import { Code, outcomeAt, STATUS_NAMES } from './run/codes.js';
import type { JobStates } from './run/codes.js';
import type { JobContext, ShutdownContext, ShutdownHook, Work } from './job/context.js';
import {
  checkJobOptions,
  DEFAULT_OPTIONS,
  isOptionsArgument,
  missingWork,
  optionsOf,
  serialOf,
  validateJob,
  workOf,
} from './job/job-options.js';
import type { MutableOptions } from './job/job-options.js';
import {
  addRequirement,
  areFewDistinctJobs,
  flattenJobs,
  isChainLike,
  removeRequirements,
} from './job/requirements.js';
import type { Retries } from './job/retry.js';
import { JobStatus, RunIf } from './job/status.js';

export { JobStatus, RunIf };
export type { JobContext, ShutdownContext, ShutdownHook, Work };

/** Whether `x` carries the Sequence brand. @internal */
export const isChain: (x: unknown) => x is JobChain = isChainLike as (x: unknown) => x is JobChain;

// Node's util.inspect.custom, without importing node:util (core does no I/O)
const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** Anything with an ordered list of jobs, such as a {@link Sequence}. @category models */
export interface JobChain {
  readonly jobs: readonly Job[];
}

/**
 * What `requires` accepts: a job, a Sequence (meaning its last job), `null`/`undefined` (ignored), or any
 * nesting of arrays and sets of those.
 * @category models
 */
export type Requirement =
  Job | JobChain | null | undefined | readonly Requirement[] | ReadonlySet<Requirement>;

/**
 * Options of a job; every one is also a mutable field of the same name.
 * @category models
 */
export interface JobOptions {
  /** Shown by `list()`, graphs and error messages. */
  readonly label?: string | undefined;
  /**
   * A failure aborts the whole scheduler. Unset: the setting of the nearest enclosing scheduler that has one,
   * else the job's class default: false for a `Job`, true for an `SshJob` (as in apssh). Not read for the
   * members of a scheduler with `maxFailures`: its budget decides.
   */
  readonly critical?: boolean | undefined;
  /** Never waited for: cancelled once every other job of its scheduler is done. */
  readonly forever?: boolean | undefined;
  /** Jobs that must complete before this one starts. */
  readonly requires?: Requirement;
  /**
   * Milliseconds this job may run (each attempt, with `retries`); then it is cancelled and fails with
   * `JobTimeoutError`.
   */
  readonly timeout?: number | undefined;
  /**
   * How many times to try the work again when it fails (a timeout included), and how long to wait between
   * attempts: a count (delays of 1 s, 2 s, 4 s... up to 60 s), or `RetryOptions`. The job keeps its
   * `jobsWindow` slot while it waits; a cancelled job is never retried, and a critical job aborts its
   * scheduler only once its last attempt has failed. Each new attempt emits `started` again, with `attempt`
   * and `previousError`. Not for schedulers (a nested scheduler is not retried).
   */
  readonly retries?: Retries | undefined;
  /** See {@link RunIf}. */
  readonly runIf?: RunIf | undefined;
  /**
   * Called once after every run of the enclosing scheduler, however the run ended, with a `signal` aborted
   * when the scheduler's `shutdownTimeout` expires.
   */
  readonly shutdown?: ShutdownHook | undefined;
  /** A scheduler to add this job to. */
  readonly scheduler?: { add(job: Job): unknown } | undefined;
}

/**
 * How a job's latest run ended (`job.outcome()`); `undefined` while it has not ended.
 * @category models
 */
export type JobOutcome<T = unknown> =
  | {
      readonly status: 'done';
      readonly value: T | undefined;
      /** Present (and true) when the job was not run: a previous run's value (`RunOptions.restore`). */
      readonly restored?: true;
    }
  | { readonly status: 'failed'; readonly error: JobsError }
  | { readonly status: 'cancelled' }
  | { readonly status: 'skipped'; readonly because: readonly Job[] };

/**
 * A unit of work with requirements: a cold Observable factory plus a policy (critical, forever, timeout,
 * runIf). Nothing runs until a scheduler that holds it runs; each run calls `work` again.
 *
 * Subclasses override the protected {@link Job.work} method (asynciojobs' `co_run`), and may override
 * {@link Job.shutdown}.
 * @example
 * const fetch = new Job(() => from(download(url)), { label: 'fetch' });
 * const parse = new Job(() => parseFile(path), { label: 'parse', requires: fetch, critical: true });
 * @category constructors
 */
export class Job<T = unknown, R = T> {
  // The options most jobs leave unset live in one object, made on the first one set: 100,000 jobs are
  // fields times 100,000, copied by every garbage collection while they are young.
  #options: MutableOptions | undefined;
  /** See {@link JobOptions.forever}. */
  forever: boolean;

  // Requirements, in insertion order, without duplicates. An array (allocated on the first requirement):
  // a Set per job costs more than the rest of a job together at 100,000 jobs. A Set indexes it once it
  // grows past LIST_LIMIT, or once the `requirements` view is asked for, and is kept up to date after.
  #requirementList: Job[] | undefined;
  #requirementSet: Set<Job> | undefined;
  readonly #work: Work<T> | undefined;

  // The latest run started that includes this job (`undefined`: never run), and the job's index in it: the
  // inspection methods (`status`, `result()`, ...) read through them. Each run writes only its own state, so
  // an older run still going never changes what they show. Private: neither JSON nor console.log of a job
  // shows the whole run's state.
  #run: JobStates | undefined = undefined;
  #runIndex = 0;
  /**
   * @internal this job's position in the array that last listed it (a plan's members, a scheduler's), or -1
   * if none did: then `array[job._indexHint] === job` tells in O(1) whether the job is in that array. A hint,
   * not run state: whoever lists the job writes it, and every reader checks it against its own array (a
   * Map per plan would cost 100,000 map writes per run).
   */
  _indexHint = -1;
  /**
   * @internal whether this job is a scheduler: false here, true on the prototype of the schedulers (a flag
   * rather than `instanceof`, so that the modules that tell them apart need not import the scheduler).
   */
  declare readonly _isScheduler: boolean;

  constructor(work: Work<T> | Observable<T>, options?: JobOptions);
  constructor(options?: JobOptions);
  constructor(work?: Work<T> | Observable<T> | JobOptions, options?: JobOptions) {
    if (isOptionsArgument(work)) {
      options = work;
      work = undefined;
    }
    if (options !== undefined) checkJobOptions(this, options);
    this.forever = options?.forever ?? false;
    this.#options = optionsOf(options);
    this.#work = workOf(this, work);
    if (!this._hasWork()) throw missingWork(this);
    if (options !== undefined) {
      validateJob(this);
      if (options.requires !== undefined) this.requires(options.requires);
      options.scheduler?.add(this);
    }
  }

  /**
   * The job's work for one run. By default calls the `work` given to the constructor; subclasses override it.
   * @category running
   */
  protected work(context: JobContext): ObservableInput<T> {
    if (this.#work === undefined) throw missingWork(this);
    return this.#work(context);
  }

  /**
   * @internal whether this job has a `work` function, no option set and a boolean `forever`: then its
   * options need no check.
   */
  _isPlain(): boolean {
    return this.#options === undefined && this.#work !== undefined && typeof this.forever === 'boolean';
  }

  /** @internal whether this job has work: a `work` function, or a subclass's own `work()`. */
  _hasWork(): boolean {
    return this.#work !== undefined || this.work !== Job.prototype.work;
  }

  /**
   * Option keys that a subclass accepts on top of {@link JobOptions}, when it passes its whole options object
   * to `super()`: an unknown key is otherwise a `ConfigError` (a typo, or a Python spelling such as
   * `required`). Each class declares only its own keys; those of the classes between it and `Job` count too.
   * A subclass that takes its own keys out before calling `super()` needs none.
   * @example
   * class Logged extends Job {
   *   protected static override readonly extraOptions = ['logTo'];
   *   readonly logTo: string;
   *   constructor(work: Work<unknown>, options: JobOptions & { readonly logTo?: string } = {}) {
   *     super(work, options);
   *     this.logTo = options.logTo ?? 'run.log';
   *   }
   * }
   */
  protected static readonly extraOptions: readonly string[] = [];

  /** @internal this job's state is now that of `state`, at `index` (a run starting, see `buildPlan`). */
  _enterRun(state: JobStates, index: number): void {
    this.#run = state;
    this.#runIndex = index;
  }

  /**
   * @internal a reason to skip this job in a run, asked once its requirements have settled and its `runIf`
   * lets it run: a non-empty list of jobs skips it (the `because` of its skipped event); `undefined` (the
   * default) or an empty list runs it. Read only for the members of a plan where some class overrides it.
   */
  _skipIf(): readonly Job[] | undefined {
    return undefined;
  }

  /** @internal lets the scheduler call the protected `work`. */
  _work(context: JobContext): ObservableInput<T> {
    return this.work(context);
  }

  /**
   * Called once after each run of the enclosing scheduler, however it ended (bounded by its
   * `shutdownTimeout`, when `context.signal` is aborted). By default calls the `shutdown` option. `SshJob`
   * releases its hold on its node here.
   * @category running
   */
  shutdown(context: ShutdownContext): ReturnType<ShutdownHook> {
    return this.#options?.shutdown?.(context);
  }

  /**
   * Adds requirements: jobs that must complete before this one starts. Duplicates are ignored; a Sequence
   * means its last job. Returns this job, for chaining.
   * @category combinators
   */
  requires(...requirements: Requirement[]): this {
    for (const r of requirements) {
      if (r instanceof Job) this.#addRequirement(r);
      // a short array of distinct jobs for a job without requirements yet: one copy, at its exact size
      else if (Array.isArray(r) && this.#requirementList === undefined && areFewDistinctJobs(r, Job))
        this.#requirementList = r.slice();
      else if (Array.isArray(r) && r.every(isJob)) for (const j of r) this.#addRequirement(j);
      // Sequences, Sets, nested arrays, nullish values
      else for (const j of flattenRequirements([r], 'last')) this.#addRequirement(j);
    }
    return this;
  }

  #addRequirement(job: Job): void {
    const list = this.#requirementList;
    // exact size: `[]` then push would reserve 17 slots
    if (list === undefined) this.#requirementList = [job];
    else this.#requirementSet = addRequirement(list, this.#requirementSet, job);
  }

  /**
   * Removes requirements (absent ones are ignored); a Sequence means its last job.
   * @category combinators
   */
  removeRequirements(...requirements: Requirement[]): this {
    const gone = new Set(flattenRequirements(requirements, 'last'));
    const list = this.#requirementList;
    if (list !== undefined && gone.size !== 0)
      this.#requirementList = removeRequirements(list, this.#requirementSet, gone);
    return this;
  }

  /** The jobs this one requires, in the order they were added. */
  get requirements(): ReadonlySet<Job> {
    if (this.#requirementList === undefined) return NO_REQUIREMENTS;
    return (this.#requirementSet ??= new Set(this.#requirementList));
  }

  /** @internal the requirements as an array, without building the Set view (hot paths). */
  _requirementList(): readonly Job[] {
    return this.#requirementList ?? NO_REQUIREMENT_LIST;
  }

  /** The label: the explicit one, else {@link Job.defaultLabel}, else `job#N` (N: creation order). */
  get label(): string {
    return this.#options?.label ?? this.defaultLabel() ?? `job#${String(serialOf(this))}`;
  }
  set label(label: string | undefined) {
    this.#mutableOptions().label = label;
  }

  #mutableOptions(): MutableOptions {
    return (this.#options ??= { ...DEFAULT_OPTIONS });
  }

  /** See {@link JobOptions.critical}: this job's own setting. */
  get critical(): boolean | undefined {
    return this.#options?.critical;
  }
  /**
   * @internal whether the job is critical when neither it nor an enclosing scheduler says: false here, true
   * for an `SshJob`.
   */
  get _criticalByDefault(): boolean {
    return false;
  }
  set critical(critical: boolean | undefined) {
    this.#mutableOptions().critical = critical;
  }
  /** See {@link JobOptions.timeout}. */
  get timeout(): number | undefined {
    return this.#options?.timeout;
  }
  set timeout(timeout: number | undefined) {
    this.#mutableOptions().timeout = timeout;
  }
  /** See {@link JobOptions.retries}. */
  get retries(): Retries | undefined {
    return this.#options?.retries;
  }
  set retries(retries: Retries | undefined) {
    this.#mutableOptions().retries = retries;
  }
  /** See {@link RunIf}. */
  get runIf(): RunIf {
    return this.#options?.runIf ?? RunIf.AllDone;
  }
  set runIf(runIf: RunIf) {
    this.#mutableOptions().runIf = runIf;
  }

  /** Label used when none was given (asynciojobs' `text_label()`); override in subclasses. */
  protected defaultLabel(): string | undefined {
    const name = this.#work?.name;
    return name === undefined || name === '' || name === 'work' ? undefined : name;
  }

  /** Extra text printed by `list({ details: true })` under this job's line; override in subclasses. */
  details(): string | undefined {
    return undefined;
  }

  /** Label used in graphs (may hold newlines); defaults to the label. */
  graphLabel(): string {
    return this.label;
  }

  /** This job's state in the latest run started that includes it. */
  #code(): number {
    const run = this.#run;
    return run === undefined ? Code.Idle : (run.status[this.#runIndex] as number);
  }

  /** The status of the latest run. @category running */
  get status(): JobStatus {
    return STATUS_NAMES[this.#code()] as JobStatus;
  }

  /** `{ label, status }`: what `JSON.stringify` shows of a job (never its node, work or values). */
  toJSON(): { readonly label: string; readonly status: JobStatus } {
    return { label: this.label, status: this.status };
  }

  /** What `console.log` and `util.inspect` show: `SshJob { label: 'x', status: 'done' }`. @internal */
  [INSPECT](_depth: number, options: object, inspect: (value: unknown, options?: object) => string): string {
    return `${this.constructor.name} ${inspect(this.toJSON(), options)}`;
  }
  /** Not started in the latest run (or never run). @category running */
  isIdle(): boolean {
    return this.#code() === Code.Idle;
  }
  /** Requirements met, waiting for a window slot. @category running */
  isScheduled(): boolean {
    return this.#code() === Code.Scheduled;
  }
  /** Running now. @category running */
  isRunning(): boolean {
    return this.#code() === Code.Running;
  }
  /** Completed: done, failed (a raised job is done, as in asynciojobs) or skipped. @category running */
  isDone(): boolean {
    const s = this.#code();
    return s === Code.Done || s === Code.Failed || s === Code.Skipped;
  }
  /** Unsubscribed while running (timeout, critical abort, end of a forever job). @category running */
  isCancelled(): boolean {
    return this.#code() === Code.Cancelled;
  }
  /** Not run because of `runIf: 'all-success'`. @category running */
  isSkipped(): boolean {
    return this.#code() === Code.Skipped;
  }
  /**
   * Failed in the latest run, and its scheduler's `maxFailures` tolerated (or did not count) that failure: the
   * run went on. @category running
   */
  isTolerated(): boolean {
    return this.#code() === Code.Failed && this.#run?.budget?.forgiven.has(this.#runIndex) === true;
  }
  /** What the latest run left (see `RunState.values`). */
  #left(): unknown {
    return this.#run?.values[this.#runIndex];
  }
  /** What the work raised in the latest run (as raised, not wrapped), or `undefined`. @category running */
  raisedException(): unknown {
    return this.#code() === Code.Failed ? this.#left() : undefined;
  }
  /**
   * The last value emitted in the latest run, once the job is done (through {@link Job.resultOf}); `undefined`
   * when it is not done (idle, running, cancelled, failed, skipped) or emitted nothing. @category running
   */
  result(): R | undefined {
    return this.#code() === Code.Done ? this.resultOf(this.#left() as T | undefined) : undefined;
  }

  /**
   * Turns the last value of a run into `result()`: the value itself by default. Subclasses whose values are
   * a stream of events override it (`SshJob`: the last exit code). Called on each `result()`, not per value.
   */
  protected resultOf(last: T | undefined): R | undefined {
    return last as R | undefined;
  }
  /** How the latest run ended, or `undefined` while it has not. @category running */
  outcome(): JobOutcome<T> | undefined {
    return outcomeAt(this.#run, this.#runIndex) as JobOutcome<T> | undefined;
  }

  /** `<Job "label">`. */
  toString(): string {
    return `<${this.constructor.name} "${this.label}">`;
  }
}

const NO_REQUIREMENTS: ReadonlySet<Job> = new Set();
const NO_REQUIREMENT_LIST: readonly Job[] = [];
const isJob = (x: unknown): x is Job => x instanceof Job;

/**
 * Flattens requirement-like arguments into jobs; a chain contributes its `last` or `first` job, or
 * (`'all'`) every job. Arrays, sets and other iterables nest to any depth.
 * @internal
 */
export const flattenRequirements = (
  items: Iterable<unknown>,
  chainEnd: 'first' | 'last' | 'all',
  where: readonly [subject: string, field: string] = ['requires', 'argument'],
): Job[] => flattenJobs(Job, items, chainEnd, where);

Object.defineProperty(Job.prototype, '_isScheduler', { value: false });
