#!/usr/bin/env node
// rxssh: run a command, a script, or a copy on many hosts at once over SSH. This entry point only reads the
// command line; the run itself (rxjs, ssh2) is imported once there is something to run.
import { cliMain, exitWith } from './cli-main.js';
import { parseRxsshArgs, RXSSH_HELP } from './rxssh-options.js';

exitWith(
  await cliMain(
    {
      name: 'rxssh',
      help: RXSSH_HELP,
      parse: parseRxsshArgs,
      run: async () => (await import('./rxssh-run.js')).runRxssh,
    },
    process.argv.slice(2),
  ),
);
