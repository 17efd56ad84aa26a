// What both CLIs do around their work: read the command line (usage errors: status 2), answer --help and
// --version without loading anything heavy, then run, with user errors as one line and status 2.
import { constants } from 'node:os';

import { packageVersion } from '../record/version.js';
import { UsageError } from './argv.js';
import { exitOnUserError } from './cli-errors.js';

/** Where a CLI writes, and its working directory. */
export interface Io {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly cwd: string;
}

/** A CLI's command line: its name, help text and reader (all that its front door needs, see door.ts). */
export interface CommandLine<A> {
  readonly name: string;
  readonly help: string;
  readonly parse: (argv: readonly string[]) => A | { readonly mode: 'help' } | { readonly mode: 'version' };
}

/** A CLI: its command line, and its run, imported only once needed. */
export interface CliProgram<A> extends CommandLine<A> {
  readonly run: () => Promise<(args: A, io: Io) => Promise<number>>;
}

/** What the command line asks for: an answer given here (its exit status), or a run with these `args`. */
export type Answer<A> =
  { readonly answered: true; readonly status: number } | { readonly answered: false; readonly args: A };

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const isMode = (x: unknown, mode: string): boolean => (x as { mode?: unknown }).mode === mode;

/**
 * Reads `argv`: a usage error (written, status 2), --help and --version (written, status 0) are answered here;
 * anything else is the arguments of a run.
 */
export function answer<A>(line: CommandLine<A>, argv: readonly string[]): Answer<A> {
  const { name } = line;
  let args: ReturnType<CommandLine<A>['parse']>;
  try {
    args = line.parse(argv);
  } catch (e: unknown) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${name}: ${e.message}\nTry '${name} --help' for the options.\n`);
    return { answered: true, status: 2 };
  }
  if (isMode(args, 'help')) {
    process.stdout.write(`${line.help}\n`);
    return { answered: true, status: 0 };
  }
  if (isMode(args, 'version')) {
    process.stdout.write(`${name} ${packageVersion()}\n`);
    return { answered: true, status: 0 };
  }
  return { answered: false, args: args as A };
}

/** Runs a CLI on `argv`; resolves to its exit status. */
export async function cliMain<A>(program: CliProgram<A>, argv: readonly string[]): Promise<number> {
  const { name } = program;
  const line = answer(program, argv);
  if (line.answered) return line.status;
  const { args } = line;
  // a reader that went away (`rxssh ... | head`) stops the run (see runWithOutput); writes after it fail
  // quietly rather than crash with a stack trace
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  // the library's warnings (RXJOBS_MAX_SESSIONS: a server allowing fewer sessions than maxSessions) as a
  // line of ours, rather than node's `(node:<pid>)` one and its --trace-warnings hint
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    process.stderr.write(`${name}: warning: ${w.message}\n`);
  });
  const run = await program.run();
  const io = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() };
  // some of the library's waits (bounded kills) do not hold the event loop: hold it while the run lasts, or
  // node could exit in the middle of one (status 13, unsettled top-level await)
  const hold = setInterval(() => undefined, 2 ** 30);
  // the first Ctrl-C (SIGTERM, SIGHUP) stops the run (see runWithOutput); another one must not kill this
  // process while it kills the remote commands (TERM, then KILL after a grace period), or some would survive
  let signals = 0;
  const patience = (signal: NodeJS.Signals): void => {
    signals++;
    // no run listening (still reading targets, or already closing): nothing remote to wait for
    if (signals === 1 && process.listenerCount(signal) === 1) process.exit(128 + constants.signals[signal]);
    if (signals > 1)
      process.stderr.write(
        `${name}: stopping: killing what still runs on the hosts, a few seconds at most\n`,
      );
  };
  for (const signal of STOP_SIGNALS) process.on(signal, patience);
  try {
    return await exitOnUserError(name, () => run(args, io));
  } finally {
    clearInterval(hold);
    for (const signal of STOP_SIGNALS) process.off(signal, patience);
  }
}

/**
 * Sets the exit status; should a handle linger after the run all the same, does not hang the shell. The
 * 2 s of grace start once stdout and stderr have written what they hold, so that a reader slower than that
 * (a pager, a parser that stalls) still gets the end of the output: the summary, the last JSON record.
 */
export function exitWith(status: number): void {
  process.exitCode = status;
  let left = 2;
  const flushed = (): void => {
    if (--left === 0) setTimeout(() => process.exit(), 2000).unref();
  };
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.destroyed || stream.writableEnded) flushed();
    else stream.write('', flushed); // called once what was written before is out (or the stream failed)
  }
}
