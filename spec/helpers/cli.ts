/**
 * Running the built CLIs (`dist/cli/<bin>.js`) as child processes, for the end-to-end tests: the programs as
 * users run them.
 *
 * `ensureBuilt()` rebuilds `dist/` once per mocha run when a `lib/**\/*.ts` file is newer than the built CLI;
 * `runCli()` spawns `node dist/cli/<bin>.js` in an environment that knows nothing of the user's ~/.ssh (HOME
 * is a temp dir, no ssh-agent), with a bounded wait; `fleetArgs()` gives the options that reach a test fleet,
 * and `useCliFleet()` sets up a suite that runs the CLI against one.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from 'chai';

import { eventually } from './eventually.js';
import type { Fleet } from './sshd.js';
import { sshdConnections, startFleet } from './sshd.js';

/** The repository's root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The CLIs of the package. */
export type CliName = 'rxssh' | 'rxjobs';

/** The built entry point of a CLI. */
export const cliPath = (bin: CliName): string => path.join(ROOT, 'dist', 'cli', `${bin}.js`);

const newestMtime = (dir: string): number => {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
};

const builtMtime = (): number | undefined => {
  try {
    return fs.statSync(cliPath('rxssh')).mtimeMs;
  } catch {
    return undefined;
  }
};

let building: Promise<void> | undefined;

/**
 * Builds `dist/` (`tsc -p tsconfig.build.json`, then the CLIs' bundles of scripts/bundle-cli.mjs, as
 * `npm run build` does; at most once per test run) when `dist/cli/rxssh.js` is missing or older than a file
 * of `lib/`. Type errors elsewhere do not stop tsc from emitting: they are only reported on stderr, unless
 * the CLI was not bundled at all.
 */
export const ensureBuilt = (): Promise<void> => {
  building ??= (async () => {
    const built = builtMtime();
    if (built !== undefined && built >= newestMtime(path.join(ROOT, 'lib'))) return;
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const node = (args: string[]): Promise<{ failed: boolean; text: string }> =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          args,
          { cwd: ROOT, timeout: 180_000, encoding: 'utf8' },
          (error, stdout, stderr) => {
            resolve({ failed: error !== null, text: `${stdout}${stderr}`.trim() });
          },
        );
      });
    const output = await node([tsc, '-p', 'tsconfig.build.json']);
    const bundled = await node([path.join(ROOT, 'scripts', 'bundle-cli.mjs')]);
    if (bundled.failed) throw new Error(`cli helper: bundling the CLIs failed:\n${bundled.text}`);
    const after = builtMtime();
    if (after === undefined || (built !== undefined && after <= built))
      throw new Error(`cli helper: building dist/ failed:\n${output.text}`);
    if (output.failed)
      process.stderr.write(`cli helper: tsc reported errors (dist/ emitted anyway):\n${output.text}\n`);
  })();
  return building;
};

/** How a CLI run ended. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, in ms. */
  readonly durationMs: number;
  /**
   * The run directory that the last line of stderr named (`rxssh: recorded in DIR`), a line then taken out
   * of `stderr`: the specs of what a run prints need not know of the run record (spec/cli/record*.spec.ts
   * check it through this field).
   */
  readonly recorded?: string | undefined;
}

/** A last line `rxssh: recorded in DIR` (or `rxjobs: ...`). */
const RECORDED = /(^|\n)(?:rxssh|rxjobs): recorded in (\/[^\r\n]*)\n$/;
/**
 * The same line anywhere in what a terminal got (`\r\n`): stdout's lines may still follow stderr's there, and
 * the erasure of the progress line (`\r` ESC `[K`, kept) may come just before it.
 */
const RECORDED_IN_TERMINAL = new RegExp(
  `(^|\\n|\\r${String.fromCharCode(27)}\\[K)(?:rxssh|rxjobs): recorded in (\\/[^\\r\\n]*)\\r\\n`,
);

/**
 * `text` without the line that says where the run is recorded (its last line; `terminal`: anywhere, once),
 * and that directory.
 */
export const splitRecorded = (
  text: string,
  terminal = false,
): { text: string; recorded?: string | undefined } => {
  const m = (terminal ? RECORDED_IN_TERMINAL : RECORDED).exec(text);
  if (m === null) return { text };
  const start = m.index + (m[1] ?? '').length;
  return { text: text.slice(0, start) + text.slice(m.index + m[0].length), recorded: m[2] };
};

