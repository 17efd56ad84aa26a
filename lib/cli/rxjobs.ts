#!/usr/bin/env node
// rxjobs: run a scenario file. This entry point only reads the command line; the run itself (rxjs, ssh2, the
// YAML parser) is imported once there is something to do.
import { cliMain, exitWith } from './cli-main.js';
import { parseRxjobsArgs, RXJOBS_HELP } from './rxjobs-options.js';

exitWith(
  await cliMain(
    {
      name: 'rxjobs',
      help: RXJOBS_HELP,
      parse: parseRxjobsArgs,
      run: async () => (await import('./rxjobs-run.js')).runScenarioFile,
    },
    process.argv.slice(2),
  ),
);
