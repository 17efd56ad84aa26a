// `rxjobs report RUNDIR`: the command line, the help text, and the run (the report itself is lib/report/,
// imported once there is something to do); and `--report` of `rxjobs run`: the report at the end of a run.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { isJobsError } from '../errors/jobs-error.js';

import type { Io } from './cli-main.js';
import type { OptionTable } from './argv.js';
import { parseStrict, stringOption, UsageError } from './argv.js';

/** The usage text of `rxjobs report` (`rxjobs report --help`). */
export const REPORT_HELP = `Usage: rxjobs report [options] RUN   write the HTML report of a recorded run

RUN is a run directory, as rxjobs run records one (its place is printed at the end of the run); or a
scenario's folder of runs, or the scenario file itself (x.yaml, .yml, .j2): then its latest run. The
report is one HTML file that needs nothing else (no network, opens from disk, works offline): the outcome,
duration, counts and failures first; the dependency graph coloured by state, a job on a group or a matrix
folded into one node with its counts; a timeline with one bar per job and per host, the critical path
outlined; each job's commands, exit codes, duration, error and output (a long output cut to its first and
last 200 lines and 64 KiB at each end, with a link to its file in outputs/). A resumed run links to the
run it resumed for the jobs restored from it. A run that was interrupted or whose journal is cut short
still gets a report, which says so.

Options:
  -o, --output FILE      the file to write (default: report.html in the run directory)
      --record-dir DIR   where the runs of a scenario file are (default: where rxjobs run records them)
  -h, --help             this help
  -V, --version          the version

rxjobs run --report writes the same report at the end of a run, into its run directory.
Exit status: 0 once written, 2 when RUN names no recorded run, the report cannot be written, or a bad
command line.`;

const OPTIONS: OptionTable = {
  output: { type: 'string', short: 'o' },
  'record-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};

/** `rxjobs report` checked. */
export interface RxjobsReportArgs {
  readonly mode: 'report';
  /** A run directory, a scenario's folder of runs, or a scenario file. */
  readonly dir: string;
  readonly output: string | undefined;
  readonly recordDir: string | undefined;
}

/** Reads `rxjobs report`'s command line (after `report`); throws a UsageError for a bad one. */
export function parseReportArgs(
  argv: readonly string[],
): RxjobsReportArgs | { readonly mode: 'help' } | { readonly mode: 'version' } {
  const { values, positionals } = parseStrict(argv, OPTIONS, true);
  if (values['help'] === true) return { mode: 'help' };
  if (values['version'] === true) return { mode: 'version' };
  const [dir, ...more] = positionals;
  if (dir === undefined)
    throw new UsageError('no run given: rxjobs report RUN (a run directory, or a scenario file)');
  if (more.length > 0)
    throw new UsageError(`one run at a time, got ${String(positionals.length)}: ${positionals.join(' ')}`);
  const recordDir = stringOption(values['record-dir']);
  if (recordDir === '') throw new UsageError('--record-dir expects a directory, got an empty string');
  return { mode: 'report', dir, output: stringOption(values['output']), recordDir };
}

/**
 * The run directory `given` names: itself when it holds a file of a run (even a partial one: the report says
 * what is missing), else what `findRun` finds (a scenario's folder or file: its latest run).
 */
async function runDirOf(args: RxjobsReportArgs, io: Io): Promise<string> {
  const dir = resolve(io.cwd, args.dir);
  if (['run.json', 'plan.json', 'events.jsonl'].some((f) => existsSync(join(dir, f)))) return dir;
  const { findRun } = await import('../record/find-run.js');
  const { recordRoot } = await import('../record/run-dir.js');
  try {
    return (await findRun(dir, { root: recordRoot(args.recordDir, process.env, io.cwd) })).dir;
  } catch (e: unknown) {
    if (isJobsError(e, 'record')) throw new UsageError(e.message);
    throw e;
  }
}

/** A report that cannot be written where it goes by default: say where else it can go. */
const writeElsewhere = (e: unknown, hint: string): unknown =>
  isJobsError(e, 'config') && e.field === 'cannot be written:' ? new UsageError(`${e.message}: ${hint}`) : e;

/** Writes the report; says where on stdout. */
export async function runReport(args: RxjobsReportArgs, io: Io): Promise<number> {
  const { writeReport } = await import('../report/write-report.js');
  const dir = await runDirOf(args, io);
  let written: string;
  try {
    written = await writeReport(dir, {
      output: args.output === undefined ? undefined : resolve(io.cwd, args.output),
    });
  } catch (e: unknown) {
    throw args.output === undefined ? writeElsewhere(e, 'write it elsewhere with -o FILE') : e;
  }
  io.stdout.write(`report in ${written}\n`);
  return 0;
}

/** The option of `rxjobs run` that asks for the report at the end (for its option table). */
export const REPORT_RUN_OPTION: OptionTable = { report: { type: 'boolean' } };

/** `--report` of `rxjobs run`, checked: it needs a run that is recorded. */
export function reportOption(values: Readonly<Record<string, unknown>>): boolean {
  if (values['report'] !== true) return false;
  if (values['no-record'] === true) throw new UsageError('--report needs the run record: drop --no-record');
  if (values['dry-run'] === true || values['graph'] !== undefined)
    throw new UsageError('--report goes with a run, not with --dry-run or --graph');
  return true;
}

/**
 * `--report` at the end of `rxjobs run` (a no-op without it): writes the report of the run recorded in
 * `runDir` (undefined when the record could not be made: then says there is none) and says where, on
 * stderr. A report that cannot be written is a line on stderr, never a change of the run's exit status.
 */
export async function reportAfterRun(
  args: object, // rxjobs run's checked options: their `report` field (see reportOption)
  runDir: string | undefined,
  io: Pick<Io, 'stderr'>,
): Promise<void> {
  if (!('report' in args) || args.report !== true) return;
  if (runDir === undefined) {
    io.stderr.write('rxjobs: --report: no report, the run was not recorded\n');
    return;
  }
  try {
    const { writeReport } = await import('../report/write-report.js');
    io.stderr.write(`rxjobs: report in ${await writeReport(runDir)}\n`);
  } catch (e: unknown) {
    const told = writeElsewhere(e, `write it elsewhere: rxjobs report ${runDir} -o FILE`);
    io.stderr.write(`rxjobs: --report: ${told instanceof Error ? told.message : String(told)}\n`);
  }
}
