// rxssh's command line: the option table, the help text and the checked options. Loads nothing heavy, so that
// `rxssh --help` starts fast.
import type { OptionTable } from './argv.js';
import {
  COMMON_OPTIONS,
  filesOptions,
  listOption,
  numberOption,
  OUTPUT_OPTIONS,
  parseStrict,
  parseUntilCommand,
  SSH_DEFAULT_OPTIONS,
  stringOption,
  UsageError,
} from './argv.js';
import {
  checkGatewayHabit,
  checkHelpHabit,
  checkOutDirHabit,
  checkRxsshHabits,
  explainRxsshError,
} from './habits.js';
import { RECORD_OPTIONS, recordOptions } from './record-options.js';
import type { RecordArgs } from './record-options.js';

/** The default number of hosts worked on at once (`-w`). */
export const DEFAULT_WINDOW = 100;

/** Options that every rxssh mode takes: targets and how to reach them. */
const CONNECTION: OptionTable = {
  ...SSH_DEFAULT_OPTIONS,
  ...COMMON_OPTIONS,
  target: { type: 'string', short: 't', multiple: true },
  exclude: { type: 'string', short: 'x', multiple: true },
  gateway: { type: 'string', short: 'g' },
  jump: { type: 'string', short: 'J' },
  port: { type: 'string', short: 'p' },
  ...RECORD_OPTIONS,
};

/** The options of `rxssh COMMAND`: the connection ones plus script mode and output. */
const RUN: OptionTable = {
  ...CONNECTION,
  ...OUTPUT_OPTIONS,
  script: { type: 'boolean', short: 's' },
  include: { type: 'string', multiple: true },
  pty: { type: 'boolean' },
  'no-stdin': { type: 'boolean' },
  'list-targets': { type: 'boolean', short: 'L' },
  'max-line-bytes': { type: 'string' },
};

/** The usage text of rxssh (`rxssh --help`). */
export const RXSSH_HELP = `Usage: rxssh [options] COMMAND [ARGS...]          run a command on many hosts at once
       rxssh [options] -s SCRIPT|TEXT [ARGS...]    copy a local script (or inline text) to each host, run it
       rxssh push [options] LOCAL... @:REMOTEDIR   copy local files and directories onto every host
       rxssh pull [options] @:REMOTE... LOCALDIR   copy remote files from every host (LOCALDIR/{host}/...)

Options stop at the first word that is not an option: in 'rxssh -t h ls -l', -l goes to ls. The words of
COMMAND are joined with spaces and run by the remote shell, so quote or escape shell characters locally.

Targets (at least one -t):
  -t, --target T         hosts to work on (repeatable): 'host', 'user@host', 'host:port', 'gw->host'
                         (through gateway gw; 'None->host' means direct), lists separated by spaces or
                         commas, ranges 'fit[01-37]' 'node[1-3,7]' 'n[1-9/2]' (every other one), a file
                         of names ('#' comments), or a directory whose file names are hosts (such as a
                         --mark directory); a relative path is also looked for under ~/.rxjobs/
  -x, --exclude T        hosts to leave out (repeatable), same forms, matched on the final host
  -n, --dry-run          print the hosts and what would run on them, touch nothing
  -L, --list-targets     print the hosts, one per line, and exit

Connection:
  -l, --login USER       remote user when a target names none (default: the local user, or ssh config)
  -g, --gateway [U@]GW   gateway for targets that name none; one connection, shared
  -J, --jump GW1[,GW2]   the same, as a ProxyJump chain; 'none': direct, whatever ssh config says
  -i, --identity FILE    private key to use (repeatable; default: ssh-agent and ~/.ssh/id_*)
  -p, --port PORT        port when a target or gateway names none (default 22, or ssh config)
  -F, --ssh-config FILE  ssh config file to read (default ~/.ssh/config; 'none' reads none)
  -O, --option K=V       an OpenSSH option (repeatable): StrictHostKeyChecking (yes, accept-new, no),
                         UserKnownHostsFile, ConnectTimeout, ConnectionAttempts, ServerAliveInterval,
                         ServerAliveCountMax, User, Port, IdentityFile, IdentitiesOnly, ProxyJump,
                         BatchMode (always on: rxssh never prompts)
  -c, --connect-timeout S  seconds for each connection attempt (default 10)
  -w, --window N         hosts worked on at once (default ${String(DEFAULT_WINDOW)}); a finished host's connection is closed
      --timeout S        seconds per host, connection included; then its command is killed (default none)

Command:
  -s, --script           COMMAND is a local script file (or, when no such file exists, the text of a
                         shell script): copied to a private directory on each host, run with ARGS, removed
      --include FILE     with -s: also copy FILE next to the script (repeatable)
      --pty              run the command in a pseudo-terminal
      --no-stdin         do not read stdin (by default, unless it is a terminal, it is read once and
                         sent to the command of every host, as it comes; push and pull never read it)

Output (default: each line as 'host:line', stdout to stdout and stderr to stderr):
  -r, --raw              lines as they are, no host prefix
      --time             prefix lines with the time of arrival
  -b, --gather           at the end, hosts with identical output and status in one block: host[1-3,5]
      --json             one JSON object per line: every output line, exit and host result (for jq)
  -o, --out-dir DIR      one file per host in DIR (DIR/host, DIR/host.err); DIR is printed on stdout
  -d, --date-dir         the same, in a new directory named after the time (YYYY-MM-DD@HH:MM)
  -m, --mark             with -o or -d: also DIR/0ok/host or DIR/1failed/host, each holding the exit
                         status; such a directory works as a later -t
  -q, --quiet            no progress line on a terminal
      --max-line-bytes N longer lines are passed on in pieces as they come, not held whole (default
                         1048576): -o files and plain output get the same bytes; --json gives one
                         record per piece, each but the last with "continues": true

Run record (every run is recorded: each host a job, its events, its output, the outcome):
      --record-dir DIR   record under DIR/rxssh/TIME-ID/ (default $RXJOBS_RECORD_DIR, else
                         $XDG_STATE_HOME/rxjobs/runs, else ~/.local/state/rxjobs/runs); the last line on
                         stderr names the run's directory (not with -q)
      --no-record        record nothing (-n and -L never record)

  -h, --help             this help
  -V, --version          the version

Exit status: 0 if the command succeeded on every host, 1 if it failed on at least one (unreachable,
timed out, non-zero exit, killed), 2 for a bad command line or bad targets (nothing runs), 130 after
Ctrl-C (143 after SIGTERM, 129 after SIGHUP, 141 once stdout is closed), what still ran on the hosts
being killed first.
On a terminal, a progress line shows on stderr; failures are summed up on stderr at the end.`;

