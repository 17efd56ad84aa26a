/**
 * What a report shows, computed from a run directory: each job's final state, times, exits and error; the
 * units of the graph (jobs, and folded schedulers with their counts); the critical path; the summary.
 * @module
 */
import type { RunCounts } from '../record/types.js';
import type { EventRecord, LoadedRun, PlanJob } from './load-run.js';

/** A job's final state in a report. @category models */
export type ReportState =
  | 'done'
  | 'failed'
  | 'tolerated'
  | 'skipped'
  | 'cancelled'
  | 'running' // started, never ended: the run was interrupted
  | 'not-run';

/** The end of one command of a job. @category models */
export interface ReportExit {
  readonly command: string;
  readonly host: string;
  readonly code: number | null;
  readonly signal: string | null;
}

/** One job of the plan, with what the journal says of it. @category models */
export interface ReportJob {
  /** Its index in `jobs` (element ids: `j<index>`). */
  readonly index: number;
  readonly plan: PlanJob;
  state: ReportState;
  /** Milliseconds since the epoch. */
  started?: number | undefined;
  ended?: number | undefined;
  attempts?: number | undefined;
  error?: { readonly name: string; readonly code: string; readonly message: string } | undefined;
  /** Why it was cancelled or skipped, in words. */
  note?: string | undefined;
  readonly exits: ReportExit[];
  readonly captures: { readonly name: string; readonly value: string }[];
  /** On the critical path (the chain of requirements that ended last). */
  critical: boolean;
  /** Its members, for a scheduler (group, matrix): their indices. */
  readonly members: number[];
}

/** A run as a report shows it. @category models */
export interface ReportModel {
  readonly loaded: LoadedRun;
  readonly jobs: readonly ReportJob[];
  /** The jobs of the graph: those not inside a scheduler (a scheduler stands for its members). */
  readonly units: readonly ReportJob[];
  /** Milliseconds since the epoch: the first and last times known (equal when none is). */
  readonly start: number;
  readonly end: number;
  readonly outcome: string;
  /** The run was interrupted: it recorded no end (a crash, `kill -9`), or ended by Ctrl-C or a signal. */
  readonly interrupted: boolean;
  /** No end was recorded (a crash, `kill -9`, or the run is still going). */
  readonly unfinished: boolean;
  readonly why: string | undefined;
  readonly counts: RunCounts;
}

const time = (v: unknown): number | undefined => {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
};

const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));

const errorOf = (v: unknown): ReportJob['error'] => {
  if (typeof v !== 'object' || v === null) return { name: 'Error', code: '', message: text(v) };
  const e = v as Record<string, unknown>;
  return { name: text(e['name']), code: text(e['code']), message: text(e['message']) };
};

/** Applies one journal record to its job. */
function apply(job: ReportJob, e: EventRecord, ts: number | undefined): void {
  switch (e.type) {
    case 'started':
      job.started ??= ts;
      if (typeof e['attempt'] === 'number') job.attempts = e['attempt'];
      if (job.state === 'not-run') job.state = 'running';
      return;
    case 'done':
      job.state = 'done';
      job.ended = ts;
      return;
    case 'failed':
      job.state = e['tolerated'] === true ? 'tolerated' : 'failed';
      job.ended = ts;
      job.error = errorOf(e['error']);
      if (typeof e['attempts'] === 'number') job.attempts = e['attempts'];
      return;
    case 'cancelled':
      job.state = 'cancelled';
      job.ended = ts;
      job.note = `cancelled: ${text(e['reason'])}`;
      return;
    case 'skipped': {
      job.state = 'skipped';
      job.ended = ts;
      const because = Array.isArray(e['because']) ? e['because'].map(text) : [];
      job.note = because.length > 0 ? `skipped: ${because.join(', ')} did not succeed` : 'skipped';
      return;
    }
    case 'exit':
      job.exits.push({
        command: text(e['command']),
        host: text(e['host']),
        code: typeof e['code'] === 'number' ? e['code'] : null,
        signal: typeof e['signal'] === 'string' ? e['signal'] : null,
      });
      return;
    case 'capture':
      job.captures.push({ name: text(e['name']), value: text(e['value']) });
      return;
  }
}

const zeroCounts = (): Record<keyof RunCounts, number> => ({
  total: 0,
  done: 0,
  failed: 0,
  tolerated: 0,
  skipped: 0,
  cancelled: 0,
  notRun: 0,
});

