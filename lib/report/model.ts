/**
 * What a report shows, computed from a run directory: each job's final state, times, exits and error; the
 * units of the graph (jobs, and folded schedulers with their counts); the critical path; the summary.
 * @module
 */
import type { RunCounts } from '../record/types.js';
import type { EventRecord, LoadedRun } from './load-run.js';
import type { ReportJob } from './report-job.js';
import { culpritOf, markCriticalPath, markRestoredSchedulers, markToleratedWithin } from './tree.js';

export type { ReportExit, ReportJob, ReportState } from './report-job.js';

/** How many leaf jobs ended how: `running` ones started and never ended (an interrupted run). @category models */
export type ReportCounts = Omit<RunCounts, 'notRun'> & {
  readonly restored: number;
  readonly running: number;
  readonly notRun: number;
};

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
  readonly counts: ReportCounts;
  /** What a job is called: `host` for an rxssh run, else `job`. */
  readonly noun: 'job' | 'host';
  /** Some job requires another: else there is no graph to draw and no critical path. */
  readonly requirements: boolean;
  /** The top scheduler's label, as the journal names it (its events' `scheduler`). */
  readonly label: string | undefined;
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
      if (e['restored'] === true) {
        job.state = 'restored';
        job.note = 'restored: done in the run this one resumed, not run again';
        return;
      }
      job.state = 'done';
      job.ended = ts;
      return;
    case 'failed':
      job.state = e['tolerated'] === true ? 'tolerated' : 'failed';
      job.ended = ts;
      job.error = errorOf(e['error']);
      job.failedCritical = e['critical'] === true;
      if (typeof e['attempts'] === 'number') job.attempts = e['attempts'];
      return;
    case 'cancelled':
      job.state = 'cancelled';
      job.ended = ts;
      job.cancelReason = text(e['reason']);
      job.note = CANCELLED[job.cancelReason] ?? `cancelled: ${job.cancelReason}`;
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

/** Why a job was cancelled, in words, by the journal's `reason` (`critical`: see `culpritOf`). */
const CANCELLED: Readonly<Record<string, string>> = {
  critical: 'cancelled: a critical job failed',
  timeout: 'cancelled: the run timed out',
  forever: 'cancelled: a forever job, stopped at the end of the run',
  parent: 'cancelled: its scheduler stopped',
  aborted: 'cancelled: the run was aborted',
};

const zeroCounts = (): Record<keyof ReportCounts, number> => ({
  total: 0,
  done: 0,
  restored: 0,
  running: 0,
  failed: 0,
  tolerated: 0,
  skipped: 0,
  cancelled: 0,
  notRun: 0,
});

/** The counts of the leaf jobs (schedulers are counted by their members). */
function countJobs(jobs: readonly ReportJob[]): ReportCounts {
  const counts = zeroCounts();
  for (const job of jobs) {
    if (job.plan.kind !== 'job') continue;
    counts.total++;
    counts[job.state === 'not-run' ? 'notRun' : job.state]++;
  }
  return counts;
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
  markRestoredSchedulers(jobs);
  for (const job of jobs)
    if (job.state === 'cancelled' && job.cancelReason === 'critical') {
      const culprit = culpritOf(job, jobs, byKey);
      if (culprit !== undefined) job.note = `cancelled: ${culprit.plan.key} failed (critical)`;
    }
  const units = jobs.filter((j) => (j.plan.parent === undefined ? true : !isInScheduler(j, byKey)));
  const requirements = jobs.some((j) => j.plan.requires.length > 0);
  if (requirements) markCriticalPath(units, jobs, byKey);
  const outcome = unfinished ? 'interrupted' : (run.outcome ?? (text(final?.['outcome']) || 'unknown'));
  const why = run.why ?? (typeof final?.['why'] === 'string' ? final['why'] : undefined);
  return {
    loaded,
    jobs,
    units,
    start,
    end,
    outcome,
    interrupted,
    unfinished,
    why,
    counts: countJobs(jobs),
    noun: run.program === 'rxssh' ? 'host' : 'job',
    requirements,
    label: topLabel(loaded.events, byKey),
  };
}

/** Whether a job is a member of a scheduler of the plan (then the scheduler stands for it in the graph). */
const isInScheduler = (job: ReportJob, byKey: ReadonlyMap<string, ReportJob>): boolean =>
  job.plan.parent !== undefined && byKey.has(job.plan.parent);

/** The top scheduler's label: the `scheduler` of the events of a job of the top level. */
function topLabel(events: readonly EventRecord[], byKey: ReadonlyMap<string, ReportJob>): string | undefined {
  for (const e of events) {
    const job = typeof e['key'] === 'string' ? byKey.get(e['key']) : undefined;
    if (job !== undefined && job.plan.parent === undefined && typeof e['scheduler'] === 'string')
      return e['scheduler'];
  }
  return undefined;
}