/** What every rxssh mode takes, checked. */
export interface ConnectionArgs extends RecordArgs {
  readonly targets: readonly string[];
  readonly excludes: readonly string[];
  readonly login: string | undefined;
  /** -g or -J: a gateway, or a ProxyJump chain (`a,b`). */
  readonly gateway: string | undefined;
  readonly identities: readonly string[];
  readonly port: number | undefined;
  readonly sshConfig: string | undefined;
  readonly sshOptions: readonly string[];
  readonly window: number;
  /** Seconds. */
  readonly connectTimeout: number | undefined;
  /** Seconds. */
  readonly timeout: number | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly dryRun: boolean;
}

/** `rxssh COMMAND` checked. */
export interface RunArgs extends ConnectionArgs {
  readonly mode: 'run';
  readonly command: readonly string[];
  readonly script: boolean;
  readonly includes: readonly string[];
  readonly pty: boolean;
  /** Forward rxssh's stdin to every host's command (not --no-stdin); not when it is a terminal. */
  readonly stdin: boolean;
  readonly raw: boolean;
  readonly time: boolean;
  readonly outDir: string | undefined;
  readonly dateDir: boolean;
  readonly mark: boolean;
  readonly gather: boolean;
  readonly listTargets: boolean;
  /** --max-line-bytes: undefined for the default (1 MiB). */
  readonly maxLineBytes: number | undefined;
}

/** `rxssh push|pull` checked: `sources` and `destination` without the `@:` of the remote side. */
export interface TransferArgs extends ConnectionArgs {
  readonly mode: 'push' | 'pull';
  readonly sources: readonly string[];
  readonly destination: string;
}

/** What the command line asks for. */
export type RxsshArgs = RunArgs | TransferArgs | { readonly mode: 'help' } | { readonly mode: 'version' };