/** The counts of the leaf jobs (schedulers are counted by their members). */
function countJobs(jobs: readonly ReportJob[]): RunCounts {
  const counts = zeroCounts();
  for (const job of jobs) {
    if (job.plan.kind !== 'job') continue;
    counts.total++;
    if (job.state === 'running' || job.state === 'not-run') counts.notRun++;
    else counts[job.state]++;
  }
  return counts;
}

/**
 * Marks the units of the chain of requirements that ended last: the unit that ended last, its requirement
 * that ended last, and so on (jobs that never started are not on it).
 */
function markCriticalPath(units: readonly ReportJob[], byKey: ReadonlyMap<string, ReportJob>): void {
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
}

/** The report's view of a run directory. @category running */
export function buildModel(loaded: LoadedRun): ReportModel {
  const jobs: ReportJob[] = loaded.plan.map((plan, index) => ({
    index,
    plan,
    state: 'not-run',
    exits: [],
    captures: [],
    critical: false,
    members: [],
  }));
  const byKey = new Map(jobs.map((j) => [j.plan.key, j]));
  for (const job of jobs) {
    const parent = job.plan.parent === undefined ? undefined : byKey.get(job.plan.parent);
    parent?.members.push(job.index);
  }
  let start = Infinity;
  let end = -Infinity;
  let final: EventRecord | undefined;
  for (const e of loaded.events) {
    const ts = time(e['ts']);
    if (ts !== undefined) {
      start = Math.min(start, ts);
      end = Math.max(end, ts);
    }
    if (e.type === 'end' && 'outcome' in e) final = e;
    const key = e['key'];
    const job = typeof key === 'string' ? byKey.get(key) : undefined;
    if (job !== undefined) apply(job, e, ts);
  }
  const { run } = loaded;
  for (const t of [time(run.started), time(run.ended)])
    if (t !== undefined) {
      start = Math.min(start, t);
      end = Math.max(end, t);
    }
  if (start > end) start = end = 0;
  const unfinished = run.ended === undefined && final === undefined;
  const interrupted = unfinished || run.outcome === 'interrupted';
  markToleratedWithin(jobs, byKey);
  const units = jobs.filter((j) => (j.plan.parent === undefined ? true : !isInScheduler(j, byKey)));
  markCriticalPath(units, byKey);
  for (const unit of units) {
    if (!unit.critical || unit.members.length === 0) continue;
    const last = lastMember(unit, jobs);
    if (last !== undefined) last.critical = true;
  }
  const outcome = unfinished ? 'interrupted' : (run.outcome ?? (text(final?.['outcome']) || 'unknown'));
  const why = run.why ?? (typeof final?.['why'] === 'string' ? final['why'] : undefined);
  return { loaded, jobs, units, start, end, outcome, interrupted, unfinished, why, counts: countJobs(jobs) };
}

/**
 * A failed job inside a scheduler that failed but was tolerated (a matrix instance under its matrix's
 * maxFailures) was tolerated with it.
 */
function markToleratedWithin(jobs: readonly ReportJob[], byKey: ReadonlyMap<string, ReportJob>): void {
  for (const job of jobs) {
    if (job.state !== 'failed') continue;
    const seen = new Set<ReportJob>();
    for (let up = byKey.get(job.plan.parent ?? ''); up !== undefined && !seen.has(up);) {
      seen.add(up);
      if (up.state === 'tolerated') {
        job.state = 'tolerated';
        break;
      }
      up = byKey.get(up.plan.parent ?? '');
    }
  }
}

/** Whether a job is a member of a scheduler of the plan (then the scheduler stands for it in the graph). */
const isInScheduler = (job: ReportJob, byKey: ReadonlyMap<string, ReportJob>): boolean =>
  job.plan.parent !== undefined && byKey.has(job.plan.parent);

/** The leaf member of a scheduler that ended last (its slowest host), through nested schedulers. */
function lastMember(unit: ReportJob, jobs: readonly ReportJob[]): ReportJob | undefined {
  let best: ReportJob | undefined;
  const visit = (j: ReportJob): void => {
    for (const i of j.members) {
      const m = jobs[i];
      if (m === undefined) continue;
      if (m.members.length > 0) visit(m);
      else if (m.ended !== undefined && (best?.ended === undefined || m.ended > best.ended)) best = m;
    }
  };
  visit(unit);
  return best;
}