/** Options of {@link runCli}. */
export interface CliOptions {
  readonly cwd?: string | undefined;
  /** Added to (or, with `undefined`, removed from) the isolated environment. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The child is killed (SIGKILL) after this many ms, and the run rejects. Default 30 s. */
  readonly timeoutMs?: number | undefined;
  /** Written to the child's stdin, which is then closed (default: stdin is empty). */
  readonly input?: string | undefined;
}

let isolatedHome: string | undefined;

/** A HOME of our own, empty, for every CLI run of this process (removed at exit). */
export const cliHome = (): string => {
  if (isolatedHome === undefined) {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjobs-cli-home-'));
    isolatedHome = home;
    process.once('exit', () => {
      fs.rmSync(home, { recursive: true, force: true });
    });
  }
  return isolatedHome;
};

/** Where the CLIs run by the tests record their runs (`RXJOBS_RECORD_DIR`): in {@link cliHome}, never in ~. */
export const cliRecordDir = (): string => path.join(cliHome(), 'runs');

/**
 * The environment of a CLI run: ours, with HOME a private empty dir, no ssh-agent, and the runs recorded
 * under {@link cliRecordDir} (never in the user's ~/.local/state or $XDG_STATE_HOME).
 */
export const cliEnv = (extra: CliOptions['env'] = {}): NodeJS.ProcessEnv => {
  const removed = new Set(['SSH_AUTH_SOCK', 'SSH_AGENT_PID']);
  // no COLUMNS of the shell that runs the tests: the failure summary would wrap at it
  const entries = Object.entries<string | undefined>({
    ...process.env,
    COLUMNS: undefined,
    HOME: cliHome(),
    XDG_STATE_HOME: undefined,
    XDG_CACHE_HOME: undefined, // the CLIs' compiled code goes under HOME/.cache, never the user's
    RXJOBS_RECORD_DIR: cliRecordDir(),
    ...extra,
  });
  return Object.fromEntries(
    entries.filter((entry): entry is [string, string] => entry[1] !== undefined && !removed.has(entry[0])),
  );
};

/** A started CLI: its process, and its end. */
export interface RunningCli {
  readonly child: ChildProcess;
  readonly result: Promise<CliResult>;
  /** What it printed so far. */
  readonly output: () => { stdout: string; stderr: string };
}

