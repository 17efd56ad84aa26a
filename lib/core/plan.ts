import { ConfigError } from '../errors/config-error.js';
import { CycleError } from './errors/cycle-error.js';
import { ForeignRequirementError } from './errors/foreign-requirement-error.js';
import { checkDuration, subjectOf, validateJob } from './job/job-options.js';
import { budgetOf, checkMaxFailures } from './job/max-failures.js';
import type { Job } from './job.js';
import type { MaxFailures } from './job/max-failures.js';
import { BudgetRecord, RunState } from './run/run-state.js';
import { PlanRules } from './run/rules.js';
import { cycleFrom } from './cycle-from.js';
import { isGroup } from './model.js';
import type { JobGroup } from './model.js';

/**
 * The members of a scheduler for one run, as arrays indexed by member position (a struct of arrays, so
 * that 100,000 jobs cost a few typed arrays rather than 100,000 objects): effective policy, count of
 * requirements, and dependents in compressed rows (`successors[successorStart[i] .. successorStart[i+1]]`).
 * @internal
 */
export interface Plan {
  readonly jobs: readonly Job[];
  /**
   * 1 when the job is critical: its own setting, else the nearest enclosing scheduler's that is set (this
   * one's or one above), else its class default (`Job`: false, `SshJob`: true).
   */
  readonly critical: Uint8Array;
  /** The setting of `critical` that members inherit: this scheduler's, else the nearest enclosing one set. */
  readonly enclosingCritical: boolean | undefined;
  /** The state of the run the plan is for; every member points to it from now on. */
  readonly state: RunState;
  readonly forever: Uint8Array;
  /** Number of jobs that are not forever. */
  readonly finiteCount: number;
  /** Number of requirements of each job. */
  readonly requirementCount: Int32Array;
  readonly successorStart: Int32Array;
  readonly successors: Int32Array;
  /**
   * How many member failures the scheduler's `maxFailures` tolerates in this run; -1 without it (the members'
   * `critical` decides). With it, every member's `critical` is 0: the budget decides instead.
   */
  readonly budget: number;
  /** The members' trigger rules (`runIf`, `_skipIf`), and whether a cleanup phase may be needed. */
  readonly rules: PlanRules;
}

/**
 * Checks a scheduler's own options; throws a {@link ConfigError} naming the scheduler and the field.
 * @internal
 */
export function validateSchedulerOptions(scheduler: JobGroup): void {
  checkDuration(scheduler, 'shutdownTimeout', scheduler.shutdownTimeout);
  checkDuration(scheduler, 'cleanupTimeout', scheduler.cleanupTimeout, true);
  const w = scheduler.jobsWindow;
  if (w !== undefined && !(typeof w === 'number' && (Number.isInteger(w) || w === Infinity) && w >= 1))
    throw new ConfigError(
      `scheduler "${scheduler.label}"`,
      'jobsWindow',
      `must be an integer of 1 or more (or undefined for no limit), got ${String(w)}`,
    );
  checkMaxFailures(subjectOf(scheduler), scheduler.maxFailures);
  const fold: unknown = scheduler.fold;
  if (typeof fold !== 'boolean')
    throw new ConfigError(subjectOf(scheduler), 'fold', `must be true or false, got ${JSON.stringify(fold)}`);
}

/**
 * Validates a scheduler (options, every member's options, foreign requirements, cycles) and builds the
 * plan of one run. O(jobs + edges). When `deep`, nested schedulers are validated too, so that a bad graph
 * anywhere fails before anything runs. The members' latest run is now this one (or, for the members of
 * nested schedulers, a run of theirs not started yet): they show as idle until it runs them.
 * `inheritedCritical`: the `critical` of the nearest enclosing scheduler that sets it.
 * @internal
 */
