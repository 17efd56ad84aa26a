import { cycleFrom } from './cycle-from.js';
import { CycleError } from './errors/cycle-error.js';
import { NotAMemberError } from './errors/not-a-member-error.js';
import type { Job } from './job.js';
import { isGroup } from './model.js';
import type { JobGroup } from './model.js';

// Graph queries and surgery over a scheduler's direct members (nested schedulers are single members here,
// as in asynciojobs), except checkCycles and sanitize, which recurse. Requirements on non-members are
// ignored by the queries.

/** Members requiring each member, in member order. O(jobs + edges). */
function dependentsMap(scheduler: JobGroup): Map<Job, Job[]> {
  const map = new Map<Job, Job[]>();
  for (const job of scheduler.jobs) map.set(job, []);
  for (const job of scheduler.jobs) for (const r of job.requirements) map.get(r)?.push(job);
  return map;
}

const checkMembers = (scheduler: JobGroup, jobs: Iterable<Job>, operation: string): void => {
  for (const job of jobs)
    if (!scheduler.jobs.has(job)) throw new NotAMemberError(scheduler.label, job, operation);
};

/** @internal members with no requirement. */
export const entryJobs = (scheduler: JobGroup): Job[] =>
  [...scheduler.jobs].filter((job) => ![...job.requirements].some((r) => scheduler.jobs.has(r)));

/** @internal members no other member requires (forever ones left out unless asked). */
export function exitJobs(scheduler: JobGroup, discardForever: boolean): Job[] {
  const dependents = dependentsMap(scheduler);
  return [...scheduler.jobs].filter(
    (job) => dependents.get(job)?.length === 0 && !(discardForever && job.forever),
  );
}

/** @internal members required by any of `jobs`. */
export function predecessors(scheduler: JobGroup, jobs: readonly Job[]): Set<Job> {
  checkMembers(scheduler, jobs, 'predecessors');
  const out = new Set<Job>();
  for (const job of jobs) for (const r of job.requirements) if (scheduler.jobs.has(r)) out.add(r);
  return out;
}

/** @internal members requiring any of `jobs`. */
export function successors(scheduler: JobGroup, jobs: readonly Job[]): Set<Job> {
  checkMembers(scheduler, jobs, 'successors');
  const dependents = dependentsMap(scheduler);
  const out = new Set<Job>();
  for (const job of jobs) for (const d of dependents.get(job) ?? []) out.add(d);
  return out;
}

/** Breadth-first closure from `starts`, excluding them unless reached again (through a cycle). */
function closure(starts: readonly Job[], next: (job: Job) => Iterable<Job>): Set<Job> {
  const out = new Set<Job>();
  const queue: Job[] = [];
  const visit = (n: Job): void => {
    if (!out.has(n)) {
      out.add(n);
      queue.push(n);
    }
  };
  for (const s of starts) for (const n of next(s)) visit(n);
  for (let i = 0; i < queue.length; i++) for (const n of next(queue[i] as Job)) visit(n);
  return out;
}

/** @internal every member `jobs` depend on, transitively. */
export function predecessorsUpstream(scheduler: JobGroup, jobs: readonly Job[]): Set<Job> {
  checkMembers(scheduler, jobs, 'predecessorsUpstream');
  return closure(jobs, (job) => [...job.requirements].filter((r) => scheduler.jobs.has(r)));
}

/** @internal every member that depends on `jobs`, transitively. */
export function successorsDownstream(scheduler: JobGroup, jobs: readonly Job[]): Set<Job> {
  checkMembers(scheduler, jobs, 'successorsDownstream');
  const dependents = dependentsMap(scheduler);
  return closure(jobs, (job) => dependents.get(job) ?? []);
}

/**
 * @internal members in an order where each comes after its requirements; ties in member order (Kahn's
 * algorithm with a FIFO queue). Throws a {@link CycleError} on a cycle.
 */
