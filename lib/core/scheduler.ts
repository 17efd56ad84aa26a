import { defer, filter, map } from 'rxjs';
import type { MonoTypeOperatorFunction, Observable, ObservableInput } from 'rxjs';

import type { JobsError } from '../errors/jobs-error.js';
import { NotAMemberError } from './errors/not-a-member-error.js';
import * as graph from './graph.js';
import type { KeepOnlyBetweenOptions } from './graph.js';
import { flattenRequirements, Job } from './job.js';
import type { ShutdownHook } from './job.js';
import { subjectOf } from './job/job-options.js';
import { budgetBefore } from './job/max-failures.js';
import type { FailureBudget, MaxFailures } from './job/max-failures.js';
import type { JobGroup, RunGraphOptions, SchedulerEndEvent, SchedulerEvent } from './model.js';
import { validateSchedulerOptions } from './plan.js';
import { startRun } from './run/start-run.js';
import { explain } from './run/why.js';
import type { RunState } from './run/run-state.js';
import { MemberList } from './scheduler-members.js';
import {
  cannotHold,
  checkSchedulerArguments,
  SCHEDULER_KEYS,
  isOptionsObject,
  refuseShutdownOption,
} from './scheduler-options.js';
import type { OrchestrateOptions, RunOptions, SchedulerOptions } from './scheduler-options.js';
import { orchestrateGroup, runFromTop } from './scheduler-run.js';
import type { Schedulable } from './sequence.js';
import { shutdownMembers } from './shutdown.js';

export type { OrchestrateOptions, RunOptions, SchedulerOptions };

/**
 * Everything of a {@link Scheduler} but its renderings (listing, graphs, the printed progress of
 * `orchestrate({ verbose: true })`), which live one layer up, in lib/scheduler.ts: the core imports no renderer.
 * Users build the public `Scheduler`, a subclass; nesting, running and the graph methods work on this class.
 */
export class SchedulerCore extends Job<boolean> implements Iterable<Job>, JobGroup {
  /** See {@link SchedulerOptions.jobsWindow}. */
  jobsWindow: number | undefined;
  /** See {@link SchedulerOptions.shutdownTimeout}. */
  shutdownTimeout: number | undefined;
  /** See {@link SchedulerOptions.maxFailures}. */
  maxFailures: MaxFailures | undefined;
  /** See {@link SchedulerOptions.fold}. */
  fold: boolean;
  /** See {@link SchedulerOptions.cleanupTimeout}. */
  cleanupTimeout: number | undefined;
  readonly #members = new MemberList();
  /** What the latest run started records of itself (set when a run of this scheduler is subscribed). */
  #latestRun: RunState | undefined = undefined;

  /** The keys of {@link SchedulerOptions} beyond those of a job (see {@link Job.extraOptions}). */
  protected static override readonly extraOptions: readonly string[] = SCHEDULER_KEYS;

  /**
   * @param jobs an array (or a Set, or a Sequence) of jobs, Sequences and Schedulers; a plain options object
   * alone is taken as `options` (`new Scheduler({ jobsWindow: 4 })`, jobs added later).
   * @throws {ConfigError} for jobs not given as one array (`new Scheduler(a, b)`: write `new Scheduler([a, b])`),
   * a Scheduler given as the jobs (write `[inner]` to nest it), an unknown option or a bad value.
   */
  constructor(jobs?: readonly Schedulable[], options?: SchedulerOptions);
  constructor(options?: SchedulerOptions);
  constructor(jobs: readonly Schedulable[] | SchedulerOptions = [], options: SchedulerOptions = {}) {
    // eslint-disable-next-line prefer-rest-params -- the overloads stay typed; this only reads what was passed
    const args = arguments;
    if (isOptionsObject(jobs) && args[1] === undefined) {
      options = jobs;
      jobs = [];
    }
    checkSchedulerArguments(jobs, options, args);
    super(options);
    refuseShutdownOption(this, options);
    this.jobsWindow = options.jobsWindow;
    this.shutdownTimeout = 'shutdownTimeout' in options ? options.shutdownTimeout : 1000;
    this.maxFailures = options.maxFailures;
    this.fold = options.fold ?? false;
    this.cleanupTimeout = options.cleanupTimeout;
    validateSchedulerOptions(this);
    this.#addAll(jobs as readonly Schedulable[]);
  }

