/**
 * What the report's model computes over the tree of jobs: the critical path, the failures tolerated with
 * their scheduler, the member of a scheduler that ended last, the failure that cancelled a job. Pure.
 * @module
 */
import type { ReportJob } from './report-job.js';

/**
 * Marks the units of the chain of requirements that ended last: the unit that ended last, its requirement
 * that ended last, and so on (jobs that never started are not on it); then, in each scheduler on it, the
 * member that ended last.
 */
export function markCriticalPath(
  units: readonly ReportJob[],
  jobs: readonly ReportJob[],
  byKey: ReadonlyMap<string, ReportJob>,
): void {
  const endOf = (j: ReportJob): number => j.ended ?? j.started ?? -Infinity;
  const latest = (list: readonly ReportJob[]): ReportJob | undefined =>
    // on a tie, the later in the plan: a dependent comes after its requirements
    list.reduce<ReportJob | undefined>(
      (a, j) => (a === undefined || endOf(j) >= endOf(a) ? j : a),
      undefined,
    );
  let at = latest(units.filter((j) => j.started !== undefined));
  const seen = new Set<ReportJob>();
  while (at !== undefined && !seen.has(at)) {
    seen.add(at);
    at.critical = true;
    const requirements = at.plan.requires.flatMap((k) => byKey.get(k) ?? []);
    at = latest(requirements.filter((j) => j.started !== undefined));
  }
  for (const unit of units) {
    if (!unit.critical || unit.members.length === 0) continue;
    const last = lastMember(unit, jobs);
    if (last !== undefined) last.critical = true;
  }
}

/** The schedulers `job` is in, innermost first. */
export function ancestorsOf(job: ReportJob, byKey: ReadonlyMap<string, ReportJob>): ReportJob[] {
  const up: ReportJob[] = [];
  let at = byKey.get(job.plan.parent ?? '');
  while (at !== undefined && !up.includes(at)) {
    up.push(at);
    at = byKey.get(at.plan.parent ?? '');
  }
  return up;
}

/**
 * A failed job inside a scheduler that failed but was tolerated (a matrix instance under its matrix's
 * maxFailures) was tolerated with it.
 */
export function markToleratedWithin(jobs: readonly ReportJob[], byKey: ReadonlyMap<string, ReportJob>): void {
  for (const job of jobs)
    if (job.state === 'failed' && ancestorsOf(job, byKey).some((up) => up.state === 'tolerated'))
      job.state = 'tolerated';
}

/** The leaf jobs under a scheduler, through nested ones. */
export function leavesOf(unit: ReportJob, jobs: readonly ReportJob[]): ReportJob[] {
  const leaves: ReportJob[] = [];
  const visit = (j: ReportJob): void => {
    for (const i of j.members) {
      const m = jobs[i];
      if (m === undefined) continue;
      if (m.members.length > 0 || m.plan.kind !== 'job') visit(m);
      else leaves.push(m);
    }
  };
  visit(unit);
  return leaves;
}

/** The leaf member of a scheduler that ended last (its slowest host), through nested schedulers. */
function lastMember(unit: ReportJob, jobs: readonly ReportJob[]): ReportJob | undefined {
  let best: ReportJob | undefined;
  for (const m of leavesOf(unit, jobs))
    if (m.ended !== undefined && (best?.ended === undefined || m.ended > best.ended)) best = m;
  return best;
}

/** A scheduler whose leaf jobs were all restored (a resume) was restored too. */
export function markRestoredSchedulers(jobs: readonly ReportJob[]): void {
  for (const job of jobs) {
    if (job.members.length === 0) continue;
    const leaves = leavesOf(job, jobs);
    if (leaves.length > 0 && leaves.every((m) => m.state === 'restored')) job.state = 'restored';
  }
}

/**
 * The failure that cancelled `job` (cancelled because a critical job failed): the failed job (a critical one
 * first) that ended last before it among its siblings, else in its schedulers, else in the run.
 */
export function culpritOf(
  job: ReportJob,
  jobs: readonly ReportJob[],
  byKey: ReadonlyMap<string, ReportJob>,
): ReportJob | undefined {
  const before = jobs.filter(
    (j) => j.state === 'failed' && j !== job && (j.ended ?? 0) <= (job.ended ?? Infinity),
  );
  const last = (list: readonly ReportJob[]): ReportJob | undefined =>
    list.reduce<ReportJob | undefined>(
      (a, j) => (a === undefined || (j.ended ?? 0) > (a.ended ?? 0) ? j : a),
      undefined,
    );
  const scopes = [job.plan.parent, ...ancestorsOf(job, byKey).map((a) => a.plan.parent), null];
  for (const failed of [before.filter((j) => j.failedCritical === true), before])
    for (const scope of scopes) {
      const inScope = failed.filter((j) => scope === null || j.plan.parent === scope);
      const found = last(inScope.filter((j) => j.members.length === 0)) ?? last(inScope);
      if (found !== undefined) return found;
    }
  return undefined;
}
