// `--resume` of both CLIs: the run record to resume (a directory given, or the latest of the scenario), what
// the new run restores from it, and the lines that say so on stderr.
import { join } from 'node:path';

import type { Job } from '../core/job.js';
import { isJobsError } from '../errors/jobs-error.js';
import { foldHosts } from '../hosts/host-ranges.js';
import { findRun } from '../record/find-run.js';
import { latestRun } from '../record/read.js';
import { resumePlan } from '../record/resume.js';
import type { ResumePlan } from '../record/resume.js';
import { recordRoot } from '../record/run-dir.js';
import type { RunRecord } from '../record/types.js';
import type { Scheduler } from '../scheduler.js';
import { UsageError } from './argv.js';
import type { Io } from './cli-main.js';

/**
 * What `--resume` asks for: `true` (rxjobs run: the latest run of the scenario), a run directory, or a folder
 * of runs (its latest run).
 */
export type ResumeArg = true | string;

/** Where to find the record to resume, and what the new run is. */
export interface ResumeContext {
  readonly program: 'rxjobs' | 'rxssh';
  readonly resume: ResumeArg;
  /** `--record-dir`: where the latest run is looked for. */
  readonly recordDir: string | undefined;
  /** The slug of the scenario's runs (rxjobs). */
  readonly slug: string;
  readonly io: Io;
  /** The names that key the top-level jobs (a scenario's ids). */
  readonly names?: ReadonlyMap<Job, string> | undefined;
}

/** Reads the record `--resume` names: a UsageError (one line, exit 2) when there is none or it is bad. */
export async function recordToResume(ctx: ResumeContext): Promise<RunRecord> {
  const { io, program } = ctx;
  let record: RunRecord;
  const root = recordRoot(ctx.recordDir, process.env, io.cwd);
  try {
    // a run directory, or a folder of runs (a scenario's: its latest run)
    record =
      ctx.resume === true
        ? await latestRun(root, ctx.slug)
        : await findRun(ctx.resume, { root, cwd: io.cwd });
  } catch (e: unknown) {
    if (!isJobsError(e, 'record')) throw e;
    if (ctx.resume === true && e.file === join(root, ctx.slug))
      throw new UsageError(
        `--resume: no run of this scenario is recorded under ${root}: run it once first (or give a run directory: --resume DIR)`,
      );
    throw new UsageError(`--resume: ${e.message}`);
  }
  if (record.run.program !== program)
    throw new UsageError(
      `--resume: ${record.dir} records a run of ${record.run.program}, not of ${program}: give a run directory of ${program}`,
    );
  return record;
}

/**
 * What the new run restores from `record`, said on stderr (unless `quiet`): where from, how many jobs are not
 * run again, and each job that runs again with why. A UsageError when the record shares no job with the run.
 */
export function planResume(
  scheduler: Scheduler,
  record: RunRecord,
  ctx: ResumeContext,
  quiet: boolean,
): ResumePlan {
  let plan: ResumePlan;
  try {
    plan = resumePlan(scheduler, record, { names: ctx.names });
  } catch (e: unknown) {
    if (!isJobsError(e, 'record')) throw e;
    throw new UsageError(`--resume: ${e.message}`);
  }
  if (!quiet) ctx.io.stderr.write(resumeText(ctx.program, plan) + cutNote(ctx.program, record, plan));
  return plan;
}

/**
 * A line saying what of the resumed run's record was cut (a full disk), or nothing: a cut journal decides what
 * runs again; cut outputs only what its report shows (said when something runs again).
 */
export function cutNote(program: 'rxjobs' | 'rxssh', record: RunRecord, plan: ResumePlan): string {
  const { outputs, events } = record.run.recordIncomplete ?? {};
  if (events !== undefined)
    return `${program}: its journal was cut at ${events.at} (${events.reason}): what ended after that runs again\n`;
  if (outputs !== undefined && !nothingToRun(plan))
    return `${program}: its outputs were cut at ${outputs.at} (${outputs.reason}); its journal is whole\n`;
  return '';
}

/** How many of what, in words: `1 job`, `3 hosts`. */
const count = (n: number, program: 'rxjobs' | 'rxssh'): string =>
  `${String(n)} ${program === 'rxssh' ? 'host' : 'job'}${n === 1 ? '' : 's'}`;

/** Whether a resumed run has nothing to run: every job is restored, but for `forever` ones (a monitor). */
export const nothingToRun = (plan: ResumePlan): boolean => plan.rerun.every((r) => r.forever === true);

/** One line of what runs again: the jobs it names (`collect ×5`, `127.0.0.[2-4]`, a key), and why. */
interface RerunLine {
  readonly keys: string[];
  /** The folded scheduler its jobs are members of. */
  readonly group: string | undefined;
  readonly why: string;
}

/**
 * The jobs that run again, folded: the members of a group or matrix that run again for the same reason make
 * one line (`collect ×5  requires "pairs", which runs again`: the group's own reason, said once), a single one
 * is named; rxssh's hosts that run again for the same reason make one line (`127.0.0.[2-201]  changed:
 * commands`). In the order of the plan (depth first), of the first job of each line.
 */
function rerunLines(program: 'rxjobs' | 'rxssh', plan: ResumePlan): RerunLine[] {
  const lines = new Map<string, RerunLine>();
  for (const r of plan.rerun) {
    // the group's own reason, without its name, when it is what makes its members run
    const why = r.group !== undefined && r.via?.key === r.group ? r.via.why : r.why;
    const fold = r.group !== undefined || program === 'rxssh';
    const id = fold ? JSON.stringify([r.group ?? '', why]) : JSON.stringify([r.key]);
    const line = lines.get(id);
    if (line === undefined) lines.set(id, { keys: [r.key], group: r.group, why });
    else line.keys.push(r.key);
  }
  return [...lines.values()];
}

/** What a line of {@link rerunLines} names. */
const named = ({ keys, group }: RerunLine): string =>
  keys.length === 1
    ? (keys[0] as string)
    : group === undefined
      ? foldHosts(keys)
      : `${group} ×${String(keys.length)}`;

/**
 * What a resumed run does, in words: where from, how many jobs are not run again, and each that runs again
 * with why (folded, at most 20 lines, then how many more); or, when none is to run, only that.
 */
export function resumeText(program: 'rxjobs' | 'rxssh', plan: ResumePlan): string {
  if (nothingToRun(plan))
    return `${program}: every ${program === 'rxssh' ? 'host' : 'job'} succeeded in ${plan.from}: nothing to run\n`;
  const lines = [
    `${program}: resuming ${plan.from}: ${count(plan.restored.length, program)} done there, not run again; ` +
      `${count(plan.rerun.length, program)} to run:`,
  ];
  const all = rerunLines(program, plan);
  const shown = all.slice(0, 20);
  for (const line of shown) lines.push(`  ${named(line)}  ${line.why}`);
  if (all.length > shown.length) {
    const more = all.slice(shown.length).reduce((n, line) => n + line.keys.length, 0);
    lines.push(`  … and ${count(more, program)} more`);
  }
  return `${lines.join('\n')}\n`;
}
