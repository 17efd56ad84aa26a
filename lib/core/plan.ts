import { cycleFrom, isScheduler } from '../internal/kinds.js';
import { ConfigError } from './errors/config-error.js';
import { CycleError } from './errors/cycle-error.js';
import { ForeignRequirementError } from './errors/foreign-requirement-error.js';
import { checkDuration, validateJob } from './job.js';
import type { Job } from './job.js';
import type { Scheduler } from './scheduler.js';

/**
 * The members of a scheduler for one run, as arrays indexed by member position (a struct of arrays, so
 * that 100,000 jobs cost a few typed arrays rather than 100,000 objects): effective policy, count of
 * requirements, and dependents in compressed rows (`successors[successorStart[i] .. successorStart[i+1]]`).
 * @internal
 */
export interface Plan {
  readonly jobs: readonly Job[];
  /** 1 when the job is critical (its own setting, else the scheduler's, else inherited). */
  readonly critical: Uint8Array;
  readonly forever: Uint8Array;
  /** Number of requirements of each job. */
  readonly requirementCount: Int32Array;
  readonly successorStart: Int32Array;
  readonly successors: Int32Array;
}

/**
 * Checks a scheduler's own options; throws a {@link ConfigError} naming the scheduler and the field.
 * @internal
 */
export function validateSchedulerOptions(scheduler: Scheduler): void {
  checkDuration(scheduler, 'shutdownTimeout', scheduler.shutdownTimeout);
  const w = scheduler.jobsWindow;
  if (w !== undefined && !(typeof w === 'number' && (Number.isInteger(w) || w === Infinity) && w >= 1))
    throw new ConfigError(
      `scheduler "${scheduler.label}"`,
      'jobsWindow',
      `must be an integer of 1 or more (or undefined for no limit), got ${String(w)}`,
    );
}

/**
 * Validates a scheduler (options, every member's options, foreign requirements, cycles) and builds the
 * plan of one run. O(jobs + edges). When `deep`, nested schedulers are validated too, so that a bad graph
 * anywhere fails before anything runs. Resets the state of the members' latest run.
 * @internal
 */
export function buildPlan(scheduler: Scheduler, inheritedCritical: boolean, deep: boolean): Plan {
  validateSchedulerOptions(scheduler);
  validateJob(scheduler);
  const defaultCritical = scheduler.critical ?? inheritedCritical;
  const jobs = [...scheduler.jobs];
  const n = jobs.length;
  const critical = new Uint8Array(n);
  const forever = new Uint8Array(n);
  const requirementCount = new Int32Array(n);
  const outDegree = new Int32Array(n + 1);
  // each member remembers its position in this plan; `token` tells this plan's positions from others'
  const token = {};
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const job = jobs[i] as Job;
    validateJob(job);
    // a fresh job has nothing to forget; a scheduler always does (its members' shutdown is due again)
    if (job._status !== 'idle' || job._value !== undefined || isScheduler(job)) job._reset();
    job._planToken = token;
    job._planIndex = i;
    critical[i] = (job.critical ?? defaultCritical) ? 1 : 0;
    forever[i] = job.forever ? 1 : 0;
  }
  // one pass over the requirements, which are scattered in memory: each becomes an index in `edgeFrom`
  // (edges grouped by dependent, in member order); the rest works on typed arrays
  let edgeFrom = new Int32Array(Math.max(16, n * 2));
  for (let i = 0; i < n; i++) {
    const job = jobs[i] as Job;
    const list = job._requirementList();
    for (const requirement of list) {
      if (requirement._planToken !== token)
        throw new ForeignRequirementError(scheduler.label, job, requirement);
      const k = requirement._planIndex;
      if (edges === edgeFrom.length) {
        const bigger = new Int32Array(edges * 2);
        bigger.set(edgeFrom);
        edgeFrom = bigger;
      }
      edgeFrom[edges++] = k;
      outDegree[k] = (outDegree[k] as number) + 1;
    }
    requirementCount[i] = list.length;
  }
  const successorStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++)
    successorStart[i + 1] = (successorStart[i] as number) + (outDegree[i] as number);
  const fill = successorStart.slice(0, n);
  const successors = new Int32Array(edges);
  for (let i = 0, e = 0; i < n; i++)
    for (const end = e + (requirementCount[i] as number); e < end; e++) {
      const k = edgeFrom[e] as number;
      const at = fill[k] as number;
      successors[at] = i;
      fill[k] = at + 1;
    }
  const plan: Plan = { jobs, critical, forever, requirementCount, successorStart, successors };
  const cycle = findCycle(plan);
  if (cycle !== undefined) throw new CycleError(scheduler.label, cycle);
  if (deep)
    for (let i = 0; i < n; i++) {
      const job = jobs[i] as Job;
      if (isScheduler(job)) buildPlan(job, critical[i] === 1, true);
    }
  return plan;
}

/**
 * Kahn's algorithm over the plan's counters; when some jobs are left, walks requirements backwards among
 * them until a job repeats, which yields one cycle, returned in running order (each job requires the one
 * before it, the first requires the last).
 */
function findCycle(plan: Plan): Job[] | undefined {
  const { jobs, successorStart, successors } = plan;
  const n = jobs.length;
  const left = plan.requirementCount.slice();
  const queue = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) if (left[i] === 0) queue[tail++] = i;
  for (let head = 0; head < tail; head++) {
    const i = queue[head] as number;
    for (let e = successorStart[i] as number; e < (successorStart[i + 1] as number); e++) {
      const s = successors[e] as number;
      if (--(left[s] as number) === 0) queue[tail++] = s;
    }
  }
  if (tail === n) return undefined;
  // every job left has a requirement left: walk those requirements until one repeats
  const leftOver = (i: number): boolean => (left[i] as number) > 0;
  const requirementLeft = (i: number): number =>
    ((jobs[i] as Job)._requirementList().find((r) => leftOver(r._planIndex)) as Job)._planIndex;
  return cycleFrom(
    left.findIndex((v) => v > 0),
    requirementLeft,
  ).map((i) => jobs[i] as Job);
}