  /** A scheduler's work, when used as a plain job: its run, reduced to its outcome. */
  protected override work(): ObservableInput<boolean> {
    return this.run().pipe(
      filter((e): e is SchedulerEndEvent => e.type === 'end' && (e.scheduler as JobGroup) === this),
      map((e) => e.ok),
    );
  }

  /**
   * Calls every member's shutdown hook once (nested schedulers' members too), as the end of each run does,
   * bounded by `shutdownTimeout`. (A run shuts down its nested schedulers itself, without calling this.)
   */
  override shutdown(): ReturnType<ShutdownHook> {
    return shutdownMembers(this, this._memberList(), () => undefined);
  }

  protected override defaultLabel(): string | undefined {
    return undefined;
  }

  /** The member jobs, in insertion order. */
  get jobs(): ReadonlySet<Job> {
    return this.#members.set();
  }
  /** Number of member jobs (nested schedulers count as one). */
  get size(): number {
    return this.#members.set().size;
  }
  [Symbol.iterator](): Iterator<Job> {
    return this.#members.set()[Symbol.iterator]();
  }
  /** Whether `job` is a member. */
  has(job: Job): boolean {
    return this.#members.set().has(job);
  }

  /**
   * @internal the members in insertion order, each once, without building the Set: the Set once it exists,
   * else the array, without its repeats. Not a copy.
   */
  _memberList(): Iterable<Job> {
    return this.#members.list();
  }

  /**
   * Adds jobs, Sequences (all their jobs) or arrays of them; duplicates are ignored. Returns this scheduler.
   * @category combinators
   */
  add(...jobs: Schedulable[]): this {
    this.#addAll(jobs);
    return this;
  }

