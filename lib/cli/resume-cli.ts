// `--resume` of both CLIs: the run record to resume (a directory given, or the latest of the scenario), what
// the new run restores from it, and the lines that say so on stderr.
import { join, resolve } from 'node:path';

import type { Job } from '../core/job.js';
import { isJobsError } from '../errors/jobs-error.js';
import { latestRun, readRun } from '../record/read.js';
import { resumePlan } from '../record/resume.js';
import type { ResumePlan } from '../record/resume.js';
import { recordRoot } from '../record/run-dir.js';
import type { RunRecord } from '../record/types.js';
import type { Scheduler } from '../scheduler.js';
import { UsageError } from './argv.js';
import type { Io } from './cli-main.js';

/** What `--resume` asks for: `true` (rxjobs run: the latest run of the scenario) or a run directory. */
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
    record =
      ctx.resume === true ? await latestRun(root, ctx.slug) : await readRun(resolve(io.cwd, ctx.resume));
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
  if (!quiet) ctx.io.stderr.write(resumeText(ctx.program, plan));
  return plan;
}

/** How many of what, in words: `1 job`, `3 hosts`. */
const count = (n: number, program: 'rxjobs' | 'rxssh'): string =>
  `${String(n)} ${program === 'rxssh' ? 'host' : 'job'}${n === 1 ? '' : 's'}`;

/** The lines that say what a resumed run does (at most 20 jobs listed, then how many more). */
export function resumeText(program: 'rxjobs' | 'rxssh', plan: ResumePlan): string {
  const lines = [
    `${program}: resuming ${plan.from}: ${count(plan.restored.length, program)} done there, not run again; ` +
      `${count(plan.rerun.length, program)} to run:`,
  ];
  const shown = plan.rerun.slice(0, 20);
  for (const { key, why } of shown) lines.push(`  ${key}  ${why}`);
  if (plan.rerun.length > shown.length)
    lines.push(`  … and ${String(plan.rerun.length - shown.length)} more`);
  return `${lines.join('\n')}\n`;
}
