import type { MonoTypeOperatorFunction } from 'rxjs';

import { checkOption, checkOptionKeys, optionKeys } from './errors/option-keys.js';
import { subjectOf } from './core/job/job-options.js';
import { SchedulerCore } from './core/scheduler.js';
import type { SchedulerEvent } from './core/events.js';
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
