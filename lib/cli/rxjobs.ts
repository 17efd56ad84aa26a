#!/usr/bin/env node
// rxjobs: run a scenario file. This entry point only reads the command line; the run itself (rxjs, ssh2, the
// YAML parser) is imported once there is something to do.
import { packageVersion, UsageError } from './argv.js';
import { exitOnUserError } from './cli-errors.js';
import { parseRxjobsArgs, RXJOBS_HELP } from './rxjobs-options.js';
import type { RxjobsArgs } from './rxjobs-options.js';

async function main(argv: readonly string[]): Promise<number> {
  let args: RxjobsArgs;
  try {
    args = parseRxjobsArgs(argv);
  } catch (e: unknown) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`rxjobs: ${e.message}\nTry 'rxjobs --help' for the options.\n`);
    return 2;
  }
  if (args.mode === 'help') {
    process.stdout.write(`${RXJOBS_HELP}\n`);
    return 0;
  }
  if (args.mode === 'version') {
    process.stdout.write(`rxjobs ${packageVersion()}\n`);
    return 0;
  }
  // a reader that went away (`rxjobs run ... | head`) stops the run (see runWithOutput); writes after it fail
  // quietly rather than crash with a stack trace
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const { runScenarioFile } = await import('./rxjobs-run.js');
  const io = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() };
  // some of the library's waits (bounded kills) do not hold the event loop: hold it while the run lasts
  const hold = setInterval(() => undefined, 2 ** 30);
  try {
    return await exitOnUserError('rxjobs', () => runScenarioFile(args, io));
  } finally {
    clearInterval(hold);
  }
}

process.exitCode = await main(process.argv.slice(2));
// everything is closed by now; should a handle linger all the same, do not hang the shell
setTimeout(() => process.exit(), 2000).unref();
