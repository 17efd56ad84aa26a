// `rxjobs report RUNDIR`: the command line, the help text, and the run (the report itself is lib/report/,
// imported once there is something to do); and `--report` of `rxjobs run`: the report at the end of a run.
import { resolve } from 'node:path';

import type { Io } from './cli-main.js';
import type { OptionTable } from './argv.js';
import { parseStrict, stringOption, UsageError } from './argv.js';

/** The usage text of `rxjobs report` (`rxjobs report --help`). */
export const REPORT_HELP = `Usage: rxjobs report [options] RUNDIR   write the HTML report of a recorded run

RUNDIR is a run directory, as rxjobs run records one (its place is printed at the end of the run). The
report is one HTML file that needs nothing else (no network, opens from disk, works offline): the outcome,
duration, counts and failures first; the dependency graph coloured by state, a job on a group or a matrix
folded into one node with its counts; a timeline with one bar per job and per host, the critical path
outlined; each job's commands, exit codes, duration, error and output (a long output cut to its first and
last 200 lines, with a link to its file in RUNDIR/outputs/). A run that was interrupted or whose journal
is cut short still gets a report, which says so.

Options:
  -o, --output FILE      the file to write (default: RUNDIR/report.html)
  -h, --help             this help
  -V, --version          the version

rxjobs run --report writes the same report at the end of a run, into its run directory.
Exit status: 0 once written, 2 when RUNDIR is not a run directory or a bad command line.`;

const OPTIONS: OptionTable = {
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};

/** `rxjobs report` checked. */
export interface RxjobsReportArgs {
  readonly mode: 'report';
  readonly dir: string;
  readonly output: string | undefined;
}

/** Reads `rxjobs report`'s command line (after `report`); throws a UsageError for a bad one. */
export function parseReportArgs(
  argv: readonly string[],
): RxjobsReportArgs | { readonly mode: 'help' } | { readonly mode: 'version' } {
  const { values, positionals } = parseStrict(argv, OPTIONS, true);
  if (values['help'] === true) return { mode: 'help' };
  if (values['version'] === true) return { mode: 'version' };
  const [dir, ...more] = positionals;
  if (dir === undefined) throw new UsageError('no run directory given: rxjobs report RUNDIR');
  if (more.length > 0)
    throw new UsageError(
      `one run directory at a time, got ${String(positionals.length)}: ${positionals.join(' ')}`,
    );
  return { mode: 'report', dir, output: stringOption(values['output']) };
}

/** Writes the report; says where on stdout. */
export async function runReport(args: RxjobsReportArgs, io: Io): Promise<number> {
  const { writeReport } = await import('../report/write-report.js');
  const written = await writeReport(resolve(io.cwd, args.dir), {
    output: args.output === undefined ? undefined : resolve(io.cwd, args.output),
  });
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
    io.stderr.write(`rxjobs: --report: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}