  // no spread: `new Scheduler(jobs)` with 500,000 jobs must not hit the arguments limit
  #addAll(jobs: readonly Schedulable[]): void {
    for (const item of jobs)
      if (item instanceof Job) this.#addOne(item);
      else for (const job of flattenRequirements([item], 'all', [subjectOf(this), 'jobs'])) this.#addOne(job);
  }

  #addOne(job: Job): void {
    if (
      job instanceof SchedulerCore &&
      (job === this || [...job.iterateJobs({ scanSchedulers: true })].includes(this))
    )
      throw cannotHold(this, job);
    this.#members.add(job);
  }

  /**
   * Removes member jobs (their requirements are left alone: see {@link Scheduler.sanitize}).
   * @throws {NotAMemberError} when one is not a member.
   * @category combinators
   */
  remove(...jobs: Job[]): this {
    const members = this.#members.set();
    for (const job of jobs) if (!members.has(job)) throw new NotAMemberError(this.label, job, 'remove');
    for (const job of jobs) members.delete(job);
    return this;
  }

  /**
   * Runs the graph: a cold Observable of events, ending with one `end` event carrying the outcome, then
   * complete. Subscribing runs (and re-runs) it; unsubscribing cancels every running job and shuts down.
   * Two subscriptions are two independent runs (the jobs' inspection methods show the latest one started).
   * A graph error (cycle, foreign requirement, bad option) is an error before any job starts.
   * @example
   * scheduler.run().pipe(filter((e) => e.type === 'failed')).subscribe((e) => console.error(e.error.message));
   * @category running
   */
  run(options: RunOptions = {}): Observable<SchedulerEvent> {
    return runFromTop(this, options, true);
  }

  /** @internal */
  _runGraph(options: RunGraphOptions): Observable<SchedulerEvent> {
    const timeout = options.timeout === Infinity ? undefined : options.timeout;
    const runOptions: RunGraphOptions = { ...options, timeout };
    return defer(() => {
      const run = startRun(this, runOptions);
      this.#latestRun = run.record;
      return run.events();
    });
  }

  /**
   * Runs the graph; resolves `true` iff every non-forever job completed, no critical job failed, the
   * timeout did not fire and the signal was not aborted; resolves after the shutdown phase. Rejects on a
   * graph error. Prints nothing, unless `verbose`.
   * @example
   * if (!(await scheduler.orchestrate({ timeout: 30_000, verbose: true }))) console.log(scheduler.debrief());
   * @category running
   */
  orchestrate(options: OrchestrateOptions = {}): Promise<boolean> {
    // a `run` of a subclass's own is honoured; else only the end event need be made
    const ownRun = this.run === SchedulerCore.prototype.run ? undefined : this.run.bind(this);
    return orchestrateGroup(this, options, ownRun, () => this._verboseRenderer());
  }

  /**
   * @internal the renderer of `orchestrate({ verbose: true })`: none here; the public `Scheduler` prints the
   * progress.
   */
  _verboseRenderer(): MonoTypeOperatorFunction<SchedulerEvent> | undefined {
    return undefined;
  }

  /** Why the latest run ended as it did: `fine...`, `timed out after N ms`, `critical job "x" failed: ...`. */
  why(): string {
    return explain(this.#latestRun);
  }
  /** The latest run hit its timeout. */
  failedTimeout(): boolean {
    return this.#latestRun?.reason === 'timeout';
  }
  /** The latest run was aborted by a critical failure (or by a failure beyond `maxFailures`). */
  failedCritical(): boolean {
    return this.#latestRun?.reason === 'critical';
  }
  /**
   * With `maxFailures`: how the members' failures counted against it in the latest run (before any run: the
   * budget for the current members, nothing counted); `undefined` without `maxFailures`. Plain data.
   */
  failureBudget(): FailureBudget | undefined {
    return this.#latestRun?.budget?.data() ?? budgetBefore(this.maxFailures, this.size);
  }
  /**
   * @internal whether a member's failure does not count against `maxFailures` (it is then tolerated apart,
   * `ignored: true` on its event). False here; subclasses override it (a group of hosts: an unreachable one).
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the parameter of the overrides
  _uncounted(_error: JobsError): boolean {
    return false;
  }
  /**
   * @internal what a folded listing of this scheduler groups `member` under: its label here; subclasses
   * override it (a group of hosts: the member's host).
   */
  _foldKey(member: Job): string {
    return member.label;
  }

  /** True iff the requirements have no cycle, at any depth (alias: {@link Scheduler.rainCheck}). */
  checkCycles(): boolean {
    return graph.checkCycles(this);
  }
  /** Alias of {@link Scheduler.checkCycles} (asynciojobs' former name). */
  rainCheck(): boolean {
    return graph.checkCycles(this);
  }
  /** Drops requirements on jobs that are not members, at every depth; true iff there were none. */
  sanitize(): boolean {
    return graph.sanitize(this);
  }
  /** Members with no requirement. */
  entryJobs(): Job[] {
    return graph.entryJobs(this);
  }
  /** Members that no member requires (forever ones left out unless `discardForever: false`). */
  exitJobs(options: { readonly discardForever?: boolean } = {}): Job[] {
    return graph.exitJobs(this, options.discardForever ?? true);
  }
  /** Members required by any of `jobs`. */
  predecessors(...jobs: Job[]): Set<Job> {
    return graph.predecessors(this, jobs);
  }
  /** Members requiring any of `jobs`. */
  successors(...jobs: Job[]): Set<Job> {
    return graph.successors(this, jobs);
  }
  /** Members that `jobs` depend on, transitively. */
  predecessorsUpstream(...jobs: Job[]): Set<Job> {
    return graph.predecessorsUpstream(this, jobs);
  }
  /** Members that depend on `jobs`, transitively. */
  successorsDownstream(...jobs: Job[]): Set<Job> {
    return graph.successorsDownstream(this, jobs);
  }
  /**
   * Members, each after its requirements: level by level (a job comes as soon as its requirements have
   * all come), in insertion order within a level. @throws {CycleError}
   */
  topologicalOrder(): Job[] {
    return graph.topologicalOrder(this);
  }
  /** Removes `job`; members that required it require its requirements instead. */
  bypassAndRemove(job: Job): this {
    graph.bypassAndRemove(this, job);
    return this;
  }
  /** Keeps only these members, then sanitizes. */
  keepOnly(jobs: Iterable<Job>): this {
    graph.keepOnly(this, jobs);
    return this;
  }
  /** Keeps the members downstream of `starts` and upstream of `ends`, then sanitizes. */
  keepOnlyBetween(options: KeepOnlyBetweenOptions): this {
    graph.keepOnlyBetween(this, options);
    return this;
  }
  /** Leaf jobs at every depth; with `scanSchedulers`, this and nested schedulers too. */
  iterateJobs(options: { readonly scanSchedulers?: boolean } = {}): IterableIterator<Job> {
    return graph.iterateJobs(this, options.scanSchedulers ?? false);
  }
}

/** Whether a job is a scheduler (by its prototype flag, see `Job._isScheduler`). @internal */
export const isScheduler = (job: Job): job is SchedulerCore => job._isScheduler;

// on the prototype, so that it is there during `super()`
Object.defineProperty(SchedulerCore.prototype, '_isScheduler', { value: true });
