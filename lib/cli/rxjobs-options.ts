// rxjobs's command line: the option table, the help text and the checked options. Loads nothing heavy.
import type { OptionTable } from './argv.js';
import { checkOutDirHabit } from './habits.js';
import { RECORD_OPTIONS, recordOptions } from './record-options.js';
import type { RecordArgs } from './record-options.js';
import { REPORT_RUN_OPTION, reportOption } from './rxjobs-report.js';
import {
  COMMON_OPTIONS,
  filesOptions,
  listOption,
  numberOption,
  OUTPUT_OPTIONS,
  parseStrict,
  SSH_DEFAULT_OPTIONS,
  stringOption,
  UsageError,
} from './argv.js';

const RUN: OptionTable = {
  ...SSH_DEFAULT_OPTIONS,
  ...OUTPUT_OPTIONS,
  ...COMMON_OPTIONS,
  unfold: { type: 'boolean' },
  graph: { type: 'string' },
  'graph-output': { type: 'string' },
  var: { type: 'string', multiple: true },
  vars: { type: 'string', multiple: true },
  'save-rendered': { type: 'string' },
  resume: { type: 'string' },
  ...RECORD_OPTIONS,
  'no-live': { type: 'boolean' },
  ...REPORT_RUN_OPTION,
};

/** `--save-rendered` alone (its file is optional) as `--save-rendered=`, which the option table reads. */
const SAVE_RENDERED = '--save-rendered';

/** A scenario file's name (`x.yaml`, `x.yml`, `x.yaml.j2`): never a run directory. */
const SCENARIO_NAME = /\.(ya?ml|j2)$/;

/**
 * `--resume` alone (the latest run of the scenario) as `--resume=`, and `--resume DIR` as `--resume=DIR`: the
 * word after it is a run directory unless it is the scenario (a `.yaml`, `.yml` or `.j2` file, or `-`).
 */
const resumeWords = (argv: readonly string[]): { words: string[]; fileAfter: string | undefined } => {
  const words: string[] = [];
  // a scenario file's name after --resume: the scenario, or (with another scenario) a file given for a DIR
  let fileAfter: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word !== '--resume') words.push(word);
    else {
      const next = argv[i + 1];
      const isDir = next !== undefined && !next.startsWith('-') && !SCENARIO_NAME.test(next);
      if (next !== undefined && SCENARIO_NAME.test(next)) fileAfter = next;
      words.push(`--resume=${isDir ? next : ''}`);
      if (isDir) i++;
    }
  }
  return { words, fileAfter };
};

/** `--resume FILE`: a scenario file given where a run directory goes. */
const resumeFileError = (file: string): UsageError =>
  new UsageError(`--resume takes a run directory (or nothing: the latest run); ${file} is a file`);

const VARIABLE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;
/** RESERVED_VARIABLES of lib/scenario/codecs-values.ts (not imported: this file loads nothing heavy). */
const RESERVED_VARIABLES = ['node', 'hostname', 'username', 'index', 'group', 'instance'];

/** `--var NAME=VALUE`s as variables (the last one of a name wins); a malformed one is a UsageError. */
const variableOptions = (given: readonly string[]): Record<string, string> => {
  const variables: Record<string, string> = {};
  for (const option of given) {
    const [, name, value] = VARIABLE.exec(option) ?? [];
    if (name === undefined || value === undefined)
      throw new UsageError(
        `--var ${option}: expected NAME=VALUE, NAME made of letters, digits and "_", not starting with a digit`,
      );
    if (RESERVED_VARIABLES.includes(name))
      throw new UsageError(
        `--var ${option}: {{${name}}} is a built-in variable, each node's, member's or instance's own: it cannot be set`,
      );
    variables[name] = value;
  }
  return variables;
};