/** Spawns `file args` with a bounded wait: on timeout the child is SIGKILLed and `result` rejects. */
export const startProgram = (
  file: string,
  args: readonly string[],
  options: CliOptions = {},
  what = `${file} ${args.join(' ')}`,
): RunningCli => {
  const started = performance.now();
  const child = spawn(file, [...args], {
    cwd: options.cwd ?? ROOT,
    env: cliEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.on('error', () => undefined); // a child that exits without reading its input
  child.stdin.end(options.input ?? '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const result = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `cli helper: ${what} still running after ${String(timeoutMs)} ms: killed\n` +
            `--- stdout\n${stdout}\n--- stderr\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const { text, recorded } = splitRecorded(stderr);
      const durationMs = performance.now() - started;
      resolve({
        code,
        signal,
        stdout,
        stderr: text,
        durationMs,
        ...(recorded === undefined ? {} : { recorded }),
      });
    });
  });
  return { child, result, output: () => ({ stdout, stderr }) };
};

/** Starts `node dist/cli/<bin>.js args` (see {@link runCli}); for tests that signal it while it runs. */
export const startCli = (bin: CliName, args: readonly string[], options: CliOptions = {}): RunningCli =>
  startProgram(process.execPath, [cliPath(bin), ...args], options, `${bin} ${args.join(' ')}`);

/**
 * Runs `node dist/cli/<bin>.js args` to its end, isolated from the user's ssh set-up (HOME a temp dir, no
 * SSH_AUTH_SOCK); rejects if it runs longer than `timeoutMs` (then it is killed).
 * @example
 * const { code, stdout } = await runCli('rxssh', ['-t', 'h', '--dry-run', 'true']);
 */
export const runCli = (bin: CliName, args: readonly string[], options: CliOptions = {}): Promise<CliResult> =>
  startCli(bin, args, options).result;

/** A word for `sh -c`, in single quotes unless plain. */
export const shellQuote = (word: string): string =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * Runs the CLI in a pseudo-terminal (util-linux `script -qfec CMD /dev/null`): stdout and stderr of the CLI
 * are the terminal, and `stdout` of the result is everything the terminal got, raw (`\r\n`, escapes).
 */
export const runCliInPty = (
  bin: CliName,
  args: readonly string[],
  options: CliOptions = {},
): Promise<CliResult> => {
  const command = [
    'exec',
    shellQuote(process.execPath),
    shellQuote(cliPath(bin)),
    ...args.map(shellQuote),
  ].join(' ');
  return startProgram(
    'script',
    ['-qfec', command, '/dev/null'],
    options,
    `script ${bin} ${args.join(' ')}`,
  ).result.then((r) => {
    // the terminal gets stderr too, and a line of stdout held back by a full terminal may follow that one
    const { text, recorded } = splitRecorded(r.stdout, true);
    return { ...r, stdout: text, ...(recorded === undefined ? {} : { recorded }) };
  });
};

/**
 * The options that reach the hosts of `fleet` with its key and known_hosts, and nothing of ~/.ssh. The port
 * is `-p PORT`, or with `portOption` `-O Port=PORT` (rxjobs has no -p).
 */
export const fleetArgs = (fleet: Fleet, { portOption = false } = {}): string[] => [
  '-l',
  fleet.user,
  ...(portOption ? ['-O', `Port=${String(fleet.port)}`] : ['-p', String(fleet.port)]),
  '-i',
  fleet.clientKey,
  '-F',
  'none',
  '-O',
  `UserKnownHostsFile=${fleet.knownHosts}`,
  '-O',
  'StrictHostKeyChecking=yes',
  '-O',
  'IdentitiesOnly=yes',
];

/** The lines of a text, without the empty one after a final newline. */
export const linesOf = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

/** The lines of a text, sorted: for outputs of several hosts, which come in any order. */
export const sortedLines = (text: string): string[] => linesOf(text).sort();

/**
 * Resolves true once no TCP connection to the fleet's sshd is left (every session of the CLI closed),
 * false after `ms`.
 */
export const noSessionsLeft = (fleet: Fleet, ms = 5000): Promise<boolean> =>
  eventually(async () => (await sshdConnections(fleet)) === 0, ms);

/** A unique word for remote command lines, found again with `remoteProcesses()`. */
export const marker = (name: string): string =>
  `rxsshmark${name}${String(process.pid)}x${Math.random().toString(36).slice(2, 8)}`;

/** What {@link useCliFleet} gives a suite; each accessor throws until the suite's `before()` has run. */
export interface CliFleet {
  /** The suite's fleet. */
  readonly fleet: () => Fleet;
  /** The suite's temp dir (with a `dirPrefix` only), removed after the suite. */
  readonly dir: () => string;
  /** The fleet's addresses, in order. */
  readonly all: () => string[];
  /** Runs `rxssh` with {@link fleetArgs} before `args`, in `cwd` (default: the repository). */
  readonly rxssh: (args: readonly string[], cwd?: string) => Promise<CliResult>;
}

/**
 * Sets up the calling `describe` to run the built CLI against a fleet of `hosts` hosts: `before()` builds
 * `dist/` if needed, starts the fleet and (with `dirPrefix`) makes a temp dir; `after()` stops the fleet and
 * removes the dir; `afterEach()` checks that no ssh session was left open.
 * @example
 * describe('rxssh on real hosts', function () {
 *   const { rxssh, all } = useCliFleet(4, 'rxssh-run-');
 *   it('runs everywhere', async () => {
 *     expect((await rxssh(['-t', '127.0.0.[2-5]', 'true'])).code).to.equal(0);
 *   });
 * });
 */
export const useCliFleet = (hosts: number, dirPrefix?: string): CliFleet => {
  let fleet: Fleet | undefined;
  let dir: string | undefined;
  const started = (): Fleet => {
    if (fleet === undefined) throw new Error('cli helper: no fleet yet (before() has not run)');
    return fleet;
  };
  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
    fleet = await startFleet({ hosts });
    if (dirPrefix !== undefined) dir = await mkdtemp(path.join(os.tmpdir(), dirPrefix));
  });
  after(async () => {
    await fleet?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    expect(await noSessionsLeft(started()), 'ssh sessions left open').to.equal(true);
  });
  return {
    fleet: started,
    dir: () => {
      if (dir === undefined) throw new Error('cli helper: no dir (no dirPrefix, or before() has not run)');
      return dir;
    },
    all: () => started().hosts.map((h) => h.address),
    rxssh: (args, cwd) =>
      runCli('rxssh', [...fleetArgs(started()), ...args], cwd === undefined ? {} : { cwd }),
  };
};

/**
 * The hooks of a describe block that runs the built CLIs in a scratch directory: the package built once
 * (before), a fresh directory named `prefix...` for each test, given to `set`, removed after it.
 */
export const builtCliInScratchDir = (prefix: string, set: (dir: string) => void): void => {
  let dir: string | undefined;
  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    set(dir);
  });
  afterEach(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });
};
