#!/usr/bin/env node
// rxssh: run a command, a script, or a copy on many hosts at once over SSH. This entry point only reads the
// command line; the run itself (rxjs, ssh2) is imported once there is something to run.
import { packageVersion, UsageError } from './argv.js';
import { exitOnUserError } from './cli-errors.js';
import { parseRxsshArgs, RXSSH_HELP } from './rxssh-options.js';
import type { RxsshArgs } from './rxssh-options.js';

async function main(argv: readonly string[]): Promise<number> {
  let args: RxsshArgs;
  try {
    args = parseRxsshArgs(argv);
  } catch (e: unknown) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`rxssh: ${e.message}\nTry 'rxssh --help' for the options.\n`);
    return 2;
  }
  if (args.mode === 'help') {
    process.stdout.write(`${RXSSH_HELP}\n`);
    return 0;
  }
  if (args.mode === 'version') {
    process.stdout.write(`rxssh ${packageVersion()}\n`);
    return 0;
  }
  // a reader that went away (`rxssh ... | head`) stops the run (see runWithOutput); writes after it fail
  // quietly rather than crash with a stack trace
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const { runRxssh } = await import('./rxssh-run.js');
  const io = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() };
  // some of the library's waits (bounded kills) do not hold the event loop: hold it while the run lasts, or
  // node could exit in the middle of one (status 13, unsettled top-level await)
  const hold = setInterval(() => undefined, 2 ** 30);
  try {
    return await exitOnUserError('rxssh', () => runRxssh(args, io));
  } finally {
    clearInterval(hold);
  }
}

process.exitCode = await main(process.argv.slice(2));
// everything is closed by now; should a handle linger all the same, do not hang the shell
setTimeout(() => process.exit(), 2000).unref();