export function buildPlan(scheduler: JobGroup, inheritedCritical: boolean | undefined, deep: boolean): Plan {
  validateSchedulerOptions(scheduler);
  validateJob(scheduler);
  const enclosingCritical = scheduler.critical ?? inheritedCritical;
  const jobs = [...scheduler._memberList()];
  const n = jobs.length;
  const maxFailures = scheduler.maxFailures;
  const budget = maxFailures === undefined ? -1 : budgetOf(maxFailures, n);
  const state = new RunState(
    n,
    budget < 0 ? undefined : new BudgetRecord(maxFailures as MaxFailures, budget, n),
  );
  const critical = new Uint8Array(n);
  const forever = new Uint8Array(n);
  const requirementCount = new Int32Array(n);
  const rules = new PlanRules(n);
  let finiteCount = 0;
  let edges = 0;
  // first pass, over the members only (sequential in memory): options, and the number of edges. Each member
  // remembers its position in this plan: a requirement `r` is a member iff `jobs[r._indexHint] === r`.
  for (let i = 0; i < n; i++) {
    const job = jobs[i] as Job;
    validateJob(job);
    job._enterRun(state, i);
    job._indexHint = i;
    // under a budget, no member is critical: the budget decides when the run stops
    if (budget < 0) critical[i] = (job.critical ?? enclosingCritical ?? job._criticalByDefault) ? 1 : 0;
    if (job.forever) forever[i] = 1;
    else finiteCount++;
    const count = job._requirementList().length;
    requirementCount[i] = count;
    rules.note(job, i, count);
    edges += count;
  }
  // second pass, over the requirements, which are scattered in memory: each becomes an index in `edgeFrom`
  // (edges grouped by dependent, in member order); the rest works on typed arrays. When every requirement
  // comes before its dependent in member order (the common case: jobs are made after what they require),
  // that order is topological, and there is no cycle to look for.
  const edgeFrom = new Int32Array(edges);
  // `successorStart[k]` counts the dependents of k, then (prefix sums) ends k's row, then (filled from
  // its end) starts it
  const successorStart = new Int32Array(n + 1);
  let ordered = true;
  for (let i = 0, e = 0; i < n; i++) {
    const job = jobs[i] as Job;
    const list = job._requirementList();
    for (let r = 0; r < list.length; r++) {
      const requirement = list[r] as Job;
      const k = requirement._indexHint;
      if (k < 0 || k >= n || jobs[k] !== requirement)
        throw new ForeignRequirementError(scheduler.label, job, requirement);
      if (k >= i) ordered = false;
      edgeFrom[e++] = k;
      successorStart[k] = (successorStart[k] as number) + 1;
    }
  }
  for (let i = 1; i < n; i++)
    successorStart[i] = (successorStart[i - 1] as number) + (successorStart[i] as number);
  successorStart[n] = edges;
  // rows filled from their end, dependents taken backwards, so that each row lists its dependents in member
  // order
  const successors = new Int32Array(edges);
  for (let i = n - 1, e = edges; i >= 0; i--)
    for (const start = e - (requirementCount[i] as number); e > start;) {
      const k = edgeFrom[--e] as number;
      const at = (successorStart[k] as number) - 1;
      successors[at] = i;
      successorStart[k] = at;
    }
  const plan: Plan = {
    jobs,
    critical,
    enclosingCritical,
    state,
    forever,
    finiteCount,
    requirementCount,
    successorStart,
    successors,
    budget,
    rules,
  };
  if (!ordered) {
    const cycle = findCycle(plan);
    if (cycle !== undefined) throw new CycleError(scheduler.label, cycle);
  }
  if (deep)
    for (let i = 0; i < n; i++) {
      const job = jobs[i] as Job;
      if (isGroup(job)) buildPlan(job, enclosingCritical, true);
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
    ((jobs[i] as Job)._requirementList().find((r) => leftOver(r._indexHint)) as Job)._indexHint;
  return cycleFrom(
    left.findIndex((v) => v > 0),
    requirementLeft,
  ).map((i) => jobs[i] as Job);
}
