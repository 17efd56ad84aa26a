/**
 * Resuming a recorded run: which jobs of a scheduler a previous run completed, unchanged, so that a new run
 * restores them rather than running them again (`run({ restore })`).
 * @module
 */
import type { Job } from '../core/job.js';
import type { JobGroup } from '../core/model.js';
import { exitEvent } from '../nodes/command-event.js';
import { SshJob } from '../ssh-job/ssh-job.js';
import { planOf } from './plan.js';
import type { PlanOptions } from './plan.js';
import { RecordError } from './record-error.js';
import type { PlannedJob, RunRecord } from './types.js';

/**
 * A job that runs again, and why in words: `failed`, `changed: commands`, `requires "a", which runs again`, or
 * the reason of the enclosing scheduler that makes it run, named: `"pairs" requires "prepare", which runs
 * again`.
 */
export interface RerunJob {
  readonly key: string;
  readonly why: string;
  /** Present (and true) for a `forever` job: it runs again only along with others (a service, a monitor). */
  readonly forever?: true;
  /** The key of the outermost folded scheduler (a GroupJob, a MatrixJob) it is a member of, at any depth. */
  readonly group?: string;
  /** When the reason is an enclosing scheduler's: that scheduler's key, and its reason (without its name). */
  readonly via?: { readonly key: string; readonly why: string };
}

/**
 * What a resumed run does: give `restore` to `run()` or `orchestrate()` (with `record` for a record of
 * its own).
 * @category models
 */
export interface ResumePlan {
  /** The run directory resumed. */
  readonly from: string;
  /** The jobs that completed in that run and did not change, nor did what they require: not run again. */
  readonly restore: ReadonlyMap<Job, unknown>;
  /** Their keys, depth first (a nested scheduler's members where it stands, as a listing shows them). */
  readonly restored: readonly string[];
  /** The plain jobs that run (nested schedulers run whenever a member does), depth first. */
  readonly rerun: readonly RerunJob[];
  /**
   * The values the restored jobs captured (a scenario's `capture`), in the order of the record, each with the
   * job that captured it and its key: restore each into that job's variables (a group member's, a matrix
   * instance's, or the global ones), so that a job run again reads what it read in the run resumed.
   */
  readonly captures: readonly RestoredCapture[];
}

/** A value a restored job captured in the run resumed. @category models */
export interface RestoredCapture {
  /** The key of the job that captured it. */
  readonly key: string;
  /** That job, in the scheduler resumed. */
  readonly job: Job;
  readonly name: string;
  readonly value: string;
}

/** How a job of the recorded run ended: `done` with its value, or the last other event. */
interface Outcome {
  readonly status: string;
  /** The `done` record's value (a JSON primitive), when it carries one. */
  readonly value?: unknown;
  /** The last exit record of the job before its end (an SshJob's last command). */
  readonly exit?: { readonly code: number | null; readonly signal: string | null; readonly command: string };
}

/** How each job of the recorded run ended, by key. */
function outcomesOf(record: RunRecord): Map<string, Outcome> {
  const outcomes = new Map<string, Outcome>();
  const exits = new Map<string, NonNullable<Outcome['exit']>>();
  for (const r of record.events) {
    if (!('key' in r) || typeof r.key !== 'string') continue;
    if (r.type === 'exit' && 'code' in r)
      exits.set(r.key, { code: r.code, signal: r.signal, command: r.command });
    else if (r.type === 'done') {
      const exit = exits.get(r.key);
      outcomes.set(r.key, {
        status: 'done',
        ...('value' in r ? { value: r.value } : {}),
        ...(exit === undefined ? {} : { exit }),
      });
    } else if (r.type === 'failed' || r.type === 'cancelled' || r.type === 'skipped')
      outcomes.set(r.key, { status: r.type });
    else if (r.type === 'started') {
      outcomes.set(r.key, { status: 'started' });
      exits.delete(r.key); // a retry: the exits of the attempt before are not its
    }
  }
  return outcomes;
}

