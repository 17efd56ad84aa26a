import { defer } from 'rxjs';
import type { MonoTypeOperatorFunction, Observable } from 'rxjs';

import { checkOption, checkOptionKeys, optionKeys } from './errors/option-keys.js';
import { subjectOf } from './core/job/job-options.js';
import { SchedulerCore } from './core/scheduler.js';
import type { SchedulerEvent } from './core/events.js';
import { orchestrateGroup } from './core/scheduler-run.js';
import type { OrchestrateOptions, RunOptions } from './core/scheduler-options.js';
import type { Job } from './core/job.js';
import { checkRecordOption, recordRun } from './record/record-run.js';
import type { ResumePlan } from './record/resume.js';
import { debriefScheduler, listScheduler } from './render/print-list.js';
import type { ListOptions } from './render/print-list.js';
import { toDot } from './render/text/dot.js';
import type { GraphOptions } from './render/text/dot.js';
import { exportAsDotfile, exportAsGraphic } from './render/files/export.js';
import type { GraphicFormat } from './render/files/export.js';
import { toMermaid } from './render/text/mermaid.js';
import { writeProgress } from './render/write-progress.js';

/** The keys of `ListOptions`, for `list()` and `debrief()`. */
const LIST_KEYS = optionKeys(['details', 'ascii', 'print', 'unfold']);
/** The keys of `GraphOptions`, for `toDot()`, `toMermaid()` and the exports. */
const GRAPH_KEYS = optionKeys(['unfold']);

const checkListOptions = (scheduler: Scheduler, options: unknown): void => {
  const subject = (): string => subjectOf(scheduler);
  checkOptionKeys(subject, 'list() and debrief()', options, LIST_KEYS, 'list options', '{ details: true }');
  for (const key of ['details', 'ascii', 'print', 'unfold'])
    checkOption(subject, options as object, key, 'true or false', (v) => typeof v === 'boolean');
};

const checkGraphOptions = (scheduler: Scheduler, options: unknown): GraphOptions => {
  const subject = (): string => subjectOf(scheduler);
  checkOptionKeys(
    subject,
    'toDot(), toMermaid() and exportAs...()',
    options,
    GRAPH_KEYS,
    'graph options',
    '{ unfold: true }',
  );
  checkOption(subject, options as object, 'unfold', 'true or false', (v) => typeof v === 'boolean');
  return options as GraphOptions;
};

/**
 * The option of {@link Scheduler.run} and {@link Scheduler.orchestrate} that records the run.
 * @category models
 */
export interface RecordOption {
  /**
   * Record the run in this directory (made if missing; the files of an earlier run there are replaced):
   * `run.json`, `plan.json`, `events.jsonl` and each job's output under `outputs/`, as {@link recordRun}
   * writes them; read it back with `readRun(dir)`. A directory that cannot be written is a warning on stderr,
   * never a failure of the run (a full disk cuts the outputs: see `RunJson.recordIncomplete`). With `restore`
   * given as a `resumePlan()`, run.json says which run it resumed (`resumedFrom`). Default: nothing recorded.
   */
  readonly record?: string | undefined;
}

/**
 * `restore` as {@link Scheduler.run} and {@link Scheduler.orchestrate} take it: the jobs to restore, or the
 * `resumePlan()` they come from, whose run directory a recorded run then names as `resumedFrom`.
 * @category models
 */
export interface RestoreOption {
  /**
   * A resumed run: `resumePlan(scheduler, record)` (its jobs restored, and its `from` recorded as the run's
   * `resumedFrom` with `record`), or its `restore` map alone (see `RunOptions.restore`).
   */
  readonly restore?: ReadonlyMap<Job, unknown> | ResumePlan | undefined;
}

/** Whether `x` is a ResumePlan (rather than its `restore` map, or anything else that `run()` refuses). */
const isResumePlan = (x: unknown): x is ResumePlan =>
  typeof x === 'object' &&
  x !== null &&
  !(x instanceof Map) &&
  (x as { restore?: unknown }).restore instanceof Map &&
  typeof (x as { from?: unknown }).from === 'string';

/**
 * Splits `record` off run options, checked (a ConfigError naming the field otherwise), and a ResumePlan given
 * as `restore` into its map and its run directory.
 */
const recordOf = <T extends RecordOption & RestoreOption>(
  scheduler: Scheduler,
  method: string,
  options: T,
): [
  { dir: string; resumedFrom?: string | undefined } | undefined,
  Omit<T, 'record' | 'restore'> & RunOptions,
] => {
  if (typeof options !== 'object' || (options as unknown) === null)
    return [undefined, options as unknown as Omit<T, 'record' | 'restore'> & RunOptions]; // refused by run()
  const { record, restore, ...rest } = options;
  const plan = isResumePlan(restore) ? restore : undefined;
  const run = { ...rest, ...(restore === undefined ? {} : { restore: plan?.restore ?? restore }) } as Omit<
    T,
    'record' | 'restore'
  > &
    RunOptions;
  if (!('record' in options)) return [undefined, run];
  checkRecordOption(`${subjectOf(scheduler)}: ${method}`, record);
  return [record === undefined ? undefined : { dir: record, resumedFrom: plan?.from }, run];
};