/** The graph formats of `--graph`. */
export const GRAPH_FORMATS = ['dot', 'mermaid', 'svg', 'png'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/** The usage text of rxjobs (`rxjobs --help`). */
export const RXJOBS_HELP = `Usage: rxjobs run [options] SCENARIO.yaml   run the jobs of a scenario file ('-': read it from stdin)
       rxjobs report [options] RUN         write the HTML report of a recorded run (rxjobs report --help)
       rxjobs --help | --version

A scenario file names nodes (SSH hosts, with gateways, or the local machine) and jobs (commands run in
order on one node: Run, RunScript, RunString, Push, Pull) with their requirements; see the README. It is
checked whole before anything runs: every problem is reported with its place (file:line:column and path,
such as jobs[3].commands[0].type), and then nothing runs. Files of apssh's YAML loader are read too (its
keys: required, localnode, local_script...; --dry-run notes how), and a name ending in .j2 is a Jinja
template (nunjucks) rendered with --vars and --var first: problems then name the template's lines.

Plan:
  -n, --dry-run          print the plan (nodes, jobs, commands once variables are filled in), run nothing;
                         missing local files (scripts, Push sources) are warnings here and with --graph
      --graph FORMAT     write the dependency graph instead of running: dot or mermaid (on stdout, or to
                         --graph-output), svg or png (through graphviz, to --graph-output or
                         SCENARIO.svg / SCENARIO.png); nested schedulers are clusters
      --graph-output F   the file --graph writes
      --unfold           each member of a job on a group and each matrix instance on its own, in the
                         --dry-run plan (with its values), the --graph and the listing at the end
                         (default: a job on a group or a matrix is one block, one node, one line)

Run:
      --var NAME=VALUE   set the scenario's variable NAME, over the file's (repeatable); VALUE is a string,
                         for {{NAME}} in commands, labels and node fields (hostname, username, keys...)
      --vars FILE        a YAML mapping of values (repeatable; --var goes over it): for a SCENARIO.yaml.j2
                         template any values (lists, mappings); its strings, numbers and booleans also set
                         the scenario's variables, as --var does
      --save-rendered[=FILE]  write a .j2 scenario once rendered to FILE (default: its name without .j2)
      --timeout S        seconds for the whole run (overrides the scenario's scheduler.timeout)
  -w, --window N         jobs run at once (overrides the scenario's scheduler.jobsWindow)

SSH defaults for the scenario's nodes (a node's own settings win):
  -l, --login USER       remote user
  -i, --identity FILE    private key (repeatable)
  -F, --ssh-config FILE  ssh config file to read ('none' reads none)
  -O, --option K=V       OpenSSH option (repeatable), as rxssh takes them (see rxssh --help)
  -c, --connect-timeout S  seconds for each connection attempt

Output (default: each line as 'node:line', stdout to stdout and stderr to stderr):
  -r, --raw              lines as they are, no prefix
      --time             prefix lines with the time of arrival
  -b, --gather           at the end, jobs with identical output and status in one block
      --json             one JSON object per line: every output line, exit and job result (for jq)
  -o, --out-dir DIR      one file per node in DIR (DIR/node, DIR/node.err)
  -d, --date-dir         the same, in a new directory named after the time (YYYY-MM-DD@HH:MM)
  -m, --mark             with -o or -d: DIR/0ok/JOB or DIR/1failed/JOB for each job
  -q, --quiet            no live view or progress line on a terminal, no listing at the end
      --no-live          on a terminal, one progress line instead of the live view (the counts and the
                         running jobs with their times, redrawn in place); so does RXJOBS_LIVE=0

Run record (every run is recorded: the scenario as run, each event, each job's output, the outcome):
      --record-dir DIR   record under DIR/SCENARIO-HASH/TIME-ID/ (default $RXJOBS_RECORD_DIR, else
                         $XDG_STATE_HOME/rxjobs/runs, else ~/.local/state/rxjobs/runs); the last line on
                         stderr names the run's directory (not with -q)
      --no-record        record nothing (--dry-run and --graph never record)
      --resume [DIR]     run only what did not succeed in the latest recorded run of this scenario (or
                         in the run directory DIR) and what depends on it; the jobs that succeeded and
                         did not change are not run again, their captures restored; with --dry-run:
                         say what would run again
      --report           at the end, write the run's HTML report into its directory (see rxjobs report)

  -h, --help             this help
  -V, --version          the version

At the end, the jobs are listed with their states (the scheduler's list()), and failed jobs are summed up.
Exit status: 0 if the run succeeded (every job done in time, no critical failure) and no job failed, 1 if
not, 2 for a bad command line or a bad scenario file (nothing runs), 130 after Ctrl-C (143 after SIGTERM,
129 after SIGHUP, 141 once stdout is closed), what still ran being killed first.`;

/** `rxjobs run` checked. */
export interface RxjobsRunArgs extends RecordArgs {
  readonly mode: 'run';
  /** `--resume`: the latest run of the scenario (`true`), or the run directory given. */
  readonly resume?: true | string | undefined;
  readonly scenario: string;
  readonly dryRun: boolean;
  /** `--unfold`: the plan, the graph and the listing show each member and instance. */
  readonly unfold: boolean;
  readonly graph: GraphFormat | undefined;
  readonly graphOutput: string | undefined;
  /** `--var NAME=VALUE`s, over the scenario's global variables. */
  readonly variables: Readonly<Record<string, string>>;
  /** `--vars FILE`s, in order. */
  readonly varsFiles: readonly string[];
  /** `--save-rendered[=FILE]`: true for the default file (the scenario's name without `.j2`). */
  readonly saveRendered: string | true | undefined;
  /** Seconds. */
  readonly timeout: number | undefined;
  readonly window: number | undefined;
  readonly login: string | undefined;
  readonly identities: readonly string[];
  readonly sshConfig: string | undefined;
  readonly sshOptions: readonly string[];
  /** Seconds. */
  readonly connectTimeout: number | undefined;
  readonly raw: boolean;
  readonly time: boolean;
  readonly outDir: string | undefined;
  readonly dateDir: boolean;
  readonly mark: boolean;
  readonly gather: boolean;
  readonly json: boolean;
  readonly quiet: boolean;
  /** false with --no-live: one progress line on a terminal instead of the live view. */
  readonly live: boolean;
  /** `--report`: the HTML report at the end, in the run directory. */
  readonly report: boolean;
}

/** What rxjobs's command line asks for. */
export type RxjobsArgs = RxjobsRunArgs | { readonly mode: 'help' } | { readonly mode: 'version' };

/** Reads rxjobs's command line (without `node` and the script); throws a UsageError for a bad one. */
export function parseRxjobsArgs(argv: readonly string[]): RxjobsArgs {
  const [sub, ...rest] = argv;
  if (sub === undefined)
    throw new UsageError('no command given: rxjobs run SCENARIO.yaml (see rxjobs --help)');
  if (sub === '-h' || sub === '--help' || sub === 'help') return { mode: 'help' };
  if (sub === '-V' || sub === '--version') return { mode: 'version' };
  if (sub !== 'run')
    throw new UsageError(`unknown command '${sub}': rxjobs run SCENARIO.yaml (see rxjobs --help)`);
  const { words, fileAfter } = resumeWords(rest);
  const { values, positionals } = parseStrict(
    words.map((a) => (a === SAVE_RENDERED ? `${SAVE_RENDERED}=` : a)),
    RUN,
    true,
  );
  if (values['help'] === true) return { mode: 'help' };
  if (values['version'] === true) return { mode: 'version' };
  if (positionals.length > 1 && fileAfter !== undefined) throw resumeFileError(fileAfter);
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length === 0
        ? 'no scenario file given: rxjobs run SCENARIO.yaml'
        : `one scenario file at a time, got ${String(positionals.length)}: ${positionals.join(' ')}`,
    );
  const graph = stringOption(values['graph']);
  if (graph !== undefined && !(GRAPH_FORMATS as readonly string[]).includes(graph))
    throw new UsageError(`--graph ${graph}: expected one of ${GRAPH_FORMATS.join(', ')}`);
  const graphOutput = stringOption(values['graph-output']);
  if (graphOutput !== undefined && graph === undefined)
    throw new UsageError('--graph-output goes with --graph');
  const saved = stringOption(values['save-rendered']);
  if (saved !== undefined && !(positionals[0] ?? '').endsWith('.j2'))
    throw new UsageError('--save-rendered goes with a template: a scenario file whose name ends in .j2');
  const resume = stringOption(values['resume']);
  if (resume !== undefined && SCENARIO_NAME.test(resume)) throw resumeFileError(resume);
  if (resume !== undefined && graph !== undefined)
    throw new UsageError('--resume goes with a run (or --dry-run, to see what would run again), not --graph');
  const { outDir, dateDir, mark } = filesOptions(values);
  checkOutDirHabit(outDir);
  return {
    mode: 'run',
    scenario: positionals[0] ?? '',
    dryRun: values['dry-run'] === true,
    unfold: values['unfold'] === true,
    graph: graph as GraphFormat | undefined,
    graphOutput,
    variables: variableOptions(listOption(values['var'])),
    varsFiles: listOption(values['vars']),
    saveRendered: saved === '' ? true : saved,
    timeout: numberOption(values['timeout'], '--timeout', 0.001),
    window: numberOption(values['window'], '-w/--window', 1, true),
    login: stringOption(values['login']),
    identities: listOption(values['identity']),
    sshConfig: stringOption(values['ssh-config']),
    sshOptions: listOption(values['option']),
    connectTimeout: numberOption(values['connect-timeout'], '-c/--connect-timeout', 0.001),
    raw: values['raw'] === true,
    time: values['time'] === true,
    outDir,
    dateDir,
    mark,
    gather: values['gather'] === true,
    json: values['json'] === true,
    quiet: values['quiet'] === true,
    resume: resume === '' ? true : resume,
    report: reportOption(values),
    ...recordOptions(values),
    live: values['no-live'] !== true,
  };
}