export function topologicalOrder(scheduler: JobGroup): Job[] {
  const dependents = dependentsMap(scheduler);
  const left = new Map<Job, number>();
  const order: Job[] = [];
  for (const job of scheduler.jobs) {
    let n = 0;
    for (const r of job.requirements) if (scheduler.jobs.has(r)) n++;
    left.set(job, n);
    if (n === 0) order.push(job);
  }
  for (let i = 0; i < order.length; i++)
    for (const d of dependents.get(order[i] as Job) ?? []) {
      const n = (left.get(d) as number) - 1;
      left.set(d, n);
      if (n === 0) order.push(d);
    }
  if (order.length < scheduler.jobs.size) {
    const stuck = [...scheduler.jobs].filter((j) => (left.get(j) as number) > 0);
    throw new CycleError(scheduler.label, findCycleAmong(stuck, new Set(stuck)));
  }
  return order;
}

/** A cycle among `stuck` jobs (each has a requirement among them), in running order. */
const findCycleAmong = (stuck: readonly Job[], set: ReadonlySet<Job>): Job[] =>
  cycleFrom(stuck[0] as Job, (job) => [...job.requirements].find((r) => set.has(r)) as Job);

/** @internal true iff no cycle, at any depth (requirements on non-members ignored). */
export function checkCycles(scheduler: JobGroup): boolean {
  try {
    topologicalOrder(scheduler);
  } catch {
    return false;
  }
  for (const job of scheduler.jobs) if (isGroup(job) && !checkCycles(job)) return false;
  return true;
}

/** @internal drops requirements on non-members, at every depth; true iff nothing was dropped anywhere. */
export function sanitize(scheduler: JobGroup): boolean {
  let clean = true;
  for (const job of scheduler.jobs) {
    const foreign = [...job.requirements].filter((r) => !scheduler.jobs.has(r));
    if (foreign.length > 0) {
      job.removeRequirements(foreign);
      clean = false;
    }
    if (isGroup(job) && !sanitize(job)) clean = false;
  }
  return clean;
}

/** @internal removes `job`; whoever required it now requires its requirements. */
export function bypassAndRemove(scheduler: JobGroup, job: Job): void {
  checkMembers(scheduler, [job], 'bypassAndRemove');
  for (const member of scheduler.jobs)
    if (member.requirements.has(job)) member.removeRequirements(job).requires([...job.requirements]);
  scheduler.remove(job);
}

/** @internal keeps only the members in `remains`, then sanitizes. */
export function keepOnly(scheduler: JobGroup, remains: Iterable<Job>): void {
  const keep = new Set(remains);
  for (const job of [...scheduler.jobs]) if (!keep.has(job)) scheduler.remove(job);
  sanitize(scheduler);
}

/** @category models */
export interface KeepOnlyBetweenOptions {
  /** Keep what is downstream of these (empty or absent: no bound). */
  readonly starts?: readonly Job[] | undefined;
  /** Keep what is upstream of these (empty or absent: no bound). */
  readonly ends?: readonly Job[] | undefined;
  /** Keep the starts themselves (default true). */
  readonly keepStarts?: boolean | undefined;
  /** Keep the ends themselves (default true). */
  readonly keepEnds?: boolean | undefined;
}

/** @internal keeps the members between `starts` and `ends`, then sanitizes. */
export function keepOnlyBetween(scheduler: JobGroup, options: KeepOnlyBetweenOptions): void {
  const starts = options.starts ?? [];
  const ends = options.ends ?? [];
  const all = new Set(scheduler.jobs);
  const down = starts.length > 0 ? successorsDownstream(scheduler, starts) : all;
  const up = ends.length > 0 ? predecessorsUpstream(scheduler, ends) : all;
  const keep = new Set([...down].filter((j) => up.has(j)));
  if (options.keepStarts ?? true) for (const s of starts) keep.add(s);
  else for (const s of starts) keep.delete(s);
  if (options.keepEnds ?? true) for (const e of ends) keep.add(e);
  else for (const e of ends) keep.delete(e);
  keepOnly(scheduler, keep);
}

/** @internal leaf jobs at every depth; with `scanSchedulers`, the schedulers too (this one first). */
export function* iterateJobs(scheduler: JobGroup, scanSchedulers: boolean): Generator<Job> {
  if (scanSchedulers) yield scheduler;
  for (const job of scheduler.jobs) {
    if (isGroup(job)) yield* iterateJobs(job, scanSchedulers);
    else yield job;
  }
}
