#!/usr/bin/env node
// rxjobs: run a scenario file (`rxjobs run`), or write the report of a recorded run (`rxjobs report`). This
// entry point only reads the command line; the run itself (rxjs, ssh2, the YAML parser) and the report are
// imported once there is something to do.
import { cliMain, exitWith } from './cli-main.js';
import { parseRxjobsArgs, RXJOBS_HELP } from './rxjobs-options.js';
import { parseReportArgs, REPORT_HELP } from './rxjobs-report.js';

const [command, ...rest] = process.argv.slice(2);

exitWith(
  command === 'report'
    ? await cliMain(
        {
          name: 'rxjobs report',
          help: REPORT_HELP,
          parse: parseReportArgs,
          run: async () => (await import('./rxjobs-report.js')).runReport,
        },
        rest,
      )
    : await cliMain(
        {
          name: 'rxjobs',
          help: RXJOBS_HELP,
          parse: parseRxjobsArgs,
          run: async () => (await import('./rxjobs-run.js')).runScenarioFile,
        },
        process.argv.slice(2),
      ),
);
