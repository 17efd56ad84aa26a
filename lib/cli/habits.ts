// Habits of pssh and clush users that rxssh would otherwise misread silently: their flags are not copied,
// but a value that looks like theirs is refused (exit 2, one line) with the rxssh option that does what they
// meant, and with the way to force rxssh's own reading where there is one (issue 11 §5).
import { existsSync } from 'node:fs';

import { AmbiguousValueError, UsageError } from './argv.js';

/** Options of pssh and clush that rxssh does not have: what to write instead. */
const FOREIGN_OPTIONS: Readonly<Record<string, string>> = {
  '-H': "pssh's -H names hosts: rxssh takes them with -t, as -t 'h1 h2'",
  '--host': "pssh's --host names hosts: rxssh takes them with -t",
  '--hosts': "pssh's --hosts reads a hosts file: rxssh takes it with -t FILE",
  '--hostfile': "clush's --hostfile: rxssh takes a file of hosts with -t FILE",
  '--machinefile': "clush's --machinefile: rxssh takes a file of hosts with -t FILE",
  '-e': "pssh's -e ERRDIR: rxssh -o DIR writes each host's stderr to DIR/host.err",
  '--errdir': "pssh's --errdir: rxssh -o DIR writes each host's stderr to DIR/host.err",
  '-I': "pssh's -I: rxssh sends its standard input to every host unless --no-stdin",
  '--send-input': "pssh's --send-input: rxssh sends its standard input to every host unless --no-stdin",
  '-P': "pssh's -P: rxssh prints every line as host:line as it arrives, by default",
  '--print': "pssh's --print: rxssh prints every line as host:line as it arrives, by default",
  '--inline': "pssh's --inline: rxssh prints every line as host:line as it arrives, by default",
  '-A': "pssh's -A: rxssh never prompts; give a key with -i, or use ssh-agent",
  '-X': "pssh's -X passes an ssh argument: rxssh takes OpenSSH options with -O Name=value",
  '--extra-args': "pssh's --extra-args: rxssh takes OpenSSH options with -O Name=value",
  '--par': "pssh's --par: rxssh -w N works on N hosts at once",
  '-a': "clush's -a: give the hosts with -t (a file of hosts: -t FILE)",
  '-B': "clush's -B: rxssh -b gathers stdout and stderr",
  '-N': "clush's -N: rxssh -r prints lines without the host",
  '-f': "clush's -f FANOUT: rxssh -w N works on N hosts at once",
  '--fanout': "clush's --fanout: rxssh -w N works on N hosts at once",
  '-u': "clush's -u TIMEOUT: rxssh --timeout S",
  '--command_timeout': "clush's --command_timeout: rxssh --timeout S",
  '--connect_timeout': "clush's --connect_timeout: rxssh -c S",
  '--dshbak': "clush's --dshbak: rxssh -b",
  '-S': "clush's -S: rxssh exits 1 when the command fails on a host",
  '--copy': "clush's --copy: rxssh push LOCAL... @:REMOTEDIR",
  '--rcopy': "clush's --rcopy: rxssh pull @:REMOTE... LOCALDIR (LOCALDIR/{host}/...)",
  '--dest': "clush's --dest: the last word of rxssh push (@:REMOTEDIR) or pull (LOCALDIR)",
  '--nostdin': "clush's --nostdin: rxssh --no-stdin",
};

/**
 * OpenSSH option names, for `-o "ConnectTimeout 5"` (ssh_config's spelling with a space); any `Word=value`
 * is taken for an option whatever the word.
 */
