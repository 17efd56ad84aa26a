import type { JobGroup, RunGraphOptions } from '../model.js';
import { buildPlan } from '../plan.js';
import { GraphRun } from './graph-run.js';

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