/**
 * A set of jobs with requirements between them, run by {@link Scheduler.run} (a cold Observable of events)
 * or {@link Scheduler.orchestrate} (a Promise of the outcome). A Scheduler is itself a Job, so schedulers
 * nest: a nested one takes one slot of its parent's window and has its own window, timeout and critical.
 * @example
 * const prepare = new Job(() => setUp(), { label: 'prepare', critical: true });
 * const runs = [1, 2, 3].map((i) => new Job(() => measure(i), { label: `run${i}`, requires: prepare }));
 * const collect = new Job(() => gather(), { label: 'collect', requires: runs });
 * const ok = await new Scheduler([prepare, ...runs, collect], { timeout: 60_000 }).orchestrate();
 * @category constructors
 */
export class Scheduler extends SchedulerCore {
  /**
   * Runs the graph (see `SchedulerCore.run`); with `record`, the run is also recorded in that directory
   * (see {@link RecordOption.record}).
   * @example
   * await lastValueFrom(scheduler.run({ record: 'runs/today' }));
   * @category running
   */
  override run(
    options: Omit<RunOptions, 'restore'> & RestoreOption & RecordOption = {},
  ): Observable<SchedulerEvent> {
    return defer(() => {
      // checked when subscribed, so that run() errors rather than throws
      const [record, rest] = recordOf(this, 'run()', options);
      const events = super.run(rest);
      return record === undefined ? events : events.pipe(recordRun(this, record.dir, record));
    });
  }

  /**
   * Runs the graph and resolves to its outcome (see `SchedulerCore.orchestrate`); with `record`, the run is
   * also recorded in that directory (see {@link RecordOption.record}), and the Promise resolves once it is
   * written.
   * @example
   * const ok = await scheduler.orchestrate({ record: 'runs/today' });
   * @category running
   */
  override orchestrate(
    options: Omit<OrchestrateOptions, 'restore'> & RestoreOption & RecordOption = {},
  ): Promise<boolean> {
    try {
      const [record, rest] = recordOf(this, 'orchestrate()', options);
      const ownRun = this.run === Scheduler.prototype.run ? undefined : this.run.bind(this);
      // only the end event need be made, unless a subclass runs its own way or the run is recorded
      if (record === undefined) return orchestrateGroup(this, rest, ownRun, () => this._verboseRenderer());
      const recorded = (run: RunOptions): Observable<SchedulerEvent> =>
        (ownRun ?? ((o: RunOptions) => super.run(o)))(run).pipe(recordRun(this, record.dir, record));
      return orchestrateGroup(this, rest, recorded, () => this._verboseRenderer());
    } catch (e: unknown) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** @internal `writeProgress()`: what `orchestrate({ verbose: true })` prints. */
  override _verboseRenderer(): MonoTypeOperatorFunction<SchedulerEvent> {
    return writeProgress();
  }

  /**
   * The listing of the jobs (topological order, nested schedulers indented), one line per job:
   * `id badge label result requires:{ids}`. With `print`, also writes it to stdout.
   * @category running
   */
  list(options: ListOptions = {}): string {
    checkListOptions(this, options);
    return listScheduler(this, options);
  }
  /** The listing, preceded by `why()`, followed by counts and the cause and stack of each failure. */
  debrief(options: ListOptions = {}): string {
    checkListOptions(this, options);
    return debriefScheduler(this, options);
  }

  /**
   * The graph in graphviz's DOT language; nested schedulers are clusters, folded ones (a GroupJob, a
   * MatrixJob) one node each unless `unfold`.
   */
  toDot(options: GraphOptions = {}): string {
    return toDot(this, checkGraphOptions(this, options));
  }
  /** The graph as a Mermaid flowchart; nested schedulers are subgraphs, folded ones one node unless `unfold`. */
  toMermaid(options: GraphOptions = {}): string {
    return toMermaid(this, checkGraphOptions(this, options));
  }
  /** Writes {@link Scheduler.toDot} to `path` (atomically); resolves to a message naming it. */
  exportAsDotfile(path: string, options: GraphOptions = {}): Promise<string> {
    return exportAsDotfile(this, path, checkGraphOptions(this, options));
  }
  /**
   * Renders the graph to `path` through graphviz's `dot` (`png`, `svg`, or any `dot -T` format).
   * @throws {GraphvizError} when `dot` is not installed or fails.
   */
  exportAsGraphic(path: string, format: GraphicFormat, options: GraphOptions = {}): Promise<string> {
    return exportAsGraphic(this, path, format, checkGraphOptions(this, options));
  }
  /** {@link Scheduler.exportAsGraphic} in PNG. */
  exportAsPngfile(path: string, options: GraphOptions = {}): Promise<string> {
    return exportAsGraphic(this, path, 'png', checkGraphOptions(this, options));
  }
  /** {@link Scheduler.exportAsGraphic} in SVG. */
  exportAsSvgfile(path: string, options: GraphOptions = {}): Promise<string> {
    return exportAsGraphic(this, path, 'svg', checkGraphOptions(this, options));
  }
}

// Events carry their scheduler as a Scheduler (core, which never imports this module, types it through this
// registry; see EventScheduler).
declare module './core/model.js' {
  interface SchedulerRegistry {
    readonly scheduler: Scheduler;
  }
}