const SSH_OPTION_NAMES = new Set(
  [
    'AddressFamily BatchMode BindAddress CheckHostIP Ciphers Compression ConnectionAttempts ConnectTimeout',
    'ControlMaster ControlPath ControlPersist ForwardAgent ForwardX11 GlobalKnownHostsFile HashKnownHosts',
    'HostKeyAlgorithms HostName IdentitiesOnly IdentityFile KexAlgorithms LocalForward LogLevel',
    'PasswordAuthentication Port PreferredAuthentications ProxyCommand ProxyJump PubkeyAuthentication',
    'RemoteForward RequestTTY SendEnv ServerAliveCountMax ServerAliveInterval SetEnv StrictHostKeyChecking',
    'TCPKeepAlive User UserKnownHostsFile VerifyHostKeyDNS',
  ]
    .join(' ')
    .toLowerCase()
    .split(' '),
);

/** ssh's own options and what rxssh takes for them. */
const SSH_FLAGS: Readonly<Record<string, string>> = {
  '-o': '-O',
  '-p': '-p',
  '-i': '-i',
  '-l': '-l',
  '-F': '-F',
  '-J': '-J',
};

/**
 * The rxssh options for ssh command-line arguments (`-oConnectTimeout=5 -p 2022 -i key`, as clush -o and
 * pssh -x take them): `-O ConnectTimeout=5 -p 2022 -i key`; undefined when none of them is known.
 */
export function rxsshOptionsFor(sshArgs: string): string | undefined {
  const words = sshArgs.trim().split(/\s+/);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const flag = SSH_FLAGS[word.slice(0, 2)];
    if (flag !== undefined) {
      const value = word.length > 2 ? word.slice(2) : words[++i];
      if (value !== undefined) out.push(`${flag} ${value}`);
    } else if (/^[A-Za-z]+=/.test(word)) out.push(`-O ${word}`);
  }
  return out.length === 0 ? undefined : out.join(' ');
}

/** Whether an `-o` value reads as ssh options rather than a directory. */
const looksLikeSshOptions = (value: string): boolean => {
  if (value.startsWith('-')) return true;
  if (value.includes('/')) return false;
  if (/^[A-Za-z][A-Za-z0-9]*=/.test(value)) return true;
  const word = /^([A-Za-z]+)\s+\S/.exec(value)?.[1];
  return word !== undefined && SSH_OPTION_NAMES.has(word.toLowerCase());
};

/**
 * `-o ConnectTimeout=5` (or `-o -oConnectTimeout=5`): clush's -o gives ssh options, rxssh's names the
 * output directory, which would be created under that name. Refused; `-o ./ConnectTimeout=5` forces it.
 */
export function checkOutDirHabit(outDir: string | undefined): void {
  if (outDir === undefined || !looksLikeSshOptions(outDir)) return;
  const meant = rxsshOptionsFor(outDir.startsWith('-') ? outDir : `-o${outDir.replace(/\s+/, '=')}`);
  throw new UsageError(
    `-o ${outDir}: -o names the output directory; OpenSSH options go with ${meant ?? '-O Name=value'} ` +
      `(clush -o); for a directory of that name, write -o ${/\s/.test(outDir) ? `'./${outDir}'` : `./${outDir}`}`,
  );
}

/** A value that reads as a time in seconds, not a host. */
const isSeconds = (value: string): boolean => /^\d+(\.\d+)?$/.test(value.trim());

