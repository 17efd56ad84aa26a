import { hasBrand, SCHEDULER } from '../internal/kinds.js';
import { ConfigError } from './errors/config-error.js';
import { CycleError } from './errors/cycle-error.js';
import { ForeignRequirementError } from './errors/foreign-requirement-error.js';
import { checkDuration, validateJob } from './job.js';
import type { Job } from './job.js';
import type { Scheduler } from './scheduler.js';

/**
 * One member of a scheduler, for one run: its effective policy, its count of unfinished requirements and
 * the indexes of its dependents.
 * @internal
 */
export interface PlanNode {
  readonly job: Job;
  readonly critical: boolean;
  readonly forever: boolean;
  /** Requirements not settled yet. */
  pending: number;
  readonly successors: number[];
  /** Requirements that settled without success (for `runIf: 'all-success'`). */
  notOk: Job[] | undefined;
}

const isScheduler = (job: Job): job is Scheduler => hasBrand(job, SCHEDULER);

/**
 * Checks a scheduler's own options; throws a {@link ConfigError} naming the scheduler and the field.
 * @internal
 */
export function validateSchedulerOptions(scheduler: Scheduler): void {
  const subject = `scheduler "${scheduler.label}"`;
  checkDuration(subject, 'shutdownTimeout', scheduler.shutdownTimeout);
  const w = scheduler.jobsWindow;
  if (w !== undefined && !(typeof w === 'number' && (Number.isInteger(w) || w === Infinity) && w >= 1))
    throw new ConfigError(
      subject,
      'jobsWindow',
      `must be an integer of 1 or more (or undefined for no limit), got ${String(w)}`,
    );
}

/**
 * Validates a scheduler (options, every member's options, foreign requirements, cycles) and builds the
 * nodes of one run, in member order. O(jobs + edges). When `deep`, nested schedulers are validated too, so
 * that a bad graph anywhere fails before anything runs. Resets the state of the members' latest run.
 * @internal
 */
export function buildPlan(scheduler: Scheduler, inheritedCritical: boolean, deep: boolean): PlanNode[] {
  validateSchedulerOptions(scheduler);
  validateJob(scheduler);
  const defaultCritical = scheduler.critical ?? inheritedCritical;
  const jobs = [...scheduler.jobs];
  const index = new Map<Job, number>();
  for (let i = 0; i < jobs.length; i++) index.set(jobs[i] as Job, i);
  const nodes: PlanNode[] = jobs.map((job) => {
    validateJob(job);
    job._reset();
    return {
      job,
      critical: job.critical ?? defaultCritical,
      forever: job.forever,
      pending: 0,
      successors: [],
      notOk: undefined,
    };
  });
  for (let i = 0; i < jobs.length; i++) {
    const node = nodes[i] as PlanNode;
    for (const requirement of node.job.requirements) {
      const k = index.get(requirement);
      if (k === undefined) throw new ForeignRequirementError(scheduler.label, node.job, requirement);
      node.pending++;
      (nodes[k] as PlanNode).successors.push(i);
    }
  }
  const cycle = findCycle(nodes);
  if (cycle !== undefined) throw new CycleError(scheduler.label, cycle);
  if (deep)
    for (const node of nodes) if (isScheduler(node.job)) buildPlan(node.job, node.critical, true);
  return nodes;
}

/**
 * Kahn's algorithm over the nodes' counters; when some nodes are left, walks requirements backwards among
 * them until a node repeats, which yields one cycle, returned in running order (each job requires the one
 * before it, the first requires the last).
 */
function findCycle(nodes: readonly PlanNode[]): Job[] | undefined {
  const n = nodes.length;
  const left = new Int32Array(n);
  const queue = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) {
    left[i] = (nodes[i] as PlanNode).pending;
    if (left[i] === 0) queue[tail++] = i;
  }
  for (let head = 0; head < tail; head++) {
    for (const s of (nodes[queue[head] as number] as PlanNode).successors) {
      if (--(left[s] as number) === 0) queue[tail++] = s;
    }
  }
  if (tail === n) return undefined;
  // every node left has a requirement left: walk those requirements until one repeats
  const indexOf = new Map<Job, number>();
  nodes.forEach((node, i) => indexOf.set(node.job, i));
  const seenAt = new Map<number, number>();
  const path: number[] = [];
  let current = left.findIndex((v) => v > 0);
  while (!seenAt.has(current)) {
    seenAt.set(current, path.length);
    path.push(current);
    let next = -1;
    for (const r of (nodes[current] as PlanNode).job.requirements) {
      const k = indexOf.get(r) as number;
      if ((left[k] as number) > 0) {
        next = k;
        break;
      }
    }
    current = next;
  }
  return path
    .slice(seenAt.get(current))
    .reverse()
    .map((i) => (nodes[i] as PlanNode).job);
}