const connectionArgs = (v: Record<string, unknown>): ConnectionArgs => {
  const gateway = stringOption(v['gateway']);
  const jump = stringOption(v['jump']);
  if (gateway !== undefined && jump !== undefined)
    throw new UsageError('-g and -J both name a gateway: give one of them');
  const window = numberOption(v['window'], '-w/--window', 1, true) ?? DEFAULT_WINDOW;
  const port = numberOption(v['port'], '-p/--port', 1, true);
  if (port !== undefined && port > 65535)
    throw new UsageError(`-p/--port expects a port from 1 to 65535, got '${String(port)}'`);
  return {
    targets: listOption(v['target']),
    excludes: listOption(v['exclude']),
    login: stringOption(v['login']),
    gateway: gateway ?? jump,
    identities: listOption(v['identity']),
    port,
    sshConfig: stringOption(v['ssh-config']),
    sshOptions: listOption(v['option']),
    window,
    connectTimeout: numberOption(v['connect-timeout'], '-c/--connect-timeout', 0.001),
    timeout: numberOption(v['timeout'], '--timeout', 0.001),
    json: v['json'] === true,
    quiet: v['quiet'] === true,
    dryRun: v['dry-run'] === true,
    ...recordOptions(v),
  };
};

const REMOTE = '@:';

/** Parses with `parse`; its UsageError says what a pssh or clush habit would be in rxssh (see habits.ts). */
function withHabits<T>(options: OptionTable, parse: () => T): T {
  try {
    return parse();
  } catch (e: unknown) {
    throw e instanceof UsageError ? explainRxsshError(e, Object.keys(options)) : e;
  }
}

function transferArgs(
  mode: 'push' | 'pull',
  args: readonly string[],
): TransferArgs | { mode: 'help' } | { mode: 'version' } {
  const { values, positionals } = withHabits(CONNECTION, () => parseStrict(args, CONNECTION, true));
  if (values['help'] === true) return { mode: 'help' };
  if (values['version'] === true) return { mode: 'version' };
  if (positionals.length < 2)
    throw new UsageError(
      mode === 'push'
        ? 'push needs at least one local path and a remote directory: rxssh push LOCAL... @:REMOTEDIR'
        : 'pull needs at least one remote path and a local directory: rxssh pull @:REMOTE... LOCALDIR',
    );
  const sources = positionals.slice(0, -1);
  const destination = positionals[positionals.length - 1] ?? '';
  const remote = mode === 'push' ? [destination] : sources;
  const local = mode === 'push' ? sources : [destination];
  for (const p of remote)
    if (!p.startsWith(REMOTE))
      throw new UsageError(
        `${mode}: '${p}' is not remote: remote paths start with @: (such as @:/tmp or @:)`,
      );
  for (const p of local)
    if (p.startsWith(REMOTE)) throw new UsageError(`${mode}: '${p}' is remote, but a local path goes there`);
  const strip = (p: string): string => (p.startsWith(REMOTE) ? p.slice(REMOTE.length) || '.' : p);
  return {
    ...connectionArgs(values),
    mode,
    sources: sources.map(strip),
    destination: strip(destination),
  };
}

/**
 * Reads rxssh's command line (without `node` and the script): throws a {@link UsageError} for a bad one.
 */
export function parseRxsshArgs(argv: readonly string[]): RxsshArgs {
  const [first, ...rest] = argv;
  if (first === 'push' || first === 'pull') return transferArgs(first, rest);
  const { values, command } = withHabits(RUN, () => parseUntilCommand(argv, RUN));
  if (values['help'] === true) checkHelpHabit(argv, command);
  if (values['help'] === true) return { mode: 'help' };
  if (values['version'] === true) return { mode: 'version' };
  const listTargets = values['list-targets'] === true;
  checkRxsshHabits(values);
  checkGatewayHabit(values);
  const base = connectionArgs(values);
  if (command.length === 0 && !listTargets && !base.dryRun)
    throw new UsageError('no command given: rxssh -t HOSTS COMMAND [ARGS...] (see rxssh --help)');
  const { outDir, dateDir, mark } = filesOptions(values);
  checkOutDirHabit(outDir);
  const includes = listOption(values['include']);
  const script = values['script'] === true;
  if (includes.length > 0 && !script) throw new UsageError('--include goes with -s (script mode)');
  return {
    ...base,
    mode: 'run',
    command,
    script,
    includes,
    pty: values['pty'] === true,
    stdin: values['no-stdin'] !== true,
    raw: values['raw'] === true,
    time: values['time'] === true,
    outDir,
    dateDir,
    mark,
    gather: values['gather'] === true,
    listTargets,
    maxLineBytes: numberOption(values['max-line-bytes'], '--max-line-bytes', 4, true),
  };
}