/** rxssh's reading of `-t`, `-w`, `-c` that pssh or clush users would mean otherwise. */
export function checkRxsshHabits(v: Record<string, unknown>): void {
  const targets = Array.isArray(v['target']) ? (v['target'] as unknown[]) : [];
  for (const t of targets)
    if (typeof t === 'string' && isSeconds(t))
      throw new UsageError(
        `-t ${t}: -t names hosts; a time limit per host is --timeout ${t} (pssh -t), ` +
          `for connecting -c ${t} (clush -t)`,
      );
  const window = v['window'];
  if (typeof window === 'string' && /[A-Za-z@[]/.test(window))
    throw new UsageError(
      `-w ${window}: -w is how many hosts to work on at once; hosts go with -t ${window} (clush -w)`,
    );
  const connect = v['connect-timeout'];
  if (typeof connect === 'string' && /[A-Za-z/~]/.test(connect))
    throw new UsageError(
      `-c ${connect}: -c is the connection timeout in seconds; copies are rxssh push ${connect} @:REMOTEDIR ` +
        '(clush -c)',
    );
}

/**
 * What `-L` with a command says on stderr: the targets are listed, the command is not run (clush's -L is an
 * output mode).
 */
export const listTargetsNote = (command: readonly string[]): string =>
  command.length === 0
    ? ''
    : `rxssh: -L lists the targets and runs nothing: ${command.join(' ')} was not run (clush's -L: rxssh -b)\n`;

/**
 * `rxssh -h FILE ...` (pssh's hosts file): the word right after `-h` starts the command, and help would be
 * all that happens. Refused.
 */
export function checkHelpHabit(argv: readonly string[], command: readonly string[]): void {
  const at = argv.indexOf('-h');
  const next = at < 0 ? undefined : argv[at + 1];
  if (next === undefined || command[0] !== next || argv.length - command.length !== at + 1) return;
  const file = existsSync(next) ? `-t ${next}` : '-t FILE';
  throw new UsageError(`-h ${next}: -h is rxssh's help; hosts from a file go with ${file} (pssh -h)`);
}

/**
 * `-p 32` with several hosts: pssh's -p is how many at once; rxssh's is the port. A port below 1024 other
 * than 22 for more than one host is refused; `-O Port=32` forces it.
 */
export function checkPortHabit(port: number | undefined, hosts: number): void {
  if (port === undefined || port === 22 || port >= 1024 || hosts < 2) return;
  const p = String(port);
  throw new UsageError(
    `-p ${p} with ${String(hosts)} hosts: -p is the port; to work on ${p} hosts at once, write -w ${p} ` +
      `(pssh -p); to connect to port ${p}, write -O Port=${p}`,
  );
}

/** `-g GROUP` without `-t` (clush's -g names a group): no target, and a hint. */
export function checkGatewayHabit(v: Record<string, unknown>): void {
  const targets = Array.isArray(v['target']) ? (v['target'] as unknown[]) : [];
  const gateway = v['gateway'];
  if (targets.length === 0 && typeof gateway === 'string')
    throw new UsageError(
      `no target given: -g ${gateway} names a gateway, not a group of hosts (clush -g): give the hosts with -t`,
    );
}

/**
 * A value starting with `-` given to `-o`, `-x` or `-O`: ssh arguments, as clush -o and pssh -x take them.
 * Refused with the rxssh options for them; other options keep the generic message.
 */
function explainDashValue(e: AmbiguousValueError): UsageError {
  const { option, value } = e;
  if (option === 'out-dir') checkOutDirHabit(value);
  const meant = rxsshOptionsFor(value) ?? '-O Name=value';
  if (option === 'exclude')
    return new UsageError(`-x ${value}: -x excludes hosts; OpenSSH options go with ${meant} (pssh -x)`);
  if (option === 'option')
    return new UsageError(`-O ${value}: -O takes Name=value, without ssh's -o: ${meant}`);
  return e;
}

/** A parse error of rxssh, with what a pssh or clush habit would be in rxssh. */
export function explainRxsshError(e: UsageError, options: readonly string[]): UsageError {
  if (e instanceof AmbiguousValueError) return explainDashValue(e);
  const message = explainForeignOption(e.message, options);
  return message === e.message ? e : new UsageError(message);
}

/** The message of a parse error, with what a pssh or clush option would be in rxssh. */
function explainForeignOption(message: string, options: readonly string[]): string {
  const unknown = /^Unknown option '(--?[^'=]+)'/.exec(message)?.[1];
  const hint = unknown === undefined ? undefined : FOREIGN_OPTIONS[unknown];
  if (unknown === undefined || hint === undefined) return message;
  // an rxssh option of that name wins (--no-stdin may not exist yet)
  if (unknown === '--nostdin' && !options.includes('no-stdin')) return message;
  return `Unknown option '${unknown}' (${hint})`;
}