/**
 * The value a restored job is done with: for an SshJob, its last command's exit as recorded (its value is its
 * last command event, which `result()` reads the exit code of); for another job, the recorded value (a JSON
 * primitive), if any.
 */
function restoredValue(job: Job, outcome: Outcome | undefined): unknown {
  const exit = outcome?.exit;
  if (job instanceof SshJob && exit !== undefined)
    return exitEvent(job.node, exit.code, exit.signal, exit.command);
  return outcome?.value;
}

/** What differs between two entries of the same key, in words: `commands`, `node`, `requires`... */
function changes(was: PlannedJob, now: PlannedJob): string {
  const fields: (keyof PlannedJob)[] = [
    'kind',
    'node',
    'address',
    'commands',
    'requires',
    'runIf',
    'critical',
    'forever',
  ];
  const differ = fields.filter((f) => JSON.stringify(was[f] ?? null) !== JSON.stringify(now[f] ?? null));
  return differ.length === 0 ? 'its definition' : differ.join(', ');
}

const STATUS_WORDS: Readonly<Record<string, string>> = {
  failed: 'failed',
  cancelled: 'was cancelled',
  skipped: 'was skipped',
  started: 'did not finish',
};

/**
 * Which jobs of `scheduler` the run recorded in `record` completed, unchanged: each is restored when its
 * entry (same key) has the same fingerprint (label, node, commands, requirements, runIf, critical, forever),
 * it ended `done` in that run (restored there counts), and everything it waits for is restored too (its
 * requirements, those of the schedulers it is nested in, every member of a scheduler it requires). All
 * other jobs run: what did not succeed, what changed, what is new, and what depends on any of those.
 * `options.names`: as when the run was recorded (`rxjobs run` keys its top-level jobs by scenario id).
 * @throws {RecordError} when the record cannot be resumed by this scheduler: it shares no job with it.
 * @category running
 */
export function resumePlan(scheduler: JobGroup, record: RunRecord, options: PlanOptions = {}): ResumePlan {
  const { jobs, keys } = planOf(scheduler, options);
  const before = new Map(record.plan.map((p) => [p.key, p]));
  if (record.plan.length > 0 && !jobs.some((p) => before.has(p.key)))
    throw new RecordError(
      record.dir,
      `none of its ${String(record.plan.length)} jobs is a job of this run (they are ${sample(record.plan)}; ` +
        `this run has ${sample(jobs)}): resume the run directory of the same scenario or program`,
    );
  const outcomes = outcomesOf(record);
  const byKey = new Map(jobs.map((p) => [p.key, p]));
  const children = new Map<string, PlannedJob[]>();
  for (const p of jobs)
    if (p.parent !== undefined) (children.get(p.parent) ?? children.set(p.parent, []).get(p.parent))?.push(p);
  // why each key runs again ('' when it is restored, or for a scheduler: when all of it is)
  const verdicts = new Map<string, string>();
  const visiting = new Set<string>();

  /** Why the job of `key` must run ('' if it need not), its dependencies first. */
  const verdict = (key: string): string => {
    const known = verdicts.get(key);
    if (known !== undefined) return known;
    if (visiting.has(key)) return 'its requirements form a cycle';
    visiting.add(key);
    const why = judge(byKey.get(key) as PlannedJob);
    visiting.delete(key);
    verdicts.set(key, why);
    return why;
  };
  /** Why `p`'s own requirements make it run ('' if none does). */
  const requirements = (p: PlannedJob): string => {
    for (const r of p.requires) {
      if (!byKey.has(r)) return `requires "${r}", which is not in this run`;
      if (verdict(r) !== '') return `requires "${r}", which runs again`;
    }
    return '';
  };
  /** The nearest scheduler `p` is nested in that has a reason of its own to run again, and that reason. */
  const enclosing = (p: PlannedJob): { key: string; why: string } | undefined => {
    for (let parent = p.parent; parent !== undefined;) {
      const scheduler = byKey.get(parent) as PlannedJob;
      const why = ownChange(scheduler) || requirements(scheduler);
      if (why !== '') return { key: scheduler.key, why };
      parent = scheduler.parent;
    }
    return undefined;
  };
  /** Why what `p` waits for (its requirements, its enclosing schedulers') makes it run ('' if nothing). */
  const waits = (p: PlannedJob): string => {
    const own = requirements(p);
    if (own !== '') return own;
    const via = enclosing(p);
    return via === undefined ? '' : `"${via.key}" ${via.why === 'new' ? 'is new' : via.why}`;
  };
  /** The key of the outermost folded scheduler (group, matrix) that `p` is nested in. */
  const groupOf = (p: PlannedJob): string | undefined => {
    let group: string | undefined;
    for (let parent = p.parent; parent !== undefined;) {
      const scheduler = byKey.get(parent) as PlannedJob;
      if (scheduler.kind === 'group' || scheduler.kind === 'matrix') group = scheduler.key;
      parent = scheduler.parent;
    }
    return group;
  };
  /** Why `p` itself differs from the record ('' if it does not). */
  const ownChange = (p: PlannedJob): string => {
    const was = before.get(p.key);
    if (was === undefined) return 'new';
    return was.fingerprint === p.fingerprint ? '' : `changed: ${changes(was, p)}`;
  };
  const judge = (p: PlannedJob): string => {
    const own = ownChange(p) || waits(p);
    if (own !== '') return own;
    if (p.kind !== 'job') {
      const rerun = (children.get(p.key) ?? []).find((c) => verdict(c.key) !== '');
      return rerun === undefined ? '' : `member "${rerun.key}" runs again`;
    }
    const outcome = outcomes.get(p.key);
    if (outcome === undefined) return 'did not run';
    return outcome.status === 'done' ? '' : (STATUS_WORDS[outcome.status] ?? outcome.status);
  };

  const restore = new Map<Job, unknown>();
  const restored: string[] = [];
  const rerun: RerunJob[] = [];
  const jobOf = new Map([...keys].map(([job, key]) => [key, job]));
  // depth first, as a listing shows them: a nested scheduler's members right after it
  const ordered: PlannedJob[] = [];
  const place = (p: PlannedJob): void => {
    ordered.push(p);
    for (const c of children.get(p.key) ?? []) place(c);
  };
  for (const p of jobs) if (p.parent === undefined) place(p);
  for (const p of ordered) {
    if (p.kind !== 'job') continue;
    const why = verdict(p.key);
    if (why !== '') {
      const group = groupOf(p);
      const via = ownChange(p) === '' && requirements(p) === '' ? enclosing(p) : undefined;
      rerun.push({
        key: p.key,
        why,
        ...(p.forever ? { forever: true as const } : {}),
        ...(group === undefined ? {} : { group }),
        ...(via === undefined ? {} : { via }),
      });
    } else {
      const job = jobOf.get(p.key) as Job;
      restore.set(job, restoredValue(job, outcomes.get(p.key)));
      restored.push(p.key);
    }
  }
  const kept = new Set(restored);
  const captures: RestoredCapture[] = [];
  for (const r of record.events)
    if (r.type === 'capture' && 'name' in r && kept.has(r.key))
      captures.push({ key: r.key, job: jobOf.get(r.key) as Job, name: r.name, value: r.value });
  return { from: record.dir, restore, restored, rerun, captures };
}

/** A few keys, for a message: `"a", "b", "c" and 7 more`. */
function sample(plan: readonly PlannedJob[]): string {
  const shown = plan.slice(0, 3).map((p) => JSON.stringify(p.key));
  const more = plan.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${String(more)} more` : shown.join(', ') || 'none';
}
